/**
 * `lanes sync`: brings a lane up to date with its base, in the lane's worktree, by rebase (default)
 * or merge. Contract:
 * - Refused before anything changes: uncommitted changes or untracked files in the lane (exit 3:
 *   a rebase would mix them in), an agent running in it (exit 2), a rebase or merge in progress.
 * - Before the branch is rewritten its head is kept under `refs/lanes/backup/<lane>/<time>` (until
 *   the lane is removed), and the land run's journal names the lane, its old head and that ref
 *   first, so `lanes doctor` can restore a lane whose sync was killed midway.
 * - A clean rebase just happens. A conflict goes to a new session of the lane's agent (phase
 *   `resolve`) that must finish the rebase; if it cannot (the run fails, the rebase is still in
 *   progress, markers are left, the result is not on the base), the rebase is aborted and the lane
 *   restored exactly as it was (branch at the old head, worktree clean) and marked `needs-you`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, RefusedError, ToolError, errorMessage } from '../../domain/errors.js';
import type { LaneRecord, LaneValidation } from '../../domain/lane.js';
import { buildResolvePrompt, type ConflictedFile } from '../../domain/resolve-prompt.js';
import { shellCommand } from '../../domain/shell-quote.js';
import * as git from '../../infra/git.js';
import type { Context } from '../context.js';
import { requireAgentsReady } from '../agents/preflight.js';
import type { ResolvedAgent } from '../agents/resolve-agent.js';
import { isActive, latestRunOf, waitForRun } from '../agents/runs.js';
import { RULES_FILES, startAgentRun } from '../agents/start-agent.js';
import { stopRun } from '../agents/stop-agent.js';
import { setValidation } from '../validation/rounds.js';

export type SyncMethod = 'rebase' | 'merge';

export interface SyncOptions {
  method?: SyncMethod | undefined;
  /** The land run this sync belongs to; one of its own is recorded when absent. */
  landRun?: number | undefined;
  /** Progress lines (stderr). */
  say?: (text: string) => void;
}

export interface SyncResult {
  lane: string;
  /**
   * `up-to-date`: the base was already in the lane; `synced`: rewritten without conflicts;
   * `resolved`: the agent resolved the conflicts; `restored`: it could not, the lane is as it was.
   */
  status: 'up-to-date' | 'synced' | 'resolved' | 'restored';
  method: SyncMethod;
  base: string;
  /** The base commit the lane was brought onto. */
  onto: string;
  /** The lane's head before and after. */
  from: string;
  to: string;
  /** The ref that keeps the old head (null when nothing was rewritten). */
  backup: string | null;
  /** Files that conflicted (the first stop). */
  conflicts: string[];
  /** The resolve run, when there was one. */
  run: { id: number; agent: string; status: string } | null;
  reason: string | null;
  validation: LaneValidation | null;
}

export const BACKUP_PREFIX = 'refs/lanes/backup/';
const MAX_FILE_CHARS = 12_000;

/** Where the lane's base is and the commit it is at now. */
export async function laneBase(ctx: Context, lane: LaneRecord): Promise<{ ref: string; commit: string }> {
  const repo = await ctx.repo();
  const ref = lane.base.startsWith('refs/') ? lane.base : `refs/heads/${lane.base}`;
  const commit =
    (await git.resolveCommit(repo.mainRoot, ref, { signal: ctx.signal })) ??
    (await git.resolveCommit(repo.mainRoot, lane.base, { signal: ctx.signal }));
  if (!commit)
    throw new InputError(`lane ${lane.name}: its base ${lane.base} does not exist any more`, {
      hint: 'create the branch again, or land the lane by hand',
    });
  return { ref: (await git.resolveCommit(repo.mainRoot, ref, { signal: ctx.signal })) ? ref : lane.base, commit };
}

