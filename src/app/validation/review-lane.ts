/**
 * `lanes review`: a fresh-context review of the lane's head commit. STUB: replaced by the review work.
 */
import { ToolError } from '../../domain/errors.js';
import type { ReviewRecord, VerdictRecord } from '../../infra/review-store.js';
import type { Context } from '../context.js';

export interface ReviewOptions {
  /** One reviewer by agent name (`--reviewer`). */
  reviewer?: string | undefined;
  adversarial?: boolean;
  /** Review the same head again instead of returning the stored review. */
  again?: boolean;
  /** Only these reviewers run again (later rounds of lanes run); the others' last reviews stand. */
  only?: readonly string[];
}

export interface ReviewResult {
  lane: string;
  verdict: VerdictRecord;
  /** Each reviewer's review this round (reused ones included). */
  reviews: ReviewRecord[];
  /** True when nothing ran: the stored review of this head was returned. */
  reused: boolean;
  published: { where: 'github' | 'local'; url: string | null; warning: string | null };
  tokens: number;
  costUsd: number | null;
  durationMs: number;
}

export function reviewLane(_ctx: Context, _laneName: string, _opts: ReviewOptions = {}): Promise<ReviewResult> {
  return Promise.reject(new ToolError('lanes review is not built yet'));
}
