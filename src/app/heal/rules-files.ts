/**
 * The rules files as `lanes heal` edits them: read at the base branch's commit, changed in the
 * section lanes owns (domain/rules-section.ts), and turned into a patch or a commit through a
 * scratch index (GIT_INDEX_FILE in a temporary folder). Nothing here touches a worktree: not the
 * user's, not a lane's. The commit goes on a branch of its own, never onto the base branch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { editSection, type SectionRule } from '../../domain/rules-section.js';
import * as git from '../../infra/git.js';

export interface RulesFile {
  path: string;
  /** The file's text at the base commit; undefined when the base has no such file. */
  text: string | undefined;
  /** Its git mode (100644 for a new file). */
  mode: string;
}

export async function readRulesAt(
  cwd: string,
  commit: string,
  paths: readonly string[],
  signal: AbortSignal,
): Promise<RulesFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      const entry = (await git.git(cwd, ['ls-tree', '-z', '--end-of-options', commit, '--', path], { signal })).stdout;
      // `<mode> blob <sha>\t<path>\0`; a folder or a submodule of that name is not a rules file.
      const match = /^(\d+) blob ([0-9a-f]+)\t/.exec(entry);
      if (!match) return { path, text: undefined, mode: '100644' };
      const text = (await git.git(cwd, ['cat-file', 'blob', match[2]!], { signal })).stdout;
      return { path, text, mode: match[1]! };
    }),
  );
}

export interface FileEdit {
  path: string;
  mode: string;
  before: string | undefined;
  after: string;
}

export interface RulesEdit {
  edits: FileEdit[];
  /** Files left alone and why (broken markers of the section). */
  skipped: { path: string; reason: string }[];
}

/**
 * The change to every rules file the base has (the first configured one is made when it has
 * none), the same blocks added to and removed from each, so the files stay in step.
 */
export function planRulesEdit(
  files: readonly RulesFile[],
  change: { add?: readonly SectionRule[]; remove?: readonly string[] },
): RulesEdit {
  const existing = files.filter((f) => f.text !== undefined);
  const targets = existing.length > 0 ? existing : files.slice(0, 1);
  const edits: FileEdit[] = [];
  const skipped: RulesEdit['skipped'] = [];
  for (const file of targets) {
    const result = editSection(file.text, change);
    if (!result.ok) skipped.push({ path: file.path, reason: result.reason });
    else if (result.text !== (file.text ?? ''))
      edits.push({ path: file.path, mode: file.mode, before: file.text, after: result.text });
  }
  return { edits, skipped };
}

/** The tree of `base` with the edits, and the unified diff from `base` to it. */
export async function stageEdits(
  cwd: string,
  base: string,
  edits: readonly FileEdit[],
  opts: { tmpDir: string; signal: AbortSignal },
): Promise<{ tree: string; patch: string }> {
  const scratch = mkdtempSync(join(opts.tmpDir, 'lanes-heal-index-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  const { signal } = opts;
  try {
    await git.git(cwd, ['read-tree', base], { env, signal });
    for (const edit of edits) {
      const blob = (await git.git(cwd, ['hash-object', '-w', '--stdin'], { input: edit.after, signal })).stdout.trim();
      await git.git(cwd, ['update-index', '--add', '--cacheinfo', `${edit.mode},${blob},${edit.path}`], {
        env,
        signal,
      });
    }
    const tree = (await git.git(cwd, ['write-tree'], { env, signal })).stdout.trim();
    const patch =
      edits.length === 0
        ? ''
        : (
            await git.git(cwd, ['diff', '--no-color', '--no-ext-diff', base, tree, '--', ...edits.map((e) => e.path)], {
              signal,
            })
          ).stdout;
    return { tree, patch };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Commits `tree` on top of `base` and points a new branch at it: `wanted`, else `wanted-2`, … (an
 * existing branch is never moved). Returns the branch and the commit.
 */
export async function commitOnNewBranch(
  cwd: string,
  base: string,
  tree: string,
  message: string,
  wanted: string,
  signal: AbortSignal,
): Promise<{ branch: string; commit: string }> {
  const commit = (await git.git(cwd, ['commit-tree', tree, '-p', base], { input: message, signal })).stdout.trim();
  for (let n = 1; n < 100; n++) {
    const branch = n === 1 ? wanted : `${wanted}-${n}`;
    if (await git.branchExists(cwd, branch, { signal })) continue;
    // `git branch` refuses a name that appeared meanwhile: the next number is tried then.
    const made = await git.git(cwd, ['branch', '--no-track', '--end-of-options', branch, commit], {
      check: false,
      signal,
    });
    if (made.exitCode === 0) return { branch, commit };
  }
  throw new Error(`could not find a free branch name for ${wanted}`);
}