/** Refuses a lane that cannot be rewritten safely now; returns its head. */
export async function requireSyncable(ctx: Context, lane: LaneRecord): Promise<string> {
  const store = await ctx.store();
  if (!existsSync(lane.path))
    throw new InputError(`lane ${lane.name} has no worktree at ${lane.path}; lanes doctor explains what happened`);
  const run = latestRunOf(store, lane, ctx.runners);
  const busy = store
    .runsOf(lane.name)
    .filter((r) => r.startedAt >= lane.createdAt && isActive(r))
    .find(() => true);
  if ((run && isActive(run)) || busy) {
    const r = run && isActive(run) ? run : busy!;
    throw new InputError(
      `lane ${lane.name} has an agent ${r.status} (${r.agent}, ${r.phase}); wait for it to end or stop it: lanes stop ${lane.name}`,
    );
  }
  const op = store.operationOf(lane.name);
  if (op) throw new ToolError(`lane ${lane.name} is busy: process ${op.pid} is changing it (${op.kind})`);
  if (await operationInProgress(lane.path, ctx.signal))
    throw new RefusedError(`refusing to sync lane ${lane.name}: a rebase or merge is in progress in ${lane.path}`, {
      reasons: ['operation in progress'],
      hint: `finish it or abort it there (${shellCommand(['git', '-C', lane.path, 'rebase', '--abort'])})`,
    });
  const st = await git.status(lane.path, { signal: ctx.signal, untracked: 'normal' });
  if (st.changed.length > 0)
    throw new RefusedError(
      `refusing to sync lane ${lane.name}: it has uncommitted changes (${st.changed.slice(0, 5).join(', ')}${st.changed.length > 5 ? ', …' : ''})`,
      { reasons: ['uncommitted changes'], hint: `commit or stash them in ${lane.path} first` },
    );
  const head = await currentBranchHead(lane);
  if (!head)
    throw new RefusedError(`refusing to sync lane ${lane.name}: its worktree is not on its branch ${lane.branch}`, {
      reasons: ['not on its branch'],
      hint: `${shellCommand(['git', '-C', lane.path, 'switch', lane.branch])}`,
    });
  return head;
}

async function currentBranchHead(lane: LaneRecord): Promise<string | undefined> {
  const sym = await git.git(lane.path, ['symbolic-ref', '-q', 'HEAD'], { check: false });
  if (sym.stdout.trim() !== `refs/heads/${lane.branch}`) return undefined;
  return git.resolveCommit(lane.path, `refs/heads/${lane.branch}`);
}

/** Whether the worktree is in the middle of a rebase or merge. */
export async function operationInProgress(worktree: string, signal?: AbortSignal): Promise<'rebase' | 'merge' | null> {
  for (const [name, kind] of [
    ['rebase-merge', 'rebase'],
    ['rebase-apply', 'rebase'],
    ['MERGE_HEAD', 'merge'],
  ] as const) {
    const p = (await git.git(worktree, ['rev-parse', '--git-path', name], { signal })).stdout.trim();
    if (existsSync(p.startsWith('/') ? p : join(worktree, p))) return kind;
  }
  return null;
}

