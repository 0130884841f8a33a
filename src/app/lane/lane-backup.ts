/**
 * The backup `lanes rm --force` writes before it destroys anything, byte for byte:
 * - `lane.bundle`: a git bundle of every commit at risk (the lane's branch, the worktree's HEAD and
 *   reflog, branches only the lane checked out) and of a snapshot commit of the worktree as it is
 *   (tracked changes, untracked files, ignored files that are work), names and contents as bytes;
 * - `uncommitted.patch`: everything not committed, as a binary git patch against the lane's HEAD;
 * - `submodule-<n>.bundle`: commits of a submodule that are on none of its remotes.
 * Each part is checked after writing (the bundle verifies, the patch applies to HEAD in a scratch
 * index); if any part fails the backup is deleted and an error stops the removal.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError, errorMessage } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';
import type { WorkAtRisk } from './lane-work.js';

export interface LaneBackup {
  dir: string;
  /** Refs inside lane.bundle, e.g. refs/lanes-backup/issue-1/branch. */
  refs: string[];
}

export async function saveBackup(ctx: Context, lane: LaneRecord, risk: WorkAtRisk): Promise<LaneBackup> {
  const [store, repo] = await Promise.all([ctx.store(), ctx.repo()]);
  const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const dir = join(store.dir, 'backups', `${lane.name}-${stamp}`);
  const ns = `refs/lanes-backup/${lane.name}-${stamp}`;
  mkdirSync(dir, { recursive: true });
  const made: string[] = [];
  const opts = { signal: undefined, timeoutMs: 600_000 };
  try {
    const setRef = async (name: string, commit: string) => {
      // A commit the base already holds needs no saving (and a bundle cut at the base would drop its ref).
      if (await git.isAncestor(repo.mainRoot, commit, lane.baseCommit)) return;
      await git.git(repo.mainRoot, ['update-ref', `${ns}/${name}`, commit, ''], opts);
      made.push(`${ns}/${name}`);
    };
    if (risk.branchTip) await setRef('branch', risk.branchTip);
    let n = 0;
    for (const tip of risk.unsafeTips) await setRef(`tip-${++n}`, tip.commit);
    const wt = risk.worktree && existsSync(risk.worktree.path) ? risk.worktree.path : undefined;
    if (
      wt &&
      (risk.changed.length > 0 ||
        risk.ignoredWorkFiles.length > 0 ||
        risk.editedCopies.length > 0 ||
        risk.branchMissing)
    ) {
      const parent = risk.worktree?.head ?? (await git.headReflog(wt))[0]?.commit ?? lane.baseCommit;
      const snapshot = await snapshotCommit(
        wt,
        dir,
        parent,
        [...risk.ignoredWorkFiles, ...risk.editedCopies.map((p) => Buffer.from(p))],
        lane,
      );
      await setRef('worktree', snapshot);
      const patch = join(dir, 'uncommitted.patch');
      await git.git(
        repo.mainRoot,
        ['diff', '--binary', '--full-index', '--no-renames', `--output=${patch}`, parent, snapshot],
        opts,
      );
      await checkPatchApplies(repo.mainRoot, dir, parent, patch);
    }
    if (made.length > 0) {
      const bundle = join(dir, 'lane.bundle');
      // The base's history is in this repository already: the bundle holds what is not, unless
      // everything is reachable from the base (git refuses an empty bundle), then the refs alone.
      const res = await git.git(
        repo.mainRoot,
        ['bundle', 'create', '--quiet', bundle, ...made, `^${lane.baseCommit}`],
        { ...opts, check: false },
      );
      if (res.exitCode !== 0) await git.git(repo.mainRoot, ['bundle', 'create', '--quiet', bundle, ...made], opts);
      await git.git(repo.mainRoot, ['bundle', 'verify', '--quiet', bundle], opts);
      const heads = (await git.git(repo.mainRoot, ['bundle', 'list-heads', bundle], opts)).stdout;
      for (const ref of made) if (!heads.includes(ref)) throw new Error(`the bundle lacks ${ref}`);
    }
    let s = 0;
    for (const sub of risk.submodules.filter((x) => x.unpushed > 0)) {
      const file = join(dir, `submodule-${++s}.bundle`);
      const subDir = join(wt ?? lane.path, sub.path);
      // A submodule usually sits on a detached HEAD: a ref names that commit inside the bundle.
      const headRef = `refs/lanes-backup/${lane.name}-${stamp}/head`;
      await git.git(subDir, ['update-ref', headRef, 'HEAD'], opts);
      try {
        await git.git(subDir, ['bundle', 'create', '--quiet', file, headRef, '--branches', '--not', '--remotes'], opts);
      } finally {
        await git.git(subDir, ['update-ref', '-d', headRef], { check: false });
      }
      await git.git(subDir, ['bundle', 'verify', '--quiet', file], opts);
      writeFileSync(join(dir, `submodule-${s}.path`), `${sub.path}\n`);
    }
    writeFileSync(join(dir, 'README.txt'), backupReadme(lane, made, dir));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new ToolError(
      `could not save a complete backup of lane ${lane.name}, so nothing was removed: ${errorMessage(err)}`,
      { cause: err },
    );
  } finally {
    for (const ref of made) await git.git(repo.mainRoot, ['update-ref', '-d', ref], { check: false });
  }
  return { dir, refs: made };
}

