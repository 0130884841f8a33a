/**
 * `lanes new`: one lane per issue, all or nothing. The plan (names, paths, base) is computed and
 * checked for every issue before anything is made, so bad input makes nothing. Each lane is then
 * built step by step with every step journaled; a failure, or Ctrl-C, undoes the steps done.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, InterruptedError, LanesError, errorMessage } from '../domain/errors.js';
import { issueRef, type Issue } from '../domain/issue.js';
import type { LaneRecord } from '../domain/lane.js';
import { branchName, laneName, worktreePath } from '../domain/naming.js';
import { allThenThrow, settleLimit } from '../domain/concurrency.js';
import type { Config } from '../infra/config-schema.js';
import * as git from '../infra/git.js';
import { canonicalPath } from '../infra/real-path.js';
import { leaseLanePorts } from './lane/allocate-ports.js';
import { isRecordedProcessAlive } from '../infra/process-alive.js';
import type { Context } from './context.js';
import { copyIntoLane, fileHash } from './lane/copy-files.js';
import { askEnvFileIgnored, ensureEnvFileIgnored } from './lane/env-file-ignored.js';
import { requireApproval, runHooks } from './lane/hooks.js';
import { laneVariables, writeLaneEnv } from './lane/lane-env.js';
import {
  afterBranchCommands,
  branchDatabase,
  prepareDependencies,
  requireDependencyApproval,
} from './lane/lane-data.js';
import { moveStagedDependencies, stageDependencies } from './lane/warm-dependencies.js';
import { rollbackLane } from './lane/lane-steps.js';
import { writeBack } from './lane/write-back.js';

export interface NewLanesOptions {
  base?: string | undefined;
  /** How many lanes are built at once. */
  parallel?: number;
  /** Per-command issue source (`--source`), instead of config issues.source. */
  source?: string | undefined;
  /** Make lanes for closed issues too (`--allow-closed`). */
  allowClosed?: boolean | undefined;
}

export interface LanePlan {
  issue: Issue;
  name: string;
  branch: string;
  path: string;
}

export interface NewLanesResult {
  base: string;
  baseCommit: string;
  created: LaneRecord[];
  failed: { issue: string; lane: string; error: LanesError }[];
}

/** Resolves the base a new lane starts from: --base, then config, then the remote's default, then main/master. */
export async function resolveBase(
  ctx: Context,
  explicit: string | undefined,
  config: Config,
  refs?: ReadonlyMap<string, git.RefFact>,
): Promise<{ base: string; baseCommit: string }> {
  const repo = await ctx.repo();
  let base = explicit ?? config.base;
  let baseCommit: string | undefined;
  if (base !== undefined) baseCommit = await git.resolveCommit(repo.mainRoot, base, { signal: ctx.signal });
  else
    ({ base, baseCommit } = await git.defaultBaseFrom(
      repo.mainRoot,
      repo.commonDir,
      refs ?? (await git.readRefs(repo.mainRoot, git.DEFAULT_BASE_REFS, { signal: ctx.signal })),
      { signal: ctx.signal },
    ));
  return { base, baseCommit: requireBaseCommit(base, baseCommit) };
}

function requireBaseCommit(base: string, commit: string | undefined): string {
  if (!commit)
    throw new InputError(`base ref ${JSON.stringify(base)} does not exist`, {
      hint: 'pass --base with an existing branch, tag or commit (git branch -a lists branches)',
    });
  return commit;
}

/**
 * The plans, plus the refs read for them: whether each lane's branch exists and the default base
 * candidates, in one `for-each-ref`, which runs while the state database is still opening.
 */
