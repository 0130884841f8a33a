/**
 * `lanes run`: the whole pipeline for many issues with bounded concurrency. Lanes are created (or
 * reused) first; then each phase runs for every lane before the next phase starts (all plans,
 * then all implementations), at most `parallel` agents at once. A lane whose phase fails is left
 * out of later phases, with its worktree and transcript kept; the others go on. Ctrl-C stops every
 * agent this run started and leaves each lane resumable with `lanes start`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settleLimit } from '../domain/concurrency.js';
import { InputError, LanesError, errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import { laneName } from '../domain/naming.js';
import type { AgentPhase } from '../domain/phases.js';
import type { RunRecord } from '../infra/store.js';
import type { Context } from './context.js';
import { createLanes } from './create-lane.js';
import { withRememberedIssues } from './lane/remembered-issues.js';
import { isNoCommitWarning } from './agents/commit-check.js';
import { requireAgentsReady } from './agents/preflight.js';
import { startAgent } from './agents/start-agent.js';
import { stopRun } from './agents/stop-agent.js';
import { durationMs, isActive, waitForRun } from './agents/runs.js';

export const RUN_UNTIL = ['implement', 'pr', 'review'] as const;
export type RunUntil = (typeof RUN_UNTIL)[number];

export interface RunOptions {
  parallel: number;
  until: RunUntil;
  agent?: string | undefined;
  base?: string | undefined;
}

export interface PhaseOutcome {
  phase: AgentPhase;
  runId: number | null;
  status: 'done' | 'failed' | 'stopped';
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  reason: string | null;
  /** A done phase that should have committed and did not: the warning (also its reason). */
  warning: string | null;
  tokens: number;
  costUsd: number | null;
}

export interface LaneOutcome {
  lane: string;
  issue: string;
  status: 'done' | 'failed' | 'stopped';
  phases: PhaseOutcome[];
  reason: string | null;
  /** Set when the lane is done but its agent committed nothing (shown as done-no-commits). */
  warning: string | null;
}

export interface PipelineResult {
  lanes: LaneOutcome[];
  startedAt: string;
  endedAt: string;
  wallMs: number;
  /** Summed agent time: with wallMs, the parallel speed-up actually achieved. */
  agentMs: number;
  interrupted: boolean;
}

export type ProgressEvent = { lane: string; phase: string; state: string; detail?: string };

export async function runPipeline(
  outerCtx: Context,
  refs: readonly string[],
  opts: RunOptions,
  progress: (event: ProgressEvent) => void,
): Promise<PipelineResult> {
  // Each issue is fetched once for the whole run: naming, creating and prompting every phase reuse it.
  const ctx = withRememberedIssues(outerCtx);
  if (opts.until !== 'implement') {
    throw new InputError(
      `--until ${opts.until} is not available yet: pull requests and review are not part of this build; accepted: implement`,
    );
  }
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1)
    throw new InputError(`--parallel ${opts.parallel}: expected a whole number of at least 1`);
  const started = Date.now();
  const [config, store, source] = await Promise.all([ctx.config(), ctx.store(), ctx.issueSource()]);
  const phases: AgentPhase[] = config.phases.plan ? ['plan', 'implement'] : ['implement'];
  // The whole plan is checked before a lane is made or an agent started: one message for a typo,
  // a missing CLI or a missing key, instead of the same failure in every lane.
  requireAgentsReady(
    config,
    await ctx.agentAdapters(),
    ctx.env,
    phases.map((phase) => ({ phase, agent: opts.agent })),
  );

  // Lanes: reuse the ones that exist (a resumed run), create the rest all or nothing each.
  const issues = await Promise.all(refs.map((ref) => source.getIssue(ref, ctx.signal)));
  const names = issues.map((issue) => laneName(issue, config.templates));
  const toCreate = refs.filter((_, i) => !store.getLane(names[i]!));
  const outcomes = new Map<string, LaneOutcome>();
  if (toCreate.length > 0) {
    for (const ref of toCreate) progress({ lane: names[refs.indexOf(ref)]!, phase: 'lane', state: 'creating' });
    const created = await createLanes(ctx, toCreate, { base: opts.base, parallel: opts.parallel });
    for (const failure of created.failed) {
      outcomes.set(failure.lane, {
        lane: failure.lane,
        issue: failure.issue,
        status: 'failed',
        phases: [],
        reason: failure.error.message,
        warning: null,
      });
      progress({ lane: failure.lane, phase: 'lane', state: 'failed', detail: failure.error.message });
    }
  }
  let lanes: LaneRecord[] = names
    .map((n) => store.getLane(n))
    .filter((l): l is LaneRecord => l !== undefined && !outcomes.has(l.name));
  for (const lane of lanes)
    outcomes.set(lane.name, {
      lane: lane.name,
      issue: lane.issue.id,
      status: 'done',
      phases: [],
      reason: null,
      warning: null,
    });

  for (const phase of phases) {
    if (ctx.signal.aborted) break;
    await settleLimit(lanes, opts.parallel, async (lane) => {
      const outcome = outcomes.get(lane.name)!;
      // runPhase reports an agent's failure as a result; anything it throws (the state went away,
      // a bug) still fails only this lane rather than leaving it counted as done.
      const result = await runPhase(ctx, lane, phase, opts, progress).catch((err: unknown) => {
        const reason = errorMessage(err);
        progress({ lane: lane.name, phase, state: 'failed', detail: reason });
        return skipped(phase, 'failed', reason);
      });
      outcome.phases.push(result);
      if (result.status !== 'done') {
        outcome.status = result.status;
        outcome.reason = result.reason;
      }
      outcome.warning = result.warning ?? outcome.warning;
    });
    lanes = lanes.filter((l) => outcomes.get(l.name)!.status === 'done');
  }

  const all = [...outcomes.values()];
  const agentMs = all.flatMap((o) => o.phases).reduce((sum, p) => sum + (p.durationMs ?? 0), 0);
  return {
    lanes: all,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date().toISOString(),
    wallMs: Date.now() - started,
    agentMs,
    interrupted: ctx.signal.aborted,
  };
}

