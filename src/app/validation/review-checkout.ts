/**
 * A reviewer's own checkout: a detached worktree of the head commit, beside the lanes' worktrees
 * (`<worktrees>/.lanes-review/<lane>/<review>-<reviewer>`), never the writer's worktree. It is
 * removed when the review ends; one left by a killed review is a detached worktree under
 * `.lanes-review/`, which `lanes doctor --fix` removes (reviewCheckoutsLeft).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { LaneRecord } from '../../domain/lane.js';
import { git, listWorktrees, pruneWorktrees, type GitOptions } from '../../infra/git.js';

export const REVIEW_DIR = '.lanes-review';

export function reviewCheckoutPath(lane: LaneRecord, reviewId: number, reviewer: string): string {
  const safe = reviewer.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dirname(lane.path), REVIEW_DIR, lane.name, `${reviewId}-${safe}`);
}

export async function addReviewCheckout(repoRoot: string, path: string, head: string, opts: GitOptions): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await git(repoRoot, ['worktree', 'add', '--detach', '--', path, head], { ...opts, timeoutMs: 600_000 });
}

/** Removes the checkout and git's record of it; what a reviewer or a command wrote there is scratch. */
export async function removeReviewCheckout(repoRoot: string, path: string): Promise<void> {
  // Not tied to the command's signal: a review cut short by Ctrl-C still cleans up.
  await git(repoRoot, ['worktree', 'remove', '--force', '--force', '--', path], { check: false, timeoutMs: 120_000 });
  if (existsSync(path)) rmSync(path, { recursive: true, force: true });
  await pruneWorktrees(repoRoot, { timeoutMs: 60_000 }).catch(() => undefined);
}

/** Review checkouts git still lists: left by a review that was killed. */
export async function reviewCheckoutsLeft(repoRoot: string, opts: GitOptions): Promise<string[]> {
  const marker = `${sep}${REVIEW_DIR}${sep}`;
  return (await listWorktrees(repoRoot, opts)).map((w) => w.path).filter((p) => p.includes(marker));
}