async function planWithRefs(
  ctx: Context,
  refs: readonly string[],
  opts: Pick<NewLanesOptions, 'source' | 'allowClosed'>,
): Promise<{ plans: LanePlan[]; refFacts: Map<string, git.RefFact> }> {
  if (refs.length === 0)
    throw new InputError('no issue given: lanes new <issue…> takes one or more issue references, e.g. lanes new 123');
  const storeReady = ctx.store();
  storeReady.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
  const [repo, config, source] = await Promise.all([ctx.repo(), ctx.config(), ctx.issueSource(opts.source)]);
  const issues = await Promise.all(refs.map((ref) => source.getIssue(ref, ctx.signal)));
  const closed = issues.filter((issue) => issue.state === 'closed');
  if (closed.length > 0) {
    const names = closed.map((i) => `${i.id} (${i.title})`).join(', ');
    if (!opts.allowClosed) {
      throw new InputError(`issue ${names} is closed; lanes new makes lanes for open issues`, {
        hint: 'pass --allow-closed to work on a closed issue anyway',
      });
    }
    ctx.io.err(`lanes: warning: issue ${names} is closed; continuing because of --allow-closed`);
  }
  const named = issues.map((issue) => {
    const name = laneName(issue, config.templates);
    return { issue, name, branch: branchName(name, config.templates.branch) };
  });
  const [store, refFacts] = await Promise.all([
    storeReady,
    git.readRefs(repo.mainRoot, [...named.map((n) => `refs/heads/${n.branch}`), ...git.DEFAULT_BASE_REFS], {
      signal: ctx.signal,
    }),
  ]);
  const plans: LanePlan[] = [];
  const seen = new Map<string, string>();
  for (const [i, { issue, name, branch }] of named.entries()) {
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new InputError(
        `issues ${JSON.stringify(earlier)} and ${JSON.stringify(refs[i])} both give lane "${name}"; give each issue once`,
      );
    seen.set(name, refs[i]!);
    // The real path: a template with `..`, `//` or a trailing `/`, or a symlinked folder, names the
    // same folder git will report, and every later check compares real paths.
    const path = canonicalPath(
      worktreePath(name, { root: repo.mainRoot, name: repo.name, parent: repo.parent }, config.templates.worktree),
    );
    const existing = store.getLane(name);
    if (existing?.lifecycle === 'creating') {
      // An interrupted `lanes new` (killed, machine restarted) left a half-made lane; doctor undoes it.
      const op = store.operationOf(name);
      if (op && isRecordedProcessAlive(op.pid, op.started))
        throw new InputError(
          `lane "${name}" is being created by another lanes process (pid ${op.pid}); wait for it to finish`,
        );
      throw new InputError(
        `lane "${name}" is half-made: an earlier lanes new was interrupted; run lanes doctor --fix to undo it, then lanes new again`,
      );
    }
    if (existing)
      throw new InputError(`lane "${name}" already exists`, {
        hint: `use it (lanes cd ${name}) or remove it first (lanes rm ${name})`,
      });
    if (refFacts.has(`refs/heads/${branch}`)) {
      throw new InputError(`branch "${branch}" already exists, so lane "${name}" cannot create it`, {
        hint: `delete or rename that branch, or change templates.branch in lanes.config.json`,
      });
    }
    if (existsSync(path) && readdirSync(path).length > 0) {
      throw new InputError(`worktree path ${JSON.stringify(path)} already exists and is not empty`, {
        hint: 'move it away or change templates.worktree in lanes.config.json',
      });
    }
    plans.push({ issue, name, branch, path });
  }
  return { plans, refFacts };
}

export async function createLanes(
  ctx: Context,
  refs: readonly string[],
  opts: NewLanesOptions = {},
): Promise<NewLanesResult> {
  // Warm-up: better-sqlite3 loads slowly, so the state opens while the repository, config and
  // issues are read; planWithRefs awaits it (and reports its errors) where it is needed.
  ctx.store().catch(() => undefined);
  const config = await ctx.config();
  // A named base (--base, config) is verified while the plan is made; its error still comes after the plan's.
  const namedBase = (opts.base ?? config.base) === undefined ? undefined : resolveBase(ctx, opts.base, config);
  namedBase?.catch(() => undefined);
  const { plans, refFacts } = await planWithRefs(ctx, refs, opts);
  const { base, baseCommit } = (await namedBase) ?? (await resolveBase(ctx, undefined, config, refFacts));
  await requireApproval(ctx, config.hooks.postCreate, 'hooks.postCreate');
  await requireApproval(ctx, afterBranchCommands(config), 'database.afterBranch');
  await requireDependencyApproval(ctx, baseCommit, config.dependencies);
  ctx.io.err(`lanes: base ${base} (${baseCommit.slice(0, 12)})`);

  const results = await settleLimit(plans, opts.parallel ?? 4, (plan) => createLane(ctx, plan, base, baseCommit));
  const created: LaneRecord[] = [];
  const failed: NewLanesResult['failed'] = [];
  results.forEach((r, i) => {
    const plan = plans[i]!;
    if (r.status === 'fulfilled') created.push(r.value);
    else failed.push({ issue: plan.issue.id, lane: plan.name, error: asLanesError(r.reason) });
  });
  // Write-back (issues.writeBack.onStart / moveTo) once the lanes exist; a refusal is a warning.
  for (const lane of created) {
    const plan = plans.find((p) => p.name === lane.name)!;
    const outcome = await writeBack(ctx, plan.issue, { kind: 'start', lane: lane.name, branch: lane.branch });
    for (const problem of outcome.problems) ctx.io.err(`lanes: warning: ${problem}`);
  }
  return { base, baseCommit, created, failed };
}

function asLanesError(err: unknown): LanesError {
  if (err instanceof LanesError) return err;
  return new LanesError(errorMessage(err), { exitCode: 1, cause: err });
}

