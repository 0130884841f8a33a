/**
 * Puts a round's verdict where the lane's review request is: a review with line comments on the
 * GitHub pull request, or the local record. STUB: the pull-request work replaces this file.
 */
import type { LaneRecord } from '../../domain/lane.js';
import type { VerdictRecord } from '../../infra/review-store.js';
import type { Context } from '../context.js';

export interface PublishedReview {
  where: 'github' | 'local';
  /** The posted review's web address (GitHub). */
  url: string | null;
  /** A problem posting it: the verdict stays stored; the message says how to post it again. */
  warning: string | null;
}

export function publishVerdict(_ctx: Context, _lane: LaneRecord, _verdict: VerdictRecord): Promise<PublishedReview> {
  return Promise.resolve({ where: 'local', url: null, warning: null });
}