/** A ref name for now: sortable, unique per millisecond. */
export function backupRefName(lane: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${BACKUP_PREFIX}${lane}/${stamp}`;
}

export async function syncLane(ctx: Context, laneName: string, opts: SyncOptions = {}): Promise<SyncResult> {
  const [config, store, repo] = await Promise.all([ctx.config(), ctx.store(), ctx.repo()]);
  const lane = store.getLane(laneName);
  if (!lane) throw new InputError(`unknown lane ${JSON.stringify(laneName)}`);
  const method: SyncMethod = opts.method ?? config.land.syncMethod;
  const say = opts.say ?? (() => {});
  const from = await requireSyncable(ctx, lane);
  const base = await laneBase(ctx, lane);
  const result: SyncResult = {
    lane: lane.name,
    status: 'up-to-date',
    method,
    base: lane.base,
    onto: base.commit,
    from,
    to: from,
    backup: null,
    conflicts: [],
    run: null,
    reason: null,
    validation: null,
  };
  if (await git.isAncestor(repo.mainRoot, base.commit, from, { signal: ctx.signal })) return result;

  const ownRun = opts.landRun === undefined;
  const runId = opts.landRun ?? store.landRuns.begin(process.pid, 'sync', [lane.name], ctx.clock.now().toISOString());
  const backup = backupRefName(lane.name, ctx.clock.now());
  // The old head is kept first (create-only: the all-zero old value), then journaled, then rewritten.
  await git.git(repo.mainRoot, ['update-ref', '--no-deref', backup, from, '0'.repeat(from.length)], {
    signal: ctx.signal,
  });
  result.backup = backup;
  store.landRuns.addStep(runId, {
    lane: lane.name,
    step: 'sync',
    at: ctx.clock.now().toISOString(),
    from,
    to: base.commit,
    backup,
    worktree: lane.path,
  });
  try {
    say(
      `${lane.name}: ${method === 'rebase' ? 'rebasing' : 'merging'} onto ${lane.base} (${base.commit.slice(0, 12)})`,
    );
    const first = await startRewrite(
      lane.path,
      method,
      base.commit,
      `Merge ${lane.base} into ${lane.branch}`,
      ctx.signal,
    );
    if (first.ok) {
      result.status = 'synced';
    } else {
      result.conflicts = await conflictedFiles(lane.path, ctx.signal);
      if (result.conflicts.length === 0 || !(await operationInProgress(lane.path, ctx.signal))) {
        // git stopped for something other than a conflict: nothing to hand to an agent.
        throw new ToolError(`${method} of lane ${lane.name} onto ${lane.base} failed: ${first.message}`);
      }
      say(`${lane.name}: conflicts in ${result.conflicts.join(', ')}; handing them to the lane's agent`);
      const resolved = await resolveWithAgent(ctx, lane, method, base.commit, result);
      if (!resolved.ok) {
        await restoreLane(ctx, lane, from);
        result.status = 'restored';
        result.to = from;
        result.reason = resolved.reason;
        store.landRuns.addStep(runId, {
          lane: lane.name,
          step: 'restored',
          at: ctx.clock.now().toISOString(),
          from,
          backup,
          reason: resolved.reason,
        });
        const round = store.reviews.latestVerdict(lane.name, lane.createdAt)?.round ?? 0;
        result.validation = setValidation(
          store,
          lane.name,
          'needs-you',
          round,
          `sync onto ${lane.base} has conflicts the agent could not resolve (${resolved.reason}); the lane is as it was, its head also kept at ${backup}`,
          ctx.clock.now(),
        );
        if (ownRun) store.landRuns.finish(runId, 'done');
        return result;
      }
      result.status = 'resolved';
    }
    result.to = (await currentBranchHead(lane)) ?? from;
    store.landRuns.addStep(runId, {
      lane: lane.name,
      step: 'synced',
      at: ctx.clock.now().toISOString(),
      from,
      to: result.to,
      backup,
    });
    if (ownRun) store.landRuns.finish(runId, 'done');
    return result;
  } catch (err) {
    // Whatever went wrong midway (git, the agent's start, Ctrl-C): the lane goes back as it was.
    await restoreLane(ctx, lane, from).catch((restoreErr: unknown) => {
      ctx.io.err(
        `lanes: could not restore lane ${lane.name} (${errorMessage(restoreErr)}); its old head is kept at ${backup}; lanes doctor --fix restores it`,
      );
      throw err;
    });
    store.landRuns.addStep(runId, {
      lane: lane.name,
      step: 'restored',
      at: ctx.clock.now().toISOString(),
      from,
      backup,
      reason: errorMessage(err),
    });
    if (ownRun) store.landRuns.finish(runId, 'failed');
    throw err;
  }
}

