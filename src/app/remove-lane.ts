/**
 * `lanes rm`: removes a lane's worktree, branch and leases, never losing work unless forced.
 *
 * Work that makes removal refuse (exit 3): uncommitted changes (untracked files included),
 * gitignored files lanes copied in and that were edited since, and commits on the branch that are
 * neither integrated into the base (merged, rebased or squash-merged) nor pushed to a remote.
 * `--force` first saves all of it under the state folder (a bundle of the branch, a patch of the
 * uncommitted changes, copies of untracked and edited files) and says where.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefusedError, errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import { shellCommand } from '../domain/shell-quote.js';
import * as git from '../infra/git.js';
import { releaseLanePorts } from './allocate-ports.js';
import type { Context } from './context.js';
import { editedFiles } from './copy-files.js';
import { requireApproval, runHooks } from './hooks.js';
import { laneVariables } from './lane-env.js';
import { dropLaneDatabase } from './lane-data.js';

export interface RemoveOptions {
  force?: boolean;
  keepBranch?: boolean;
}

export interface WorkAtRisk {
  worktreeExists: boolean;
  uncommitted: string[];
  editedCopies: string[];
  /** Commits on the branch neither integrated into the base nor pushed. */
  unmergedCommits: number;
  branchTip: string | undefined;
}

export interface RemovedLane {
  name: string;
  branchDeleted: boolean;
  backup: string | undefined;
}

export async function assessWork(ctx: Context, lane: LaneRecord): Promise<WorkAtRisk> {
  const repo = await ctx.repo();
  const signal = ctx.signal;
  const registered = (await git.listWorktrees(repo.mainRoot, { signal })).some((w) => w.path === lane.path);
  const worktreeExists = registered && existsSync(lane.path);
  const uncommitted = worktreeExists ? (await git.status(lane.path, { signal })).changed : [];
  const editedCopies = worktreeExists ? editedFiles(lane.path, lane.copiedFiles) : [];
  const branchTip = await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`, { signal });
  let unmergedCommits = 0;
  if (branchTip) {
    const baseRef = (await git.resolveCommit(repo.mainRoot, lane.base, { signal })) ? lane.base : lane.baseCommit;
    const count = Number((await git.git(repo.mainRoot, ['rev-list', '--count', branchTip, `^${baseRef}`, '--'], { signal })).stdout.trim());
    if (count > 0 && !(await git.isPushed(repo.mainRoot, branchTip, { signal })) && !(await git.isIntegrated(repo.mainRoot, branchTip, baseRef, { signal }))) {
      unmergedCommits = count;
    }
  }
  return { worktreeExists, uncommitted, editedCopies, unmergedCommits, branchTip };
}

export function refusalReasons(lane: LaneRecord, risk: WorkAtRisk, keepBranch: boolean): string[] {
  const reasons: string[] = [];
  if (risk.uncommitted.length > 0) reasons.push(`${risk.uncommitted.length} uncommitted change(s): ${risk.uncommitted.slice(0, 5).join(', ')}${risk.uncommitted.length > 5 ? ', …' : ''}`);
  if (risk.editedCopies.length > 0) reasons.push(`edited copied file(s): ${risk.editedCopies.join(', ')}`);
  if (!keepBranch && risk.unmergedCommits > 0) reasons.push(`branch ${lane.branch} has ${risk.unmergedCommits} commit(s) neither merged into ${lane.base} nor pushed`);
  return reasons;
}

export async function removeLane(ctx: Context, lane: LaneRecord, opts: RemoveOptions = {}): Promise<RemovedLane> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const risk = await assessWork(ctx, lane);
  const reasons = refusalReasons(lane, risk, opts.keepBranch ?? false);
  if (reasons.length > 0 && !opts.force) {
    throw new RefusedError(`refusing to remove lane ${lane.name}: ${reasons.join('; ')}`, {
      reasons,
      hint: `commit and push (or merge) the work, or run ${shellCommand(['lanes', 'rm', '--force', lane.name])} to remove it after saving a backup`,
    });
  }
  if (risk.worktreeExists && config.hooks.preRemove.length > 0) {
    await requireApproval(ctx, config.hooks.preRemove, 'hooks.preRemove');
    await runHooks(ctx, config.hooks.preRemove, 'hooks.preRemove', lane.path, laneVariables(lane));
  }

  let backup: string | undefined;
  if (reasons.length > 0) backup = await saveBackup(ctx, lane, risk);
  await dropLaneDatabase(ctx, lane, opts.force === true);

  store.setOperation(lane.name, { kind: 'remove', pid: process.pid, started: new Date().toISOString() });
  // From here on the user asked for removal and the work is safe (or saved): no signal stops it halfway.
  if (risk.worktreeExists) {
    await git.removeWorktree(repo.mainRoot, lane.path, opts.force === true || reasons.length > 0);
  } else {
    await git.pruneWorktrees(repo.mainRoot);
    if (existsSync(lane.path)) ctx.io.err(`lanes: left ${lane.path} in place: it is not a git worktree any more`);
  }
  let branchDeleted = false;
  if (!opts.keepBranch && risk.branchTip) {
    await git.deleteBranch(repo.mainRoot, lane.branch, risk.branchTip);
    branchDeleted = true;
  }
  store.deleteLane(lane.name);
  await releaseLanePorts(ctx, lane.name);
  store.recordRemoved(lane.name, lane.branch, opts.keepBranch === true);
  return { name: lane.name, branchDeleted, backup };
}

async function saveBackup(ctx: Context, lane: LaneRecord, risk: WorkAtRisk): Promise<string> {
  const store = await ctx.store();
  const repo = await ctx.repo();
  const dir = join(store.dir, 'backups', `${lane.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  if (risk.branchTip) {
    const baseRef = (await git.resolveCommit(repo.mainRoot, lane.base)) ? lane.base : lane.baseCommit;
    await git.createBundle(repo.mainRoot, join(dir, 'branch.bundle'), lane.branch, baseRef);
  }
  if (risk.worktreeExists) {
    writeFileSync(join(dir, 'uncommitted.patch'), await git.diffAgainstHead(lane.path));
    for (const rel of [...(await git.untrackedFiles(lane.path)), ...risk.editedCopies]) {
      try {
        cpSync(join(lane.path, rel), join(dir, 'files', rel), { recursive: true, verbatimSymlinks: true });
      } catch (err) {
        ctx.io.err(`lanes: could not back up ${rel}: ${errorMessage(err)}`);
      }
    }
  }
  writeFileSync(join(dir, 'README.txt'), backupReadme(lane));
  ctx.io.err(`lanes: saved a backup of lane ${lane.name} in ${dir}`);
  return dir;
}

function backupReadme(lane: LaneRecord): string {
  return [
    `Backup of lane ${lane.name} (branch ${lane.branch}, base ${lane.base}), made by lanes rm --force.`,
    '',
    'branch.bundle     the branch: git fetch <this>/branch.bundle ' + lane.branch + ':' + lane.branch,
    'uncommitted.patch changes to tracked files: git apply --index uncommitted.patch',
    'files/            untracked files and edited copied files, as they were',
    '',
  ].join('\n');
}
