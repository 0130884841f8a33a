/**
 * The data steps of lane creation: the lane's database branch and its dependencies. Both need
 * only the worktree and not each other, so lane creation runs them side by side. Each is
 * journaled (lane-steps.ts holds the undo): the database once it exists, the dependency folders
 * before they are written.
 */
import { ToolError, errorMessage } from '../../domain/errors.js';
import type { LaneDatabase } from '../../domain/lane.js';
import type { Config } from '../../infra/config-schema.js';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';
import { loadDbBranches } from './db-branches.js';
import { addToInfoExclude } from './info-exclude.js';
import { requireApproval } from './hooks.js';
import { plannedInstalls, planWarmup, warmDependencies, type WarmResult } from './warm-dependencies.js';

export async function branchDatabase(ctx: Context, lane: string, path: string): Promise<LaneDatabase | null> {
  const db = await loadDbBranches(ctx);
  if (!db) return null;
  const [store, config, repo] = await Promise.all([ctx.store(), ctx.config(), ctx.repo()]);
  const started = performance.now();
  ctx.io.err(`lanes: ${lane}: branching the ${db.provider} database…`);
  const branch = await db.create({ lane, path }, ctx.signal);
  store.addStep(lane, 'database', { ...branch });
  ctx.io.err(`lanes: ${lane}: database ${branch.name} ready (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  if (config.database.provider === 'sqlite') {
    // The copy must never count as an uncommitted change, or lanes rm would refuse.
    const res = await git.git(path, ['check-ignore', '-q', '--no-index', '--', config.database.path], {
      check: false,
      signal: ctx.signal,
    });
    if (res.exitCode !== 0) {
      for (const suffix of ['', '-wal', '-shm', '-journal'])
        addToInfoExclude(repo.commonDir, `${config.database.path}${suffix}`);
    }
  }
  return { provider: db.provider, name: branch.name, url: branch.url, handle: branch.handle };
}

export async function prepareDependencies(
  ctx: Context,
  lane: string,
  mainRoot: string,
  path: string,
  config: Config['dependencies'],
  alreadyCloned: readonly string[] = [],
): Promise<WarmResult[]> {
  const plan = planWarmup(path, config, alreadyCloned);
  if (plan.managers.length === 0 && plan.dirs.length === 0) return [];
  const store = await ctx.store();
  if (plan.dirs.length > 0) store.addStep(lane, 'dependencies', { path, dirs: plan.dirs });
  return warmDependencies(ctx, lane, mainRoot, path, plan, config);
}

/**
 * Asks, in the plan phase of `lanes new` (before anything is made), for every dependency install
 * the new lanes will run, like a hook: the exact command text once per repository, --yes for
 * scripts, and without a terminal an unapproved install stops lanes new with exit 2.
 */
export async function requireDependencyApproval(
  ctx: Context,
  baseCommit: string,
  config: Config['dependencies'],
): Promise<void> {
  const repo = await ctx.repo();
  for (const install of await plannedInstalls(ctx, repo.mainRoot, baseCommit, config)) {
    await requireApproval(ctx, [install.command], `the dependency install (${install.manager}, ${install.lockfile})`, {
      why: 'It runs code from the repository and its packages (install scripts) with your permissions.',
      hint: 'run lanes new once interactively to approve it, pass --yes to approve it for scripts, or set "dependencies": { "install": false } in lanes.config.json to skip installs',
    });
  }
}

/** The database.afterBranch command, if any, as a hook list. */
export function afterBranchCommands(config: Config): string[] {
  return config.database.provider !== 'none' && config.database.afterBranch ? [config.database.afterBranch] : [];
}

/**
 * Drops a lane's database branch during `lanes rm`, before the worktree goes: when dropping fails
 * (open connections, an unreachable server) the lane is still whole and rm can be run again.
 * With --force the failure is a warning and the branch is left for `lanes doctor --fix`.
 */
export async function dropLaneDatabase(
  ctx: Context,
  lane: { name: string; database: LaneDatabase | null },
  force: boolean,
): Promise<void> {
  if (!lane.database) return;
  const db = await loadDbBranches(ctx);
  const what = `${lane.database.provider} database ${lane.database.name} of lane ${lane.name}`;
  try {
    if (!db || db.provider !== lane.database.provider) {
      throw new ToolError(
        `the config's database provider is now ${db?.provider ?? 'none'}, so lanes cannot drop the ${what}`,
        { hint: 'drop it by hand, or restore the database section of lanes.config.json' },
      );
    }
    await db.drop(lane.database, ctx.signal);
  } catch (err) {
    if (!force) throw err;
    ctx.io.err(`lanes: warning: kept the ${what}: ${errorMessage(err)}; lanes doctor --fix drops it later`);
  }
}

/** This repository's database branches that no lane owns. */
export async function findOrphanDatabases(ctx: Context): Promise<{ provider: string; names: string[] }> {
  const db = await loadDbBranches(ctx);
  if (!db) return { provider: 'none', names: [] };
  const store = await ctx.store();
  const owned = new Set<string>();
  for (const l of store.listLanes()) {
    owned.add(db.nameFor(l.name));
    if (l.database) owned.add(l.database.name);
  }
  const names = await db.list(ctx.signal);
  return { provider: db.provider, names: names.filter((n) => !owned.has(n)) };
}
