/**
 * The lane's env file must never show up as an uncommitted change, or removal would refuse. Whether
 * git ignores it is asked in the main worktree while `worktree add` runs; that answer holds for the
 * lane when every .gitignore on the file's path is the same in both (info/exclude and
 * core.excludesFile are shared). Otherwise the lane itself is asked once it exists.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';
import { addToInfoExclude } from './info-exclude.js';

/** Starts the question in the main worktree; the lane does not need to exist yet. */
export function askEnvFileIgnored(ctx: Context, mainRoot: string, envFile: string): Promise<boolean> {
  return git.isIgnoredPath(mainRoot, envFile, { signal: ctx.signal });
}

export async function ensureEnvFileIgnored(
  ctx: Context,
  mainRoot: string,
  worktree: string,
  envFile: string,
  ignoredInMain: boolean,
): Promise<void> {
  const ignored = sameIgnoreFiles(mainRoot, worktree, envFile)
    ? ignoredInMain
    : await git.isIgnoredPath(worktree, envFile, { signal: ctx.signal });
  if (ignored) return;
  const repo = await ctx.repo();
  if (addToInfoExclude(repo.commonDir, envFile)) {
    ctx.io.err(
      `lanes: ${envFile} is not gitignored; added it to .git/info/exclude so lane env files never show as changes`,
    );
  }
}

/** Whether the .gitignore files that can decide about `relPath` are byte for byte the same in both trees. */
export function sameIgnoreFiles(rootA: string, rootB: string, relPath: string): boolean {
  for (let dir = dirname(relPath); ; dir = dirname(dir)) {
    const rel = dir === '.' ? '.gitignore' : join(dir, '.gitignore');
    const a = readOrNull(join(rootA, rel));
    const b = readOrNull(join(rootB, rel));
    if (a === null ? b !== null : b === null || !a.equals(b)) return false;
    if (dir === '.' || dir === '/' || dir === '') return true;
  }
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
