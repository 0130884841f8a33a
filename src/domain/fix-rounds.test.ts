import { describe, expect, it } from 'vitest';
import {
  assignedIds,
  findingPlace,
  fixAssignment,
  matchAnswers,
  nextReviewPlan,
  nextRoundStep,
  reviewersToRerun,
  severityCounts,
  type VerdictFacts,
} from './fix-rounds.js';
import type { Finding } from './review.js';

function finding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id,
    severity: 'major',
    category: 'bug',
    file: 'src/a.ts',
    line: 3,
    endLine: null,
    message: `problem ${id}`,
    suggestion: null,
    confidence: 0.9,
    reviewers: ['claude'],
    ...over,
  };
}

describe('nextRoundStep', () => {
  it('ends on approval, fixes while rounds remain, and stops at the limit', () => {
    expect(nextRoundStep('approve', 1, 3)).toBe('approved');
    expect(nextRoundStep('approve', 3, 3)).toBe('approved');
    expect(nextRoundStep('request-changes', 1, 3)).toBe('fix');
    expect(nextRoundStep('request-changes', 2, 3)).toBe('fix');
    expect(nextRoundStep('request-changes', 3, 3)).toBe('needs-you');
    // A lane resumed past the limit (rounds from an earlier run) never loops on.
    expect(nextRoundStep('request-changes', 5, 3)).toBe('needs-you');
    // One round: review once, no fix.
    expect(nextRoundStep('request-changes', 1, 1)).toBe('needs-you');
  });
});

describe('reviewersToRerun', () => {
  it('names the reviewers that raised findings, without lanes itself', () => {
    expect(
      reviewersToRerun([
        finding('R1-1', { reviewers: ['codex'] }),
        finding('R1-2', { reviewers: ['claude', 'codex'] }),
        finding('R1-3', { reviewers: ['lanes'] }),
      ]),
    ).toEqual(['claude', 'codex']);
  });
  it('runs every reviewer again when only lanes found something', () => {
    expect(reviewersToRerun([finding('R1-1', { reviewers: ['lanes'] })])).toBeUndefined();
    expect(reviewersToRerun([])).toBeUndefined();
  });
});

describe('severityCounts', () => {
  it('counts each severity and the total', () => {
    expect(
      severityCounts([
        finding('a', { severity: 'blocker' }),
        finding('b', { severity: 'nit' }),
        finding('c', { severity: 'nit' }),
      ]),
    ).toEqual({ blocker: 1, major: 0, minor: 0, nit: 2, total: 3 });
  });
});

describe('fixAssignment', () => {
  const round1: VerdictFacts = {
    round: 1,
    verdict: 'request-changes',
    findings: [finding('R1-1'), finding('R1-2', { severity: 'minor' })],
    disputes: [],
  };
  it('is the latest round findings in a first round', () => {
    const a = fixAssignment(round1, [], []);
    expect(a.round).toBe(1);
    expect(assignedIds(a)).toEqual(['R1-1', 'R1-2']);
    expect(a.upheld).toEqual([]);
  });
  it('adds the upheld disputes the new round does not list, with both reasons; dropped ones are gone', () => {
    const round2: VerdictFacts = {
      round: 2,
      verdict: 'request-changes',
      findings: [finding('R2-1', { file: 'src/b.ts' })],
      disputes: [
        { id: 'R1-2', decision: 'upheld', reason: 'the null case still crashes' },
        { id: 'R1-1', decision: 'dropped', reason: 'fair point' },
      ],
    };
    const a = fixAssignment(
      round2,
      [round1],
      [
        { round: 1, finding: 'R1-1', status: 'disputed', reason: 'not a bug' },
        { round: 1, finding: 'R1-2', status: 'disputed', reason: 'cannot be null' },
      ],
    );
    expect(assignedIds(a)).toEqual(['R2-1', 'R1-2']);
    expect(a.upheld).toEqual([
      { finding: round1.findings[1], disputeReason: 'cannot be null', reviewerReason: 'the null case still crashes' },
    ]);
  });
  it('does not list an upheld dispute twice when the round raised it again under its id', () => {
    const round2: VerdictFacts = {
      round: 2,
      verdict: 'request-changes',
      findings: [finding('R1-2')],
      disputes: [{ id: 'R1-2', decision: 'upheld', reason: 'still wrong' }],
    };
    expect(assignedIds(fixAssignment(round2, [round1], []))).toEqual(['R1-2']);
  });
});

describe('matchAnswers', () => {
  it('keeps the last answer per finding, lists the unanswered and ignores unknown ids', () => {
    const m = matchAnswers(
      ['R1-1', 'R1-2', 'R1-3'],
      [
        { id: 'R1-1', status: 'deferred', commit: null, reason: 'later' },
        { id: 'R9-9', status: 'fixed', commit: 'abc', reason: null },
        { id: 'R1-1', status: 'fixed', commit: 'abc', reason: null },
        { id: 'R1-3', status: 'disputed', commit: null, reason: 'no' },
      ],
    );
    expect([...m.answered.entries()].map(([id, a]) => [id, a.status])).toEqual([
      ['R1-1', 'fixed'],
      ['R1-3', 'disputed'],
    ]);
    expect(m.unanswered).toEqual(['R1-2']);
    expect(m.unknown).toEqual(['R9-9']);
  });
});

describe('findingPlace', () => {
  it('shows file, line and range', () => {
    expect(findingPlace({ file: 'a.ts', line: 3, endLine: 5 })).toBe('a.ts:3-5');
    expect(findingPlace({ file: 'a.ts', line: 3, endLine: 3 })).toBe('a.ts:3');
    expect(findingPlace({ file: 'a.ts', line: null, endLine: null })).toBe('a.ts');
    expect(findingPlace({ file: null, line: null, endLine: null })).toBe('(whole change)');
  });
});

describe('nextReviewPlan', () => {
  const latest = (over: Partial<Parameters<typeof nextReviewPlan>[0] & object> = {}) => ({
    round: 1,
    reviewers: ['claude', 'codex'],
    findings: [finding('R1-1', { reviewers: ['codex'] }), finding('R1-2', { reviewers: ['lanes'] })],
    audit: { criteria: [{ status: 'met' }] },
    ...over,
  });
  it('starts at round 1 with every reviewer and the audit', () => {
    expect(nextReviewPlan(undefined, false, 3)).toEqual({ round: 1, again: false, only: undefined, audit: true });
  });
  it('stays in the round without a fix since (the stored review of an unchanged head)', () => {
    expect(nextReviewPlan(latest(), false, 3)).toEqual({ round: 1, again: false, only: undefined, audit: true });
  });
  it('after a fix: the next round, reviewed even when the head is unchanged, only by the reviewers with findings', () => {
    expect(nextReviewPlan(latest(), true, 3)).toEqual({ round: 2, again: true, only: ['codex'], audit: false });
  });
  it('repeats the audit on the final round, and while a criterion is not met', () => {
    expect(nextReviewPlan(latest({ round: 2 }), true, 3).audit).toBe(true);
    expect(nextReviewPlan(latest({ audit: { criteria: [{ status: 'unclear' }] } }), true, 3).audit).toBe(true);
  });
  it('one reviewer: no choice to make', () => {
    expect(nextReviewPlan(latest({ reviewers: ['codex'] }), true, 3).only).toBeUndefined();
  });
});
