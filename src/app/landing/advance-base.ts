/**
 * Moving a base branch forward, by compare-and-swap only: a base that someone else moved meanwhile is
 * reported ('moved') and left alone, never overwritten.
 */
import { ToolError } from '../../domain/errors.js';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';

/** The worktree that has `ref` checked out, if any. */
export async function baseHolder(cwd: string, ref: string): Promise<string | undefined> {
  if (!ref.startsWith('refs/heads/')) return undefined;
  const branch = ref.slice('refs/heads/'.length);
  return (await git.listWorktrees(cwd)).find((w) => w.branch === branch && !w.prunable)?.path;
}

/**
 * Moves the base from `from` to `to` (a descendant) only if it is still at `from`: in the worktree
 * that has it checked out by `merge --ff-only` (its index and files follow), else by `update-ref`
 * with the old value. 'moved': someone else moved it first; nothing changed.
 */
export async function advanceBase(ctx: Context, ref: string, from: string, to: string): Promise<'advanced' | 'moved'> {
  const repo = await ctx.repo();
  const holder = await baseHolder(repo.mainRoot, ref);
  if (holder) {
    const current = await git.resolveCommit(holder, 'HEAD', { signal: ctx.signal });
    if (current !== from) return 'moved';
    const res = await git.git(holder, ['merge', '--ff-only', '--no-edit', to], { signal: ctx.signal, check: false });
    if (res.exitCode === 0) return 'advanced';
    if (!(await git.isAncestor(holder, 'HEAD', to, { signal: ctx.signal }))) return 'moved';
    throw new ToolError(`could not fast-forward ${ref} in ${holder}: ${res.stderr.trim().split('\n')[0] ?? ''}`);
  }
  const res = await git.git(repo.mainRoot, ['update-ref', ref, to, from], { signal: ctx.signal, check: false });
  if (res.exitCode === 0) return 'advanced';
  const now = await git.resolveCommit(repo.mainRoot, ref, { signal: ctx.signal });
  if (now !== from) return 'moved';
  throw new ToolError(`could not move ${ref} to ${to.slice(0, 12)}: ${res.stderr.trim().split('\n')[0] ?? ''}`);
}
