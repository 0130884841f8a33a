import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FINDING_CATEGORIES,
  LANES_REVIEWER,
  SEVERITIES,
  disagreementsOf,
  effectiveVerdict,
  mergeAudits,
  mergeFindings,
  numberFindings,
  stricterVerdict,
  type Audit,
  type Finding,
} from './review.js';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'F1',
    severity: 'minor',
    category: 'bug',
    file: 'src/a.ts',
    line: 10,
    endLine: null,
    message: 'off by one',
    suggestion: null,
    confidence: 0.5,
    reviewers: [],
    ...over,
  };
}

const NO_AUDIT: Audit = { criteria: [], scopeDrift: [] };

describe('mergeFindings', () => {
  it('merges two reviewers’ findings on the same file and category within 3 lines into one finding with both reviewers', () => {
    const merged = mergeFindings([
      {
        reviewer: 'claude',
        findings: [finding({ line: 10, severity: 'minor', confidence: 0.4, message: 'claude says' })],
      },
      {
        reviewer: 'codex',
        findings: [
          finding({ line: 13, severity: 'major', confidence: 0.9, message: 'codex says', suggestion: 'use <=' }),
        ],
      },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      reviewers: ['claude', 'codex'],
      severity: 'major',
      confidence: 0.9,
      // The first reviewer's wording and place; the other's suggestion fills a gap.
      message: 'claude says',
      line: 10,
      suggestion: 'use <=',
    });
  });

  it('keeps the higher severity and confidence whichever reviewer had them', () => {
    const merged = mergeFindings([
      { reviewer: 'a', findings: [finding({ severity: 'blocker', confidence: 0.2 })] },
      { reviewer: 'b', findings: [finding({ severity: 'nit', confidence: 0.7 })] },
    ]);
    expect(merged).toEqual([expect.objectContaining({ severity: 'blocker', confidence: 0.7, reviewers: ['a', 'b'] })]);
  });

  it('keeps findings 4 lines apart, of another category or in another file separate', () => {
    for (const other of [
      finding({ line: 14 }),
      finding({ line: 6 }),
      finding({ category: 'style' }),
      finding({ file: 'src/b.ts' }),
    ]) {
      const merged = mergeFindings([
        { reviewer: 'a', findings: [finding()] },
        { reviewer: 'b', findings: [other] },
      ]);
      expect(merged.map((f) => f.reviewers)).toEqual(expect.arrayContaining([['a'], ['b']]));
      expect(merged).toHaveLength(2);
    }
  });

  it('never merges one reviewer’s own nearby findings with each other', () => {
    const merged = mergeFindings([
      { reviewer: 'a', findings: [finding({ line: 10, message: 'one' }), finding({ line: 11, message: 'two' })] },
    ]);
    expect(merged.map((f) => f.message)).toEqual(['one', 'two']);
  });

  it('pairs a finding with the closest of another reviewer’s candidates, whatever their order', () => {
    const b = { reviewer: 'b', findings: [finding({ line: 12, message: 'b' })] };
    for (const order of [
      [10, 13],
      [13, 10],
    ]) {
      const merged = mergeFindings([
        { reviewer: 'a', findings: order.map((line) => finding({ line, message: `a${line}` })) },
        b,
      ]);
      expect(merged.map((f) => [f.line, f.reviewers])).toEqual([
        [10, ['a']],
        [13, ['a', 'b']],
      ]);
    }
  });

  it('merges findings without a line on the same file, but not those without a file, nor a line with no line', () => {
    const fileOnly = mergeFindings([
      { reviewer: 'a', findings: [finding({ line: null })] },
      { reviewer: 'b', findings: [finding({ line: null })] },
    ]);
    expect(fileOnly).toEqual([expect.objectContaining({ reviewers: ['a', 'b'], line: null })]);

    const wholeChange = mergeFindings([
      { reviewer: 'a', findings: [finding({ file: null, line: null })] },
      { reviewer: 'b', findings: [finding({ file: null, line: null })] },
    ]);
    expect(wholeChange).toHaveLength(2);

    const mixed = mergeFindings([
      { reviewer: 'a', findings: [finding({ line: null })] },
      { reviewer: 'b', findings: [finding({ line: 10 })] },
    ]);
    expect(mixed).toHaveLength(2);
  });

  it('orders by severity, then file (no file last), then line', () => {
    const merged = mergeFindings([
      {
        reviewer: 'a',
        findings: [
          finding({ severity: 'nit', file: 'a.ts', message: 'nit' }),
          finding({ severity: 'blocker', file: null, line: null, message: 'whole' }),
          finding({ severity: 'blocker', file: 'z.ts', line: 40, message: 'z40' }),
          finding({ severity: 'blocker', file: 'z.ts', line: 4, message: 'z4' }),
        ],
      },
    ]);
    expect(merged.map((f) => f.message)).toEqual(['z4', 'z40', 'whole', 'nit']);
  });

  it('gives the same list whatever order each reviewer listed its findings in (property)', () => {
    const arbFinding = fc.record({
      id: fc.constant('F'),
      severity: fc.constantFrom(...SEVERITIES),
      category: fc.constantFrom('bug', 'style'),
      file: fc.constantFrom<string | null>('a.ts', 'b.ts', null),
      line: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      endLine: fc.option(fc.integer({ min: 1, max: 25 }), { nil: null }),
      message: fc.constantFrom('m1', 'm2', 'm3'),
      suggestion: fc.option(fc.constantFrom('s1', 's2'), { nil: null }),
      confidence: fc.constantFrom(0, 0.25, 0.5, 1),
      reviewers: fc.constant([] as string[]),
    }) as fc.Arbitrary<Finding>;
    const arbLists = fc.tuple(
      fc.array(arbFinding, { maxLength: 6 }),
      fc.array(arbFinding, { maxLength: 6 }),
      fc.array(arbFinding, { maxLength: 3 }),
    );
    fc.assert(
      fc.property(arbLists, fc.func(fc.integer()), ([a, b, c], rank) => {
        const shuffle = (xs: Finding[]) =>
          xs
            .map((x, i) => ({ x, k: rank(i) }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        const input = [
          { reviewer: 'a', findings: a },
          { reviewer: 'b', findings: b },
          { reviewer: 'c', findings: c },
        ];
        const shuffled = input.map((r) => ({ ...r, findings: shuffle(r.findings) }));
        const merged = mergeFindings(input);
        expect(mergeFindings(shuffled)).toEqual(merged);
        // Nothing lost, nothing counted twice: each input finding is one reviewer name on one merged finding.
        expect(merged.reduce((n, f) => n + f.reviewers.length, 0)).toBe(a.length + b.length + c.length);
        for (const f of merged) expect(new Set(f.reviewers).size).toBe(f.reviewers.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeAudits', () => {
  it('keeps the worst status per criterion and the union of the evidence and scope drift', () => {
    const merged = mergeAudits([
      {
        criteria: [
          { text: 'exports CSV', status: 'met', evidence: ['src/csv.ts:3'] },
          { text: 'has docs', status: 'unclear', evidence: [] },
          { text: 'fast', status: 'met', evidence: ['a.ts:1'] },
        ],
        scopeDrift: ['renamed util.ts'],
      },
      {
        criteria: [
          { text: 'exports CSV', status: 'unmet', evidence: ['src/csv.ts:9', 'src/csv.ts:3'] },
          { text: 'has docs', status: 'met', evidence: ['README.md:4'] },
          { text: 'new criterion', status: 'unclear', evidence: [] },
        ],
        scopeDrift: ['renamed util.ts', 'new dependency'],
      },
    ]);
    expect(merged).toEqual({
      criteria: [
        { text: 'exports CSV', status: 'unmet', evidence: ['src/csv.ts:3', 'src/csv.ts:9'] },
        { text: 'has docs', status: 'unclear', evidence: ['README.md:4'] },
        { text: 'fast', status: 'met', evidence: ['a.ts:1'] },
        { text: 'new criterion', status: 'unclear', evidence: [] },
      ],
      scopeDrift: ['renamed util.ts', 'new dependency'],
    });
  });

  it('does not change the audits it merges', () => {
    const first: Audit = { criteria: [{ text: 'x', status: 'met', evidence: ['a:1'] }], scopeDrift: [] };
    mergeAudits([first, { criteria: [{ text: 'x', status: 'unmet', evidence: ['b:2'] }], scopeDrift: [] }]);
    expect(first.criteria[0]).toEqual({ text: 'x', status: 'met', evidence: ['a:1'] });
  });

  it('of no audits is an empty audit', () => {
    expect(mergeAudits([])).toEqual(NO_AUDIT);
  });
});

describe('disagreementsOf', () => {
  it('names a verdict the reviewers do not share and each finding only some raised', () => {
    const merged = [
      finding({ id: 'R1-1', reviewers: ['claude', 'codex'] }),
      finding({ id: 'R1-2', reviewers: ['codex'] }),
      // lanes' own findings are not a reviewer's opinion.
      finding({ id: 'R1-3', reviewers: [LANES_REVIEWER] }),
    ];
    expect(
      disagreementsOf(
        [
          { reviewer: 'claude', verdict: 'approve' },
          { reviewer: 'codex', verdict: 'request-changes' },
        ],
        merged,
      ),
    ).toEqual([
      { kind: 'verdict', detail: 'claude: approve, codex: request-changes' },
      { kind: 'finding', findingId: 'R1-2', detail: 'raised only by codex' },
    ]);
  });

  it('is empty for one reviewer and for reviewers who agree on everything', () => {
    expect(disagreementsOf([{ reviewer: 'a', verdict: 'approve' }], [finding({ reviewers: ['a'] })])).toEqual([]);
    expect(
      disagreementsOf(
        [
          { reviewer: 'a', verdict: 'approve' },
          { reviewer: 'b', verdict: 'approve' },
        ],
        [finding({ reviewers: ['a', 'b'] })],
      ),
    ).toEqual([]);
  });
});

describe('effectiveVerdict', () => {
  const met: Audit = { criteria: [{ text: 'x', status: 'met', evidence: [] }], scopeDrift: [] };
  const unmet: Audit = { criteria: [{ text: 'x', status: 'unmet', evidence: [] }], scopeDrift: [] };

  it('turns an approval into a request for changes when lanes’ own check found a blocker', () => {
    expect(
      effectiveVerdict('approve', [finding({ severity: 'blocker', reviewers: [LANES_REVIEWER] })], met, false),
    ).toBe('request-changes');
  });

  it('leaves a reviewer’s blocker to the reviewer’s verdict, and lanes’ non-blocking findings alone', () => {
    expect(effectiveVerdict('approve', [finding({ severity: 'blocker', reviewers: ['claude'] })], met, true)).toBe(
      'approve',
    );
    expect(effectiveVerdict('approve', [finding({ severity: 'major', reviewers: [LANES_REVIEWER] })], met, true)).toBe(
      'approve',
    );
  });

  it('requests changes for an unmet criterion only when the audit is required', () => {
    expect(effectiveVerdict('approve', [], unmet, true)).toBe('request-changes');
    expect(effectiveVerdict('approve', [], unmet, false)).toBe('approve');
    expect(
      effectiveVerdict(
        'approve',
        [],
        { criteria: [{ text: 'x', status: 'unclear', evidence: [] }], scopeDrift: [] },
        true,
      ),
    ).toBe('approve');
  });

  it('otherwise is the reviewers’ verdict', () => {
    expect(effectiveVerdict('request-changes', [], met, true)).toBe('request-changes');
    expect(effectiveVerdict('approve', [], NO_AUDIT, true)).toBe('approve');
  });
});

describe('numberFindings and stricterVerdict', () => {
  it('numbers findings per round in their order without touching the originals', () => {
    const input = [finding({ id: 'F9' }), finding({ id: 'F2' })];
    expect(numberFindings(2, input).map((f) => f.id)).toEqual(['R2-1', 'R2-2']);
    expect(input.map((f) => f.id)).toEqual(['F9', 'F2']);
  });

  it('lets any request for changes win', () => {
    expect(stricterVerdict('approve', 'approve')).toBe('approve');
    expect(stricterVerdict('approve', 'request-changes')).toBe('request-changes');
    expect(stricterVerdict('request-changes', 'approve')).toBe('request-changes');
    expect(stricterVerdict('request-changes', 'request-changes')).toBe('request-changes');
  });

  it('knows every category the schema offers', () => {
    expect(FINDING_CATEGORIES).toContain('unmet-criterion');
  });
});