async function startRewrite(
  worktree: string,
  method: SyncMethod,
  onto: string,
  message: string,
  signal: AbortSignal,
): Promise<{ ok: boolean; message: string }> {
  const args =
    method === 'rebase'
      ? ['rebase', '--no-autostash', '--no-update-refs', onto]
      : ['merge', '--no-edit', '-m', message, onto];
  const res = await git.git(worktree, args, {
    signal,
    check: false,
    timeoutMs: 10 * 60_000,
    env: { GIT_EDITOR: 'true' },
  });
  return { ok: res.exitCode === 0, message: `${res.stderr}${res.stdout}`.trim().split('\n').slice(-3).join(' | ') };
}

export async function conflictedFiles(worktree: string, signal?: AbortSignal): Promise<string[]> {
  const res = await git.git(worktree, ['diff', '--name-only', '-z', '--diff-filter=U'], { signal, check: false });
  return res.stdout.split('\0').filter(Boolean);
}

type Resolution = { ok: true } | { ok: false; reason: string };

/** A new session of the lane's agent finishes the rebase; then lanes checks it really did. */
async function resolveWithAgent(
  ctx: Context,
  lane: LaneRecord,
  method: SyncMethod,
  onto: string,
  result: SyncResult,
): Promise<Resolution> {
  const [config, store, adapters] = await Promise.all([ctx.config(), ctx.store(), ctx.agentAdapters()]);
  let agent: ResolvedAgent;
  try {
    const implemented = store
      .runsOf(lane.name)
      .filter((r) => (r.phase === 'implement' || r.phase === 'fix') && r.startedAt >= lane.createdAt)
      .pop();
    const name = config.phases.resolve?.agent ?? implemented?.agent;
    [agent] = requireAgentsReady(config, adapters, ctx.env, [{ phase: 'resolve', agent: name }]) as [ResolvedAgent];
  } catch (err) {
    return { ok: false, reason: `no agent could be started: ${errorMessage(err)}` };
  }
  const prompt = await resolvePrompt(ctx, lane, method, onto, result.conflicts);
  let run = await startAgentRun(ctx, lane, { phase: 'resolve', agent, cwd: lane.path, prompt: async () => prompt });
  result.run = { id: run.id, agent: run.agent, status: run.status };
  run = await waitForRun(store, ctx.runners, run.id, ctx.signal);
  if (isActive(run)) run = await stopRun(ctx, run);
  result.run.status = run.status;
  if (run.status !== 'done') return { ok: false, reason: `the resolve run ${run.status}: ${run.reason ?? ''}`.trim() };
  const still = await operationInProgress(lane.path, ctx.signal);
  if (still) return { ok: false, reason: `the ${still} is still in progress` };
  const head = await currentBranchHead(lane);
  if (!head) return { ok: false, reason: `the worktree is no longer on ${lane.branch}` };
  if (!(await git.isAncestor(lane.path, onto, head, { signal: ctx.signal })))
    return { ok: false, reason: `the result is not on top of ${lane.base}` };
  const markers = await git.git(lane.path, ['grep', '-l', '-E', '^(<<<<<<<|>>>>>>>)( |$)', head, '--'], {
    signal: ctx.signal,
    check: false,
  });
  const marked = markers.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(head.length + 1));
  if (marked.length > 0) return { ok: false, reason: `conflict markers left in ${marked.join(', ')}` };
  const st = await git.status(lane.path, { signal: ctx.signal, untracked: 'normal' });
  if (st.changed.length > 0) return { ok: false, reason: `uncommitted changes left (${st.changed.join(', ')})` };
  return { ok: true };
}

