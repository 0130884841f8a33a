/**
 * `lanes diff`: a lane's changes against the point it forked from its base, committed, staged,
 * unstaged and untracked alike (the files `lanes rm` would count as work). Untracked files are
 * marked intent-to-add in a scratch copy of the lane's index, so `git diff` shows them as new files
 * while the lane's real index is never written.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { LaneRecord } from '../domain/lane.js';
import { exec } from '../infra/exec.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';

const GIT_SETTINGS = ['-c', 'core.quotepath=false'];

export async function laneDiff(ctx: Context, lane: LaneRecord, opts: { stat?: boolean | undefined }): Promise<string> {
  const signal = ctx.signal;
  const base = (await git.resolveCommit(lane.path, lane.base, { signal })) ? lane.base : lane.baseCommit;
  const mergeBase = (await git.git(lane.path, ['merge-base', base, 'HEAD'], { signal })).stdout.trim();
  const indexPath = (await git.git(lane.path, ['rev-parse', '--git-path', 'index'], { signal })).stdout.trim();
  const realIndex = isAbsolute(indexPath) ? indexPath : join(lane.path, indexPath);
  // Beside the real index (same filesystem, same permissions), named for this process.
  const scratch = `${realIndex}.lanes-diff-${process.pid}`;
  const run = (args: string[]) =>
    exec('git', [...GIT_SETTINGS, ...args], {
      cwd: lane.path,
      signal,
      gitIndexFile: scratch,
      env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    });
  try {
    copyFileSync(realIndex, scratch);
    await run(['add', '--intent-to-add', '--', ':/']);
    return (await run(['diff', ...(opts.stat ? ['--stat'] : []), mergeBase])).stdout;
  } finally {
    rmSync(scratch, { force: true });
  }
}
