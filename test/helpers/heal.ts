/**
 * For tests of lanes heal: four lanes' findings written into the real state file as lanes review
 * and lanes fix store them, the groups lanes will find in them, and a heal agent's scripted answer.
 */
import type { AgentRepo } from './agents.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { classifyFindings, DEFAULT_HEAL_THRESHOLDS, groupFindings, qualifies } from '../../src/domain/heal-groups.js';
import { finding, insertVerdict, openStore } from './verdicts.js';

export const RULES_MD = '# Project rules\n\nUse tabs.\n';
export const IMPLEMENTER_RULE = 'Return early with a clear error when an input is empty, before parsing it.';
export const REVIEWER_RULE =
  'Before flagging a missing null check, look whether the caller already validates the value.';

/** Four lanes' findings: an empty-input crash fixed in two lanes, a false null-check alarm dropped in two. */
export function storeFindings(r: AgentRepo): void {
  for (const lane of ['issue-1', 'issue-2', 'issue-3', 'issue-4']) r.git('branch', lane);
  insertVerdict(r, 'issue-1', {
    findings: [
      finding('R1-1', { file: 'src/api/users.ts', line: 12, message: 'Crashes on empty input' }),
      finding('R1-2', { category: 'style', file: 'src/api/users.ts', line: 2, message: 'Long line' }),
    ],
  });
  insertVerdict(r, 'issue-2', {
    findings: [
      finding('R1-1', { file: 'src/api/orders.ts', line: 40, message: 'The handler crashes when the input is empty' }),
    ],
  });
  insertVerdict(r, 'issue-3', {
    findings: [finding('R1-1', { file: 'lib/a.py', line: 5, message: 'Missing null check on the user value' })],
  });
  insertVerdict(r, 'issue-4', {
    findings: [finding('R1-1', { file: 'lib/b.py', line: 9, message: 'Missing null check on the value' })],
  });
  const store = openStore(r);
  try {
    const at = new Date(Date.now() + 1000).toISOString();
    const answer = (lane: string, status: 'fixed' | 'disputed' | 'deferred', finding = 'R1-1') => ({
      lane,
      round: 1,
      finding,
      status,
      commit: null,
      reason: status === 'fixed' ? null : 'the caller validates it',
      runId: null,
      answeredAt: at,
    });
    store.reviews.recordAnswers([
      answer('issue-1', 'fixed'),
      answer('issue-1', 'deferred', 'R1-2'),
      answer('issue-2', 'fixed'),
      answer('issue-3', 'disputed'),
      answer('issue-4', 'disputed'),
    ]);
  } finally {
    store.close();
  }
  // Round 2 of issue-3 and issue-4: the reviewer dropped the disputed finding.
  for (const lane of ['issue-3', 'issue-4'])
    insertVerdict(r, lane, {
      round: 2,
      verdict: 'approve',
      disputes: [{ id: 'R1-1', decision: 'dropped', reason: 'the caller validates it' }],
    });
}

/** The groups lanes will find (computed from the same stored rows), for the scripted agent's answer. */
export function groupsOf(r: AgentRepo): { implementer: string; reviewer: string } {
  const store = openStore(r);
  try {
    const learned = classifyFindings(store.reviews.verdictsOf(), store.reviews.answersOf());
    const groups = groupFindings(learned, DEFAULT_HEAL_THRESHOLDS).filter((g) => qualifies(g, DEFAULT_HEAL_THRESHOLDS));
    return {
      implementer: groups.find((g) => g.direction === 'implementer')!.id,
      reviewer: groups.find((g) => g.direction === 'reviewer')!.id,
    };
  } finally {
    store.close();
  }
}

export function healScript(groups: { implementer: string; reviewer: string }): FakeScript {
  return {
    turns: [
      {
        kind: 'answer',
        json: {
          rules: [
            { group: groups.implementer, text: IMPLEMENTER_RULE, scope: ['src/api/**'] },
            { group: groups.reviewer, text: REVIEWER_RULE, scope: [] },
          ],
        },
      },
    ],
  };
}