async function resolvePrompt(
  ctx: Context,
  lane: LaneRecord,
  method: SyncMethod,
  onto: string,
  conflicts: string[],
): Promise<string> {
  const source = await ctx.issueSource();
  const issue = await source.getIssue(lane.issue.id, ctx.signal);
  const cwd = lane.path;
  // Rebase: the commit being replayed is REBASE_HEAD; merge: the lane's own head.
  const laneSha =
    (await git.resolveCommit(cwd, method === 'rebase' ? 'REBASE_HEAD' : 'HEAD')) ??
    (await git.resolveCommit(cwd, 'HEAD')) ??
    '';
  const subject = laneSha ? (await git.git(cwd, ['log', '-1', '--format=%s', laneSha])).stdout.trim() : '';
  const mergeBase = (await git.git(cwd, ['merge-base', onto, laneSha || 'HEAD'], { check: false })).stdout.trim();
  const log = await git.git(
    cwd,
    ['log', '-z', '--format=%H %s', mergeBase ? `${mergeBase}..${onto}` : onto, '-n', '20', '--', ...conflicts],
    { check: false },
  );
  const baseCommits = log.stdout
    .split('\0')
    .filter(Boolean)
    .map((l) => ({ sha: l.slice(0, l.indexOf(' ')), subject: l.slice(l.indexOf(' ') + 1) }));
  const files: ConflictedFile[] = conflicts.map((path) => {
    let content: string;
    try {
      content = readFileSync(join(cwd, path), 'utf8');
    } catch {
      content = '(deleted on one side)';
    }
    if (content.length > MAX_FILE_CHARS) content = `${content.slice(0, MAX_FILE_CHARS)}\n… (cut; read the file)`;
    return { path, content };
  });
  const rules = RULES_FILES.filter((f) => existsSync(join(cwd, f))).map((file) => ({
    file,
    text: readFileSync(join(cwd, file), 'utf8'),
  }));
  return buildResolvePrompt({
    issue,
    lane: { name: lane.name, branch: lane.branch, base: lane.base, path: cwd },
    method,
    laneCommit: { sha: laneSha, subject },
    baseCommits,
    files,
    rules,
  });
}

/**
 * Puts the lane back exactly as it was before the sync: any rebase or merge aborted, the worktree on
 * its branch at `head`, tracked files as committed, and untracked files the failed resolution left
 * removed (the lane had none: sync refuses a lane with any). Ignored files are never touched.
 */
export async function restoreLane(
  ctx: Context,
  lane: Pick<LaneRecord, 'name' | 'branch' | 'path'>,
  head: string,
): Promise<void> {
  const cwd = lane.path;
  // Not ctx.signal once it fired: the restore after a Ctrl-C must still run (a second one leaves it to doctor).
  const signal = ctx.signal.aborted ? undefined : ctx.signal;
  const inProgress = await operationInProgress(cwd, signal);
  if (inProgress === 'rebase') await git.git(cwd, ['rebase', '--abort'], { signal, check: false });
  if (inProgress === 'merge') await git.git(cwd, ['merge', '--abort'], { signal, check: false });
  // Still mid-rebase after an abort that failed: git's own state is removed by `rebase --quit`.
  if (await operationInProgress(cwd, signal)) await git.git(cwd, ['rebase', '--quit'], { signal, check: false });
  const tip = await git.resolveCommit(cwd, `refs/heads/${lane.branch}`, { signal });
  if (tip !== head) await git.git(cwd, ['update-ref', `refs/heads/${lane.branch}`, head], { signal });
  await git.git(cwd, ['switch', '--discard-changes', '--ignore-other-worktrees', lane.branch], {
    signal,
    check: false,
  });
  await git.git(cwd, ['reset', '--hard', '-q', head], { signal });
  await git.git(cwd, ['clean', '-f', '-d', '-q'], { signal });
}

/** The lane's backup refs, oldest first. */
export async function backupRefs(
  cwd: string,
  lane: string,
  signal?: AbortSignal,
): Promise<{ ref: string; commit: string }[]> {
  const res = await git.git(cwd, ['for-each-ref', '--format=%(refname)%00%(objectname)', `${BACKUP_PREFIX}${lane}/`], {
    signal,
  });
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [ref, commit] = l.split('\0') as [string, string];
      return { ref, commit };
    });
}

/** Deletes a removed lane's backup refs (each only while it still holds what it held). */
export async function deleteBackupRefs(cwd: string, lane: string, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for (const { ref, commit } of await backupRefs(cwd, lane, signal)) {
    const res = await git.git(cwd, ['update-ref', '-d', ref, commit], { signal, check: false });
    if (res.exitCode === 0) n++;
  }
  return n;
}
