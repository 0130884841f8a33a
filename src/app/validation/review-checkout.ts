/**
 * A reviewer's own checkout: a detached worktree of the head commit, beside the lanes' worktrees
 * (`<worktrees>/.lanes-review/<lane>/<review>-<reviewer>`), never the writer's worktree. It is
 * removed when the review ends; one left by a killed review is a detached worktree under
 * `.lanes-review/`, which `lanes doctor --fix` removes (reviewCheckoutsLeft).
 *
 * Each checkout is locked in git with its owner (`lanes review: process <pid> at <time>`): the lock
 * keeps `git worktree prune` off it, and tells doctor whether the process that made it still lives
 * (the commands' checkout has no review row to judge it by).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import type { LaneRecord } from '../../domain/lane.js';
import { addDetachedWorktree, git, pruneWorktrees, type GitOptions } from '../../infra/git.js';
import { isRecordedProcessAlive } from '../../infra/process-alive.js';
import { canonicalPath } from '../../infra/real-path.js';

export const REVIEW_DIR = '.lanes-review';

export function reviewCheckoutPath(lane: LaneRecord, reviewId: number, reviewer: string): string {
  const safe = reviewer.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dirname(lane.path), REVIEW_DIR, lane.name, `${reviewId}-${safe}`);
}

/** The lock reason a checkout carries: who made it, and when (a pid alone could be reused). */
export function ownerReason(pid: number, at: Date): string {
  return `lanes review: process ${pid} at ${at.toISOString()}`;
}

export async function addReviewCheckout(repoRoot: string, path: string, head: string, opts: GitOptions): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  // The same path left by a killed review (a recycled pid names the same `0-commands-<pid>`) would
  // make `worktree add` fail: a leftover whose owner is gone is scratch, and goes first.
  const left = (await reviewCheckoutsLeft(repoRoot, opts)).find((c) => canonicalPath(c.path) === canonicalPath(path));
  if (left && !ownerAlive(left)) await removeReviewCheckout(repoRoot, left.path);
  await addDetachedWorktree(repoRoot, path, head, ownerReason(process.pid, new Date()), opts);
}

/** Removes the checkout and git's record of it; what a reviewer or a command wrote there is scratch. */
export async function removeReviewCheckout(repoRoot: string, path: string): Promise<void> {
  // Not tied to the command's signal: a review cut short by Ctrl-C still cleans up. --force twice
  // removes a locked worktree, even one whose folder is gone.
  await git(repoRoot, ['worktree', 'remove', '--force', '--force', '--', path], { check: false, timeoutMs: 120_000 });
  if (existsSync(path)) rmSync(path, { recursive: true, force: true });
  await pruneWorktrees(repoRoot, { timeoutMs: 60_000 }).catch(() => undefined);
}

export interface ReviewCheckout {
  path: string;
  /** The lane and review id its path names; the id is 0 for the checkout the profile's commands ran in. */
  lane: string;
  reviewId: number | undefined;
  /** The process that made it, from its lock; undefined for a checkout without one. */
  owner: { pid: number; at: string } | undefined;
}

/** Whether the process that made the checkout still runs (false when no owner is recorded). */
export function ownerAlive(checkout: Pick<ReviewCheckout, 'owner'>): boolean {
  return checkout.owner !== undefined && isRecordedProcessAlive(checkout.owner.pid, checkout.owner.at);
}

/** Review checkouts git still lists (left by a review that was killed, or in use by a running one). */
export async function reviewCheckoutsLeft(repoRoot: string, opts: GitOptions): Promise<ReviewCheckout[]> {
  const marker = `${sep}${REVIEW_DIR}${sep}`;
  const res = await git(repoRoot, ['worktree', 'list', '--porcelain', '-z'], opts);
  const out: ReviewCheckout[] = [];
  // Records are NUL-separated fields, each record ended by an empty field.
  for (const record of res.stdout.split('\0\0')) {
    const fields = record.split('\0').filter((f) => f !== '');
    const path = fields.find((f) => f.startsWith('worktree '))?.slice('worktree '.length);
    if (!path || !path.includes(marker)) continue;
    const lock = fields.find((f) => f === 'locked' || f.startsWith('locked '))?.slice('locked '.length) ?? '';
    const owner = /^lanes review: process (\d+) at (\S+)$/.exec(lock);
    const rest = path.slice(path.lastIndexOf(marker) + marker.length);
    const id = /^(\d+)-/.exec(basename(rest));
    out.push({
      path,
      lane: dirname(rest) === '.' ? '' : dirname(rest),
      reviewId: id ? Number(id[1]) : undefined,
      owner: owner ? { pid: Number(owner[1]), at: owner[2]! } : undefined,
    });
  }
  return out;
}
