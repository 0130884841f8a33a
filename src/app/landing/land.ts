/**
 * `lanes land`: a local merge queue. The lanes named (or every approved one) are landed one after
 * the other in a deterministic order; for each: sync onto the current base, run the profile's
 * commands (`validate.commands`) on the result in the lane's worktree, then advance the base to the
 * lane's head (or merge its GitHub pull request through the API). The next lane syncs onto the
 * moved base, so every lane is tested on top of the ones landed before it.
 *
 * What must hold:
 * - The base only moves forward and only by compare-and-swap: `update-ref <ref> <new> <old>`, or
 *   `merge --ff-only` in the worktree that has it checked out. A commit or push to the base in
 *   between is detected; the lane is synced again and retried (land.maxRetries).
 * - A worktree with the base checked out and uncommitted changes to files the lanes touch: refused
 *   (exit 3) before anything moves.
 * - Every rewrite keeps the old head under refs/lanes/backup/ (sync-lane.ts); every step is written
 *   to the land run's journal before it happens, so `lanes doctor` repairs a queue killed midway.
 * - A lane whose commands fail after sync goes back to review (a verdict with one blocker finding
 *   of reviewer `lanes`); the queue goes on with the next.
 */
import { InputError, LanesError, RefusedError, ToolError, errorMessage } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { LANES_REVIEWER, type Finding } from '../../domain/review.js';
import type { CommandResult } from '../../domain/review-prompt.js';
import { shellCommand } from '../../domain/shell-quote.js';
import * as git from '../../infra/git.js';
import { isRecordedProcessAlive } from '../../infra/process-alive.js';
import type { Context } from '../context.js';
import { requireApproval } from '../lane/hooks.js';
import { laneVariables } from '../lane/lane-env.js';
import { requireLane } from '../lane/require-lane.js';
import { setValidation } from '../validation/rounds.js';
import { runValidationCommands } from '../validation/validate-commands.js';
import { advanceBase, baseHolder } from './advance-base.js';
import { landPullRequest, type LandedPullRequest } from './land-github.js';
import { landingOrder, predictConflicts, type PairPrediction } from './predict.js';
import { laneBase, requireSyncable, syncLane, type SyncResult } from './sync-lane.js';

export interface LandOptions {
  lanes?: string[];
  approved?: boolean;
  dryRun?: boolean;
  say?: (text: string) => void;
}

export interface PlannedLane {
  lane: string;
  base: string;
  head: string;
  approved: boolean;
  /** Lanes it is predicted to conflict with. */
  conflictsWith: string[];
}

export interface LandedLane {
  lane: string;
  /**
   * `landed`: the base moved to the lane's head (or its pull request was merged);
   * `changes-requested`: its commands failed after sync, it went back to review;
   * `needs-you`: the sync had conflicts the agent could not resolve (the lane is as it was);
   * `failed`: something else stopped it (the reason says what; the lane is as it was or synced).
   */
  status: 'landed' | 'changes-requested' | 'needs-you' | 'failed';
  via: 'local' | 'github' | null;
  base: string;
  /** The base before and after (equal when it did not move). */
  baseFrom: string | null;
  baseTo: string | null;
  /** The lane's head that landed (or was tested). */
  head: string | null;
  /** Syncs done: more than one when the base moved under the lane. */
  attempts: number;
  sync: SyncResult | null;
  commands: CommandResult[];
  pullRequest: LandedPullRequest | null;
  reason: string | null;
}

export interface LandResult {
  dryRun: boolean;
  runId: number | null;
  order: PlannedLane[];
  pairs: PairPrediction[];
  warnings: string[];
  lanes: LandedLane[];
}