async function createLane(ctx: Context, plan: LanePlan, base: string, baseCommit: string): Promise<LaneRecord> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const signal = ctx.signal;
  let record: LaneRecord = {
    name: plan.name,
    issue: issueRef(plan.issue),
    branch: plan.branch,
    base,
    baseCommit,
    path: plan.path,
    ports: {},
    database: null,
    envFile: config.envFile,
    copiedFiles: [],
    lifecycle: 'creating',
    agentPhase: null,
    agentState: 'none',
    createdAt: new Date().toISOString(),
  };
  store.insertLane(record, { kind: 'create', pid: process.pid, started: record.createdAt });
  try {
    // Journaled before git runs, so a process killed inside `worktree add` is still cleaned up.
    store.addStep(plan.name, 'worktree', { path: plan.path, branch: plan.branch, baseCommit });
    // Dependency folders are cloned beside the worktree while git checks it out, then moved in.
    const staging = join(dirname(plan.path), `.${plan.name}.lanes-deps`);
    store.addStep(plan.name, 'dependency-staging', { dir: staging });
    // The worktree, the port probing, the listing of files to copy, whether the env file is
    // ignored and the dependency clone do not depend on each other.
    // All of them finish before a failure is acted on: undoing the worktree while `git worktree add`
    // still runs would leave the worktree behind.
    const [, ports, toCopy, envIgnoredInMain, staged] = await allThenThrow([
      git.addWorktree(repo.mainRoot, plan.path, plan.branch, baseCommit, { signal }),
      leaseLanePorts(ctx, plan.name, signal),
      git.listIgnoredFiles(repo.mainRoot, config.copy.include, config.copy.exclude, { signal }),
      askEnvFileIgnored(ctx, repo.mainRoot, config.envFile),
      stageDependencies(ctx, plan.name, repo.mainRoot, baseCommit, staging, config.dependencies).catch(
        (err: unknown) => {
          signal.throwIfAborted();
          ctx.io.err(
            `lanes: ${plan.name}: could not clone dependencies early (${errorMessage(err)}); trying again in the worktree`,
          );
          rmSync(staging, { recursive: true, force: true });
          return [] as string[];
        },
      ),
    ]);
    signal.throwIfAborted();
    if (staged.length > 0) {
      store.addStep(plan.name, 'dependencies', { path: plan.path, dirs: staged });
      moveStagedDependencies(staging, plan.path, staged, repo.mainRoot);
      ctx.io.err(`lanes: ${plan.name}: ${staged.join(', ')} ready (cloned)`);
    }
    const copiedFiles = copyIntoLane(repo.mainRoot, plan.path, toCopy);
    // Database branch and dependencies need only the worktree; a dependency failure is a warning
    // (prepareDependencies rejects only when interrupted), a database failure undoes the lane.
    const [database, deps] = await Promise.allSettled([
      branchDatabase(ctx, plan.name, plan.path),
      prepareDependencies(ctx, plan.name, repo.mainRoot, plan.path, config.dependencies, staged),
    ]);
    if (database.status === 'rejected') throw database.reason;
    if (deps.status === 'rejected') throw deps.reason;
    record = { ...record, ports, copiedFiles, database: database.value };

    await ensureEnvFileIgnored(ctx, repo.mainRoot, plan.path, config.envFile, envIgnoredInMain);
    writeLaneEnv(record);
    if (!copiedFiles.some((f) => f.path === config.envFile)) {
      copiedFiles.push({ path: config.envFile, sha256: fileHash(`${plan.path}/${config.envFile}`) });
    }

    const afterBranch = afterBranchCommands(config);
    if (afterBranch.length > 0)
      await runHooks(ctx, afterBranch, 'database.afterBranch', plan.path, laneVariables(record));
    if (config.hooks.postCreate.length > 0) {
      await runHooks(ctx, config.hooks.postCreate, 'hooks.postCreate', plan.path, laneVariables(record));
    }
    signal.throwIfAborted();

    const adminDir = git.worktreeAdminDir(plan.path);
    record = {
      ...record,
      copiedFiles,
      lifecycle: 'ready',
      worktreeId: adminDir === undefined ? undefined : basename(adminDir),
    };
    store.updateLane(plan.name, () => record);
    store.releaseOperation(plan.name, process.pid);
    store.clearSteps(plan.name);
    return record;
  } catch (err) {
    const problems = await rollbackLane(ctx, plan.name);
    for (const p of problems) ctx.io.err(`lanes: ${p}`);
    if (signal.aborted && !(err instanceof InterruptedError))
      throw new InterruptedError(`interrupted while creating lane ${plan.name}; nothing was kept`, { cause: err });
    throw err;
  }
}
