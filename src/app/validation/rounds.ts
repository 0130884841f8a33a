/**
 * Review rounds. Round 1 is a lane's first review; every fix run that finished after a round's
 * verdict opens the next one. Reviewing the same head again stays in its round.
 */
import type { LaneRecord, LaneValidation, ValidationState } from '../../domain/lane.js';
import type { Severity, Verdict } from '../../domain/review.js';
import type { VerdictRecord } from '../../infra/review-store.js';
import type { StateStore } from '../../infra/store.js';
import { runTokens } from '../agents/runs.js';

/** How a lane stopped at the round limit says so (validation reason); a failed fix run says otherwise. */
export const ROUND_LIMIT_REASON = 'not approved after ';

/** The round the lane's next review belongs to. */
export function nextReviewRound(store: StateStore, lane: LaneRecord): number {
  const latest = store.reviews.latestVerdict(lane.name, lane.createdAt);
  if (!latest) return 1;
  const fixedSince = store
    .runsOf(lane.name)
    .some((r) => r.phase === 'fix' && r.status === 'done' && r.startedAt >= latest.createdAt);
  return latest.round + (fixedSince ? 1 : 0);
}

/** Records where the lane stands in validation. */
export function setValidation(
  store: StateStore,
  lane: string,
  state: ValidationState,
  round: number,
  reason: string | null = null,
  now: Date = new Date(),
): LaneValidation {
  const validation: LaneValidation = { state, round, reason, updatedAt: now.toISOString() };
  store.updateLane(lane, (r) => ({ ...r, validation }));
  return validation;
}

export interface RoundSummary {
  round: number;
  verdict: Verdict;
  head: string;
  /** Findings by severity. */
  findings: Record<Severity, number>;
  reviewers: string[];
  /** Tokens and cost of the round's reviews and of the fix that answered it. */
  tokens: number;
  costUsd: number | null;
  /** Review time (first reviewer started → verdict) plus the answering fix run's time. */
  durationMs: number;
}

/** Every round of a lane, its last verdict each, with what the round cost (for ls, run and stats). */
export function roundSummaries(store: StateStore, lane: Pick<LaneRecord, 'name' | 'createdAt'>): RoundSummary[] {
  const verdicts = store.reviews.verdictsOf(lane.name, lane.createdAt);
  const lastOfRound = new Map<number, VerdictRecord>();
  for (const v of verdicts) lastOfRound.set(v.round, v);
  const reviews = store.reviews.reviewsOf(lane.name, lane.createdAt);
  const runs = store.runsOf(lane.name).filter((r) => r.startedAt >= lane.createdAt);
  const ordered = [...lastOfRound.values()].sort((a, b) => a.round - b.round);
  return ordered.map((v, i) => {
    const next = ordered[i + 1];
    const reviewRunIds = new Set(reviews.filter((r) => r.round === v.round).flatMap((r) => r.runIds));
    const fixRuns = runs.filter(
      (r) => r.phase === 'fix' && r.startedAt >= v.createdAt && (!next || r.startedAt < next.createdAt),
    );
    const counted = [...runs.filter((r) => reviewRunIds.has(r.id)), ...fixRuns];
    const firstStart = reviews
      .filter((r) => r.round === v.round)
      .map((r) => Date.parse(r.startedAt))
      .reduce((a, b) => Math.min(a, b), Date.parse(v.createdAt));
    const fixMs = fixRuns.reduce(
      (sum, r) => sum + (r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : 0),
      0,
    );
    const costs = counted.map((r) => r.costUsd).filter((c): c is number => c !== null);
    const findings = { blocker: 0, major: 0, minor: 0, nit: 0 } as Record<Severity, number>;
    for (const f of v.findings) findings[f.severity]++;
    return {
      round: v.round,
      verdict: v.verdict,
      head: v.head,
      findings,
      reviewers: v.reviewers,
      tokens: counted.reduce((sum, r) => sum + runTokens(r), 0),
      costUsd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
      durationMs: Date.parse(v.createdAt) - firstStart + fixMs,
    };
  });
}