export async function landLanes(ctx: Context, opts: LandOptions): Promise<LandResult> {
  const [config, store, repo] = await Promise.all([ctx.config(), ctx.store(), ctx.repo()]);
  const say = opts.say ?? (() => {});
  const warnings: string[] = [];
  const named = opts.lanes ?? [];
  if (named.length > 0 && opts.approved) throw new InputError('lanes land takes lane names or --approved, not both');
  if (named.length === 0 && !opts.approved)
    throw new InputError('lanes land needs lane names or --approved', {
      hint: 'lanes land --approved lands every lane whose latest review approved it',
    });
  const approvedOf = (lane: LaneRecord) =>
    store.reviews.latestVerdict(lane.name, lane.createdAt)?.verdict === 'approve';
  let lanes: LaneRecord[];
  if (opts.approved) {
    lanes = store.listLanes().filter((l) => l.lifecycle === 'ready' && approvedOf(l));
    if (lanes.length === 0) throw new InputError('no lane is approved: nothing to land (lanes review <lane> first)');
  } else {
    lanes = [];
    for (const name of named) {
      const lane = await requireLane(ctx, name, 'lanes land');
      if (!lanes.some((l) => l.name === lane.name)) lanes.push(lane);
    }
    for (const lane of lanes)
      if (!approvedOf(lane))
        warnings.push(`lane ${lane.name} has no approving review; landing it because you named it`);
  }

  // The prediction and the order.
  // One for-each-ref for every branch head (20 lanes: one git call, not twenty).
  const branchHeads = await git.localBranches(repo.mainRoot, { signal: ctx.signal });
  const heads = lanes.map((l) => ({ lane: l.name, head: branchHeads.get(l.branch) ?? '' }));
  const missing = heads.find((h) => h.head === '');
  if (missing) throw new InputError(`lane ${missing.lane}: its branch does not exist; lanes doctor explains`);
  const pairs = await predictConflicts(repo.mainRoot, heads, { signal: ctx.signal });
  const ordered = landingOrder(
    lanes.map((l) => l.name),
    pairs,
    config.land.order,
  );
  const byName = new Map(lanes.map((l) => [l.name, l]));
  const order: PlannedLane[] = ordered.map((o) => {
    const lane = byName.get(o.lane)!;
    return {
      lane: o.lane,
      base: lane.base,
      head: heads.find((h) => h.lane === o.lane)!.head,
      approved: approvedOf(lane),
      conflictsWith: o.conflictsWith,
    };
  });
  const result: LandResult = { dryRun: opts.dryRun === true, runId: null, order, pairs, warnings, lanes: [] };
  if (opts.dryRun) return result;

  // Everything that would stop the queue midway is checked before anything moves.
  for (const lane of lanes) await requireSyncable(ctx, lane);
  for (const lane of lanes) await requireCleanBaseCheckout(ctx, lane);
  const commands = config.validate.commands;
  if (commands.length > 0)
    await requireApproval(ctx, commands, 'validate.commands', {
      why: 'lanes land runs them in each lane after it is synced onto its base.',
    });
  const busy = store.landRuns
    .running()
    .find((r) => r.pid !== process.pid && isRecordedProcessAlive(r.pid, r.startedAt));
  if (busy)
    throw new ToolError(`another lanes ${busy.kind} (process ${busy.pid}) is landing or syncing lanes; wait for it`);

  const runId = store.landRuns.begin(
    process.pid,
    'land',
    order.map((o) => o.lane),
    ctx.clock.now().toISOString(),
  );
  result.runId = runId;
  let failed = false;
  try {
    for (const planned of order) {
      const landed = await landOne(ctx, byName.get(planned.lane)!, runId, say);
      result.lanes.push(landed);
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    store.landRuns.finish(runId, failed ? 'failed' : 'done');
  }
  return result;
}

/** Refuses (exit 3) when a worktree has the lane's base checked out with changes to files the lane touches. */
async function requireCleanBaseCheckout(ctx: Context, lane: LaneRecord): Promise<void> {
  const repo = await ctx.repo();
  const base = await laneBase(ctx, lane);
  const holder = await baseHolder(repo.mainRoot, base.ref);
  if (!holder) return;
  const st = await git.status(holder, { signal: ctx.signal, untracked: 'normal' });
  if (st.changed.length === 0) return;
  const touched = new Set(await touchedFiles(repo.mainRoot, base.commit, `refs/heads/${lane.branch}`, ctx.signal));
  const clash = st.changed.filter(
    (f) => touched.has(f) || [...touched].some((t) => f.endsWith('/') && t.startsWith(f)),
  );
  if (clash.length > 0)
    throw new RefusedError(
      `refusing to land lane ${lane.name}: ${holder} has ${lane.base} checked out with uncommitted changes to files the lane changes (${clash.slice(0, 5).join(', ')})`,
      {
        reasons: ['base worktree dirty'],
        hint: `commit or stash them first (${shellCommand(['git', '-C', holder, 'stash'])})`,
      },
    );
}

/** Files changed between the merge base of `base` and `head`, and `head`. */
async function touchedFiles(cwd: string, base: string, head: string, signal: AbortSignal): Promise<string[]> {
  const res = await git.git(cwd, ['diff', '--name-only', '-z', `${base}...${head}`, '--'], { signal });
  return res.stdout.split('\0').filter(Boolean);
}

async function landOne(
  ctx: Context,
  laneRecord: LaneRecord,
  runId: number,
  say: (t: string) => void,
): Promise<LandedLane> {
  const [config, store] = await Promise.all([ctx.config(), ctx.store()]);
  const out: LandedLane = {
    lane: laneRecord.name,
    status: 'failed',
    via: null,
    base: laneRecord.base,
    baseFrom: null,
    baseTo: null,
    head: null,
    attempts: 0,
    sync: null,
    commands: [],
    pullRequest: null,
    reason: null,
  };
  const fail = (reason: string, status: LandedLane['status'] = 'failed') => {
    out.status = status;
    out.reason = reason;
    store.landRuns.addStep(runId, { lane: out.lane, step: 'failed', at: ctx.clock.now().toISOString(), reason });
    say(`${out.lane}: ${reason}`);
    return out;
  };
  const maxAttempts = config.land.maxRetries + 1;
  while (out.attempts < maxAttempts) {
    out.attempts++;
    const lane = store.getLane(laneRecord.name) ?? laneRecord;
    let base: { ref: string; commit: string };
    try {
      base = await laneBase(ctx, lane);
      out.baseFrom = base.commit;
      out.sync = await syncLane(ctx, lane.name, { landRun: runId, say });
    } catch (err) {
      if (!(err instanceof LanesError) || ctx.signal.aborted) throw err;
      return fail(`not synced: ${errorMessage(err)}`);
    }
    if (out.sync.status === 'restored')
      return fail(
        `sync onto ${lane.base} had conflicts the agent could not resolve (${out.sync.reason}); left as it was`,
        'needs-you',
      );
    const head = out.sync.to;
    out.head = head;
    // The base the sync brought the lane onto; it must still be where the base is when it moves.
    const onto = out.sync.onto;

    const commands = config.validate.commands;
    if (commands.length > 0) {
      say(`${lane.name}: running validate.commands on ${head.slice(0, 12)}`);
      out.commands = await runValidationCommands(
        ctx,
        commands,
        lane.path,
        laneVariables(lane),
        config.validate.commandTimeoutMinutes * 60_000,
        (t) => say(`${lane.name}: ${t.replace('in the review checkout', 'in the lane')}`),
      );
      const failedCommand = out.commands.find((c) => c.timedOut || c.exitCode !== 0);
      if (failedCommand) {
        await recordCommandFailure(ctx, lane, head, onto, failedCommand);
        return fail(
          `\`${failedCommand.command}\` ${failedCommand.timedOut ? 'timed out' : `failed (exit ${failedCommand.exitCode})`} after sync onto ${lane.base}; back to review`,
          'changes-requested',
        );
      }
    }

    const request = store.reviews.getReviewRequest(lane.name, lane.createdAt);
    if (request?.kind === 'github' && request.number !== null) {
      out.via = 'github';
      try {
        out.pullRequest = await landPullRequest(ctx, lane, request.number, head, onto, runId);
      } catch (err) {
        if (!(err instanceof LanesError) || ctx.signal.aborted) throw err;
        return fail(`the pull request was not merged: ${errorMessage(err)}`);
      }
      if (out.pullRequest.moved) {
        say(`${lane.name}: the base moved on GitHub while it was landing; syncing again`);
        continue;
      }
      out.status = 'landed';
      out.baseTo = out.pullRequest.baseAfter;
      return out;
    }

    out.via = 'local';
    try {
      await requireCleanBaseCheckout(ctx, lane);
    } catch (err) {
      if (err instanceof RefusedError) return fail(err.message);
      throw err;
    }
    store.landRuns.addStep(runId, {
      lane: lane.name,
      step: 'advance',
      at: ctx.clock.now().toISOString(),
      ref: base.ref,
      from: onto,
      to: head,
    });
    const moved = await advanceBase(ctx, base.ref, onto, head);
    if (moved === 'moved') {
      say(`${lane.name}: ${lane.base} moved while the lane was tested; syncing again`);
      continue;
    }
    store.landRuns.addStep(runId, {
      lane: lane.name,
      step: 'landed',
      at: ctx.clock.now().toISOString(),
      ref: base.ref,
      from: onto,
      to: head,
    });
    say(`${lane.name}: landed on ${lane.base} (${onto.slice(0, 12)} → ${head.slice(0, 12)})`);
    out.status = 'landed';
    out.baseTo = head;
    out.reason = null;
    return out;
  }
  return fail(`${laneRecord.base} kept moving: gave up after ${maxAttempts} attempts (land.maxRetries)`);
}

/** The lane's commands failed on top of the base: a verdict with one blocker finding of lanes, back to review. */
export async function recordCommandFailure(
  ctx: Context,
  lane: LaneRecord,
  head: string,
  base: string,
  failed: CommandResult,
): Promise<number> {
  const store = await ctx.store();
  const latest = store.reviews.latestVerdict(lane.name, lane.createdAt);
  const round = (latest?.round ?? 0) + 1;
  const finding: Finding = {
    id: `R${round}-1`,
    severity: 'blocker',
    category: 'bug',
    file: null,
    line: null,
    endLine: null,
    message: `\`${failed.command}\` ${failed.timedOut ? 'timed out' : `failed (exit ${failed.exitCode ?? '?'})`} after lanes land synced the lane onto ${lane.base} (${base.slice(0, 12)})${failed.tail ? `:\n${failed.tail}` : ''}`,
    suggestion: `Make \`${failed.command}\` pass on top of ${lane.base}.`,
    confidence: 1,
    reviewers: [LANES_REVIEWER],
  };
  const now = ctx.clock.now().toISOString();
  const id = store.reviews.insertVerdict({
    lane: lane.name,
    round,
    head,
    base,
    verdict: 'request-changes',
    findings: [finding],
    audit: { criteria: [], scopeDrift: [] },
    disputes: [],
    disagreements: [],
    reviewers: [LANES_REVIEWER],
    reviewIds: [],
    adversarial: false,
    createdAt: now,
  });
  setValidation(store, lane.name, 'changes-requested', round, finding.message.split('\n')[0], ctx.clock.now());
  return id;
}
