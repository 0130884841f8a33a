/**
 * Review rounds. Round 1 is a lane's first review; every fix run that finished after a round's
 * verdict opens the next one. Reviewing the same head again stays in its round.
 */
import type { LaneRecord, LaneValidation, ValidationState } from '../../domain/lane.js';
import type { StateStore } from '../../infra/store.js';

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
