/**
 * `lanes ls`: every lane with its live git facts. The git calls of all lanes run in parallel,
 * bounded, so 50 lanes take little more than the slowest few.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REMOTE_STATUS_FILE, type RemoteStatus } from '../contracts/executor.js';
import { availableParallelism } from 'node:os';
import { mapLimit } from '../domain/concurrency.js';
import { errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';
import { reconcileRun, runTokens } from './agents/runs.js';
import { roundSummaries, type RoundSummary } from './validation/rounds.js';

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
  /** A run on a runner configured under `runners`: where it runs and its last seen phase (Kubernetes: Job and pod). */
  remote: { runner: string; handle: string; phase: string } | null;
}

/** Where the lane stands in validation, for ls: the latest verdict, its open findings, the request. */
export interface ReviewView {
  verdict: string;
  round: number;
  head: string;
  findings: number;
  /** Findings of the latest verdict that no later fix answered as fixed or deferred. */
  openFindings: number;
  reviewers: string[];
}

export interface PullRequestView {
  kind: 'github' | 'local';
  number: number | null;
  url: string | null;
  head: string;
  draft: boolean;
}

export interface LaneView extends LaneRecord {
  agent: AgentView | null;
  review: ReviewView | null;
  pr: PullRequestView | null;
  rounds: RoundSummary[];
  /** Every run of the lane: implement, review, fix … */
  tokens: number;
  costUsd: number | null;
  ahead: number | null;
  behind: number | null;
  /**
   * Number of `git status --porcelain` entries (an untracked folder counts once); null when the worktree is missing.
   */
  dirty: number | null;
  missing: boolean;
  error?: string;
}

export async function listLanes(ctx: Context): Promise<LaneView[]> {
  const [store, repo] = await Promise.all([ctx.store(), ctx.repo()]);
  const lanes = store.listLanes();
  // Every branch and base tip in one call: a lane whose branch is at its base's tip needs no rev-list.
  const tips =
    lanes.length === 0
      ? new Map<string, string>()
      : await git.resolveRefNames(
          repo.mainRoot,
          lanes.flatMap((l) => [l.base, l.branch]),
          { signal: ctx.signal },
        );
  // git status is CPU-bound: more processes than CPUs only make them take turns (and each runs
  // without its own lstat threads, which would only compete with the other statuses).
  const limit = Math.max(2, availableParallelism());
  return mapLimit(lanes, limit, (lane) => inspectLane(ctx, lane, tips));
}

/** What the run's executor last wrote of its remote agent (no runner is contacted); only while it runs. */
function remoteOf(runner: string, runDir: string, status: string): AgentView['remote'] {
  if (!runDir || (status !== 'running' && status !== 'starting')) return null;
  try {
    const seen = JSON.parse(readFileSync(join(runDir, REMOTE_STATUS_FILE), 'utf8')) as Partial<RemoteStatus>;
    if (typeof seen.handle !== 'string' || typeof seen.phase !== 'string') return null;
    return { runner, handle: seen.handle, phase: seen.phase };
  } catch {
    return null;
  }
}

export async function inspectLane(
  ctx: Context,
  lane: LaneRecord,
  tips?: ReadonlyMap<string, string>,
): Promise<LaneView> {
  const store = await ctx.store();
  const run = store.latestRun(lane.name, lane.createdAt);
  const current = run ? reconcileRun(store, run, ctx.runners) : undefined;
  const agent: AgentView | null = current
    ? {
        runId: current.id,
        agent: current.agent,
        phase: current.phase,
        model: current.model,
        status: current.status,
        exitCode: current.exitCode,
        durationMs: current.endedAt
          ? Date.parse(current.endedAt) - Date.parse(current.startedAt)
          : Date.now() - Date.parse(current.startedAt),
        tokens: runTokens(current),
        costUsd: current.costUsd,
        reason: current.reason,
        remote: remoteOf(current.runner, current.runDir, current.status),
      }
    : null;
  const fresh = current ? (store.getLane(lane.name) ?? lane) : lane;
  const view: LaneView = {
    ...fresh,
    agent,
    ...validationOf(store, fresh),
    ahead: null,
    behind: null,
    dirty: null,
    missing: !existsSync(lane.path),
  };
  if (view.missing || lane.lifecycle === 'creating') return view;
  const branchTip = tips?.get(lane.branch);
  const atBase = branchTip !== undefined && branchTip === tips?.get(lane.base);
  try {
    const [st, ab] = await Promise.all([
      git.status(lane.path, { signal: ctx.signal, untracked: 'normal', preloadIndex: false }),
      atBase
        ? { ahead: 0, behind: 0 }
        : git
            .aheadBehind(lane.path, lane.base, lane.branch, { signal: ctx.signal })
            .catch(() => git.aheadBehind(lane.path, lane.baseCommit, lane.branch, { signal: ctx.signal })),
    ]);
    view.dirty = st.changed.length;
    view.ahead = ab.ahead;
    view.behind = ab.behind;
  } catch (err) {
    view.error = errorMessage(err);
  }
  return view;
}

function validationOf(
  store: Awaited<ReturnType<Context['store']>>,
  lane: LaneRecord,
): Pick<LaneView, 'review' | 'pr' | 'rounds' | 'tokens' | 'costUsd'> {
  const verdict = store.reviews.latestVerdict(lane.name, lane.createdAt);
  const request = store.reviews.getReviewRequest(lane.name, lane.createdAt);
  const runs = store.runsOf(lane.name).filter((r) => r.startedAt >= lane.createdAt);
  const costs = runs.map((r) => r.costUsd).filter((c): c is number => c !== null);
  let review: ReviewView | null = null;
  if (verdict) {
    const settled = new Set(
      store.reviews
        .answersOf(lane.name, verdict.createdAt)
        .filter((a) => a.round === verdict.round && (a.status === 'fixed' || a.status === 'deferred'))
        .map((a) => a.finding),
    );
    review = {
      verdict: verdict.verdict,
      round: verdict.round,
      head: verdict.head,
      findings: verdict.findings.length,
      openFindings: verdict.findings.filter((f) => !settled.has(f.id)).length,
      reviewers: verdict.reviewers,
    };
  }
  return {
    review,
    pr: request
      ? { kind: request.kind, number: request.number, url: request.url, head: request.head, draft: request.draft }
      : null,
    rounds: verdict ? roundSummaries(store, lane) : [],
    tokens: runs.reduce((sum, r) => sum + runTokens(r), 0),
    costUsd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
  };
}
