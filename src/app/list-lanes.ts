/**
 * `lanes ls`: every lane with its live git facts. The git calls of all lanes run in parallel,
 * bounded, so 50 lanes take little more than the slowest few.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mapLimit } from '../domain/concurrency.js';
import { errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';
import { reconcileRun } from './agents/runs.js';

export interface AgentView {
  runId: number;
  agent: string;
  phase: string;
  model: string | null;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  tokens: number;
  costUsd: number | null;
  reason: string | null;
}

export interface LaneView extends LaneRecord {
  agent: AgentView | null;
  ahead: number | null;
  behind: number | null;
  /** Number of uncommitted paths (untracked included); null when the worktree is missing. */
  dirty: number | null;
  missing: boolean;
  error?: string;
}

export async function listLanes(ctx: Context): Promise<LaneView[]> {
  const store = await ctx.store();
  const lanes = store.listLanes();
  const limit = Math.max(4, availableParallelism() * 4);
  return mapLimit(lanes, limit, (lane) => inspectLane(ctx, lane));
}

export async function inspectLane(ctx: Context, lane: LaneRecord): Promise<LaneView> {
  const store = await ctx.store();
  const run = store.latestRun(lane.name, lane.createdAt);
  const current = run ? reconcileRun(store, run) : undefined;
  const agent: AgentView | null = current
    ? {
        runId: current.id,
        agent: current.agent,
        phase: current.phase,
        model: current.model,
        status: current.status,
        exitCode: current.exitCode,
        durationMs: current.endedAt ? Date.parse(current.endedAt) - Date.parse(current.startedAt) : Date.now() - Date.parse(current.startedAt),
        tokens: Object.values(current.usage ?? {}).reduce((s, u) => s + u.input + u.output + u.cacheRead + u.cacheWrite, 0),
        costUsd: current.costUsd,
        reason: current.reason,
      }
    : null;
  const fresh = current ? store.getLane(lane.name) ?? lane : lane;
  const view: LaneView = { ...fresh, agent, ahead: null, behind: null, dirty: null, missing: !existsSync(lane.path) };
  if (view.missing || lane.phase === 'creating') return view;
  try {
    const [st, ab] = await Promise.all([
      git.status(lane.path, { signal: ctx.signal }),
      git.aheadBehind(lane.path, lane.base, lane.branch, { signal: ctx.signal }).catch(() => git.aheadBehind(lane.path, lane.baseCommit, lane.branch, { signal: ctx.signal })),
    ]);
    view.dirty = st.changed.length;
    view.ahead = ab.ahead;
    view.behind = ab.behind;
  } catch (err) {
    view.error = errorMessage(err);
  }
  return view;
}
