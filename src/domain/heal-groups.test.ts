import { describe, expect, it } from 'vitest';
import {
  classifyFindings,
  DEFAULT_HEAL_THRESHOLDS,
  groupFindings,
  jaccard,
  messageTokens,
  qualifies,
  sharedScope,
  type HealFinding,
  type HealVerdictFacts,
} from './heal-groups.js';
import type { Finding } from './review.js';

function f(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    severity: 'major',
    category: 'bug',
    file: 'src/a.ts',
    line: 1,
    endLine: null,
    message: `problem ${id}`,
    suggestion: null,
    confidence: 0.9,
    reviewers: ['claude'],
    ...over,
  };
}

function learned(lane: string, id: string, over: Partial<HealFinding> = {}): HealFinding {
  return {
    key: `${lane}:${id}`,
    lane,
    round: 1,
    id,
    category: 'bug',
    severity: 'major',
    file: 'src/api/a.ts',
    line: 3,
    message: 'Crashes on empty input',
    direction: 'implementer',
    at: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('message tokens and similarity', () => {
  it('drops stop words, short words and numbers, folds plurals and case', () => {
    expect(messageTokens('The handler crashes on an EMPTY input (line 12)')).toEqual([
      'crash',
      'empty',
      'handler',
      'input',
      'line',
    ]);
    expect(messageTokens('Inputs are not validated')).toEqual(['input', 'validated']);
  });
  it('is the Jaccard index of the token sets', () => {
    expect(jaccard(['a', 'b'], ['a', 'b'])).toBe(1);
    expect(jaccard(['a', 'b', 'c'], ['a', 'd'])).toBe(0.25);
    expect(jaccard([], [])).toBe(0);
  });
});

describe('classifyFindings', () => {
  const v = (
    id: number,
    lane: string,
    round: number,
    findings: Finding[],
    disputes: HealVerdictFacts['disputes'] = [],
  ): HealVerdictFacts => ({
    id,
    lane,
    round,
    findings,
    disputes,
    createdAt: `2026-01-0${id}T00:00:00.000Z`,
  });
  it('implementer: fixed, or disputed and upheld; reviewer: disputed and dropped; the rest teaches nothing', () => {
    const verdicts = [
      v(1, 'issue-1', 1, [f('R1-1'), f('R1-2'), f('R1-3'), f('R1-4'), f('R1-5')]),
      v(
        2,
        'issue-1',
        2,
        [],
        [
          { id: 'R1-2', decision: 'upheld', reason: 'still wrong' },
          { id: 'R1-3', decision: 'dropped', reason: 'the caller validates it' },
        ],
      ),
    ];
    const answers = [
      { lane: 'issue-1', round: 1, finding: 'R1-1', status: 'fixed' as const, answeredAt: '2026-01-01T01:00:00.000Z' },
      {
        lane: 'issue-1',
        round: 1,
        finding: 'R1-2',
        status: 'disputed' as const,
        answeredAt: '2026-01-01T01:00:00.000Z',
      },
      {
        lane: 'issue-1',
        round: 1,
        finding: 'R1-3',
        status: 'disputed' as const,
        answeredAt: '2026-01-01T01:00:00.000Z',
      },
      {
        lane: 'issue-1',
        round: 1,
        finding: 'R1-4',
        status: 'deferred' as const,
        answeredAt: '2026-01-01T01:00:00.000Z',
      },
      // An answer of an earlier lane of the same name does not count.
      { lane: 'issue-1', round: 1, finding: 'R1-5', status: 'fixed' as const, answeredAt: '2025-01-01T00:00:00.000Z' },
    ];
    const out = classifyFindings(verdicts, answers);
    expect(out.map((x) => [x.id, x.direction, x.key])).toEqual([
      ['R1-1', 'implementer', '1:R1-1'],
      ['R1-2', 'implementer', '1:R1-2'],
      ['R1-3', 'reviewer', '1:R1-3'],
    ]);
  });
});

describe('groupFindings', () => {
  const t = DEFAULT_HEAL_THRESHOLDS;
  it('groups near-duplicates across lanes and keeps unrelated findings apart', () => {
    const groups = groupFindings(
      [
        learned('issue-1', 'R1-1', { message: 'Crashes on empty input' }),
        learned('issue-2', 'R1-3', { message: 'The parser crashes when the input is empty' }),
        learned('issue-3', 'R1-1', { message: 'Missing null check on the user id' }),
        learned('issue-2', 'R1-1', { message: 'Crashes on empty input', category: 'security' }),
        learned('issue-4', 'R1-1', { message: 'Crashes on empty input', direction: 'reviewer' }),
      ],
      t,
    );
    const big = groups[0]!;
    expect(big.findings.map((x) => `${x.lane}/${x.id}`)).toEqual(['issue-1/R1-1', 'issue-2/R1-3']);
    expect(big.lanes).toEqual(['issue-1', 'issue-2']);
    expect(big.scope).toEqual(['src/api/**']);
    expect(big.terms).toEqual(['crash', 'empty', 'input']);
    expect(qualifies(big, t)).toBe(true);
    // The other four are each alone: another message, another category, another direction.
    expect(groups.slice(1).map((g) => g.findings.length)).toEqual([1, 1, 1]);
    expect(groups.slice(1).every((g) => !qualifies(g, t))).toBe(true);
  });

  it('respects the thresholds: lanes or findings', () => {
    const sameLane = [1, 2, 3].map((n) => learned('issue-1', `R${n}-1`, { round: n }));
    const [three] = groupFindings(sameLane, t);
    expect(qualifies(three!, t)).toBe(true);
    const [two] = groupFindings(sameLane.slice(0, 2), t);
    expect(two!.lanes).toEqual(['issue-1']);
    expect(qualifies(two!, t)).toBe(false);
    expect(qualifies(two!, { ...t, minFindings: 2 })).toBe(true);
    const twoLanes = groupFindings([learned('issue-1', 'R1-1'), learned('issue-2', 'R1-1')], t)[0]!;
    expect(qualifies(twoLanes, t)).toBe(true);
    expect(qualifies(twoLanes, { ...t, minLanes: 3 })).toBe(false);
    // Similarity threshold: 2 of 4 distinct tokens shared is 0.5.
    const pair = [
      learned('a', 'R1-1', { message: 'empty input crash' }),
      learned('b', 'R1-1', { message: 'empty input leak' }),
    ];
    expect(groupFindings(pair, { ...t, similarity: 0.5 })).toHaveLength(1);
    expect(groupFindings(pair, { ...t, similarity: 0.6 })).toHaveLength(2);
  });

  it('gives the same groups, ids and order whatever order the findings come in, and skips excluded ones', () => {
    const items = [
      learned('issue-2', 'R1-1'),
      learned('issue-1', 'R1-2', { message: 'Missing null check on user id', file: 'lib/x.py' }),
      learned('issue-1', 'R1-1'),
      learned('issue-3', 'R2-1', { message: 'No null check on the user id', file: 'lib/y.py' }),
      learned('issue-3', 'R1-1'),
    ];
    const a = groupFindings(items, t);
    const b = groupFindings([...items].reverse(), t);
    expect(b).toEqual(a);
    expect(a.map((g) => g.findings.length)).toEqual([3, 2]);
    expect(a[1]!.scope).toEqual(['lib/**']);
    expect(a[0]!.id).toMatch(/^implementer-bug-[0-9a-f]{8}$/);
    const without = groupFindings(items, t, new Set(['issue-1:R1-1']));
    expect(without[0]!.findings).toHaveLength(2);
    expect(without[0]!.id).not.toBe(a[0]!.id);
  });
});

describe('sharedScope', () => {
  it('is the deepest common folder, else the common extension, else none', () => {
    expect(sharedScope(['src/api/a.ts', 'src/api/v1/b.ts'])).toEqual(['src/api/**']);
    expect(sharedScope(['src/a.ts', 'lib/b.ts'])).toEqual(['**/*.ts']);
    expect(sharedScope(['a.ts', 'b.py'])).toEqual([]);
    expect(sharedScope(['src/a.ts', null])).toEqual([]);
  });
});