/**
 * A commit of the worktree exactly as it is: a copy of its index (so git's stat cache spares
 * re-hashing every file), `git add -A`, then the ignored files that are work added by their byte
 * names through stdin. The lane's own index and HEAD are not touched.
 */
async function snapshotCommit(
  worktree: string,
  scratchDir: string,
  parent: string,
  extraFiles: readonly Buffer[],
  lane: LaneRecord,
): Promise<string> {
  const index = join(scratchDir, 'snapshot.index');
  const realIndex = (
    await git.git(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])
  ).stdout.trim();
  if (existsSync(realIndex)) copyFileSync(realIndex, index);
  const env = { GIT_INDEX_FILE: index };
  try {
    if (!existsSync(realIndex)) await git.git(worktree, ['read-tree', parent], { env });
    await git.git(worktree, ['add', '-A', '--', '.'], { env, timeoutMs: 600_000 });
    if (extraFiles.length > 0) {
      const input = Buffer.concat(extraFiles.flatMap((f) => [f, Buffer.from([0])]));
      await git.gitBytes(worktree, ['update-index', '--add', '--remove', '-z', '--stdin'], {
        env,
        input,
        timeoutMs: 600_000,
      });
    }
    const tree = (await git.git(worktree, ['write-tree'], { env })).stdout.trim();
    const message = `lanes: worktree of lane ${lane.name} as it was when removed\n`;
    return (await git.git(worktree, ['commit-tree', tree, '-p', parent], { input: message })).stdout.trim();
  } finally {
    rmSync(index, { force: true });
  }
}

async function checkPatchApplies(cwd: string, scratchDir: string, parent: string, patch: string): Promise<void> {
  const index = join(scratchDir, 'check.index');
  const env = { GIT_INDEX_FILE: index };
  try {
    await git.git(cwd, ['read-tree', parent], { env });
    await git.git(cwd, ['apply', '--cached', '--check', patch], { env });
  } finally {
    rmSync(index, { force: true });
  }
}

function backupReadme(lane: LaneRecord, refs: string[], dir: string): string {
  const has = (suffix: string) => refs.some((r) => r.endsWith(`/${suffix}`));
  return [
    `Backup of lane ${lane.name} (branch ${lane.branch}, base ${lane.base}), made by lanes rm --force.`,
    '',
    'lane.bundle        every commit the removal would have lost, plus a snapshot commit of the worktree.',
    '                   Its refs:',
    ...refs.map((r) => `                     ${r}`),
    `                   Get them back:  git fetch --no-recurse-submodules ${dir}/lane.bundle 'refs/lanes-backup/*:refs/lanes-restored/*'`,
    has('branch')
      ? `                   The branch:     git branch ${lane.branch}-restored <the fetched .../branch ref>`
      : '',
    has('worktree')
      ? '                   The worktree:   git worktree add ../restored <the fetched .../worktree ref>  (tracked changes, untracked and ignored work files, exactly)'
      : '',
    "uncommitted.patch  everything not committed, as a binary patch against the lane's HEAD: git apply --index uncommitted.patch",
    'submodule-N.bundle commits of a submodule (path in submodule-N.path) that were on none of its remotes',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