async function runPhase(
  ctx: Context,
  lane: LaneRecord,
  phase: AgentPhase,
  opts: RunOptions,
  progress: (event: ProgressEvent) => void,
): Promise<PhaseOutcome> {
  const store = await ctx.store();
  if (ctx.signal.aborted) return skipped(phase, 'stopped', 'interrupted before it started');
  let run: RunRecord;
  try {
    const plan =
      phase === 'implement'
        ? planText(
            store
              .runsOf(lane.name)
              .filter((r) => r.phase === 'plan' && r.status === 'done' && r.startedAt >= lane.createdAt)
              .pop(),
          )
        : undefined;
    progress({ lane: lane.name, phase, state: 'starting' });
    run = await startAgent(ctx, lane, { phase, agent: opts.agent, plan });
  } catch (err) {
    const reason = err instanceof LanesError ? err.message : errorMessage(err);
    progress({ lane: lane.name, phase, state: 'failed', detail: reason });
    return skipped(phase, 'failed', reason);
  }
  progress({ lane: lane.name, phase, state: 'running', detail: `${run.agent}${run.model ? ` ${run.model}` : ''}` });
  let finished = await waitForRun(store, ctx.runners, run.id, ctx.signal);
  if (isActive(finished)) finished = await stopRun(ctx, finished);
  const status = finished.status === 'done' ? 'done' : finished.status === 'stopped' ? 'stopped' : 'failed';
  progress({ lane: lane.name, phase, state: finished.status, ...(finished.reason ? { detail: finished.reason } : {}) });
  const tokens = Object.values(finished.usage ?? {}).reduce(
    (sum, u) => sum + u.input + u.output + u.cacheRead + u.cacheWrite,
    0,
  );
  const warning = status === 'done' && isNoCommitWarning(finished.reason) ? finished.reason : null;
  return {
    phase,
    runId: finished.id,
    status,
    startedAt: finished.startedAt,
    endedAt: finished.endedAt,
    durationMs: durationMs(finished),
    reason: finished.reason,
    warning,
    tokens,
    costUsd: finished.costUsd,
  };
}

function skipped(phase: AgentPhase, status: 'failed' | 'stopped', reason: string): PhaseOutcome {
  return {
    phase,
    runId: null,
    status,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    reason,
    warning: null,
    tokens: 0,
    costUsd: null,
  };
}

function planText(run: RunRecord | undefined): string | undefined {
  if (!run) return undefined;
  const file = join(run.runDir, 'result.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
