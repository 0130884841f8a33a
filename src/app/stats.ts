/**
 * `lanes stats` and `lanes cost`: read the stored history (runs, verdicts, reviews, answers; removed
 * lanes included, the history outlives them), keep what falls in the window and hand it to the
 * pure arithmetic of domain/stats.ts.
 */
import { InputError } from '../domain/errors.js';
import {
  computeStats,
  costReport,
  laneKey,
  parseSince,
  type CostReport,
  type StatsReport,
  type StatsRun,
  type StatsVerdict,
} from '../domain/stats.js';
import type { VerdictRecord } from '../infra/review-store.js';
import { FINISHED_RUN_STATUSES, type RunRecord, type StateStore } from '../infra/store.js';
import type { Context } from './context.js';

export interface StatsOptions {
  /** `--since`: an ISO date-time or YYYY-MM-DD; runs (and verdicts) from then on. */
  since?: string;
}

export interface StatsResult extends StatsReport {
  since: string | null;
}

export interface CostResult extends CostReport {
  since: string | null;
  /** The lane asked for; null for every lane. */
  lane: string | null;
}

function sinceOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = parseSince(text);
  if (!date)
    throw new InputError(
      `--since ${JSON.stringify(text)} is not a date; give YYYY-MM-DD (midnight UTC) or an ISO date-time such as 2025-03-01T12:00:00Z`,
    );
  return date;
}

/** Lane keys that tell a lane from an earlier, removed lane of the same name. */
function keyer(store: StateStore): (name: string, at: string) => string {
  const removals = new Map<string, string[]>();
  for (const r of store.removals()) removals.set(r.name, [...(removals.get(r.name) ?? []), r.removedAt]);
  return (name, at) => laneKey(name, at, removals.get(name) ?? []);
}

const after = (since: Date | undefined) => (time: string) => !since || Date.parse(time) >= since.getTime();

function statsRun(run: RunRecord, key: (name: string, at: string) => string): StatsRun {
  return {
    id: run.id,
    lane: key(run.lane, run.startedAt),
    phase: run.phase,
    model: run.model,
    finished: FINISHED_RUN_STATUSES.includes(run.status),
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    usage: run.usage,
    costUsd: run.costUsd,
  };
}

function statsVerdict(v: VerdictRecord, key: (name: string, at: string) => string): StatsVerdict {
  return {
    lane: key(v.lane, v.createdAt),
    round: v.round,
    verdict: v.verdict,
    findings: v.findings,
    adversarial: v.adversarial,
    createdAt: v.createdAt,
  };
}

export async function laneStats(ctx: Context, opts: StatsOptions = {}): Promise<StatsResult> {
  const since = sinceOf(opts.since);
  const [store, config] = await Promise.all([ctx.store(), ctx.config()]);
  const key = keyer(store);
  const inWindow = after(since);
  const runs = store
    .runsOf()
    .filter((r) => inWindow(r.startedAt))
    .map((r) => statsRun(r, key));
  const verdicts = store.reviews
    .verdictsOf()
    .filter((v) => inWindow(v.createdAt))
    .map((v) => statsVerdict(v, key));
  const needsYou = new Set(
    store
      .listLanes()
      .filter((l) => l.validation?.state === 'needs-you')
      .map((l) => l.name),
  );
  const configuredModels = [
    ...Object.values(config.phases).map((p) => p?.model),
    ...Object.values(config.agents).map((a) => a.model),
  ].filter((m): m is string => m !== undefined);
  const report = computeStats({ runs, verdicts, needsYou, configuredModels, now: ctx.clock.now() });
  return { since: since?.toISOString() ?? null, ...report };
}

/**
 * Each run's round: a review run's from its review; a fix run's, the round its answers name, else
 * the round of the lane's latest verdict before the fix started (a fix answers that verdict).
 */
function roundsOfRuns(store: StateStore, runs: readonly RunRecord[], key: (n: string, at: string) => string) {
  const rounds = new Map<number, number>();
  for (const review of store.reviews.reviewsOf()) for (const id of review.runIds) rounds.set(id, review.round);
  for (const answer of store.reviews.answersOf()) if (answer.runId !== null) rounds.set(answer.runId, answer.round);
  const verdicts = store.reviews.verdictsOf();
  for (const run of runs) {
    if (run.phase !== 'fix' || rounds.has(run.id)) continue;
    const lane = key(run.lane, run.startedAt);
    const answered = verdicts
      .filter((v) => v.lane === run.lane && key(v.lane, v.createdAt) === lane && v.createdAt <= run.startedAt)
      .pop();
    if (answered) rounds.set(run.id, answered.round);
  }
  return rounds;
}

export async function laneCost(ctx: Context, opts: StatsOptions & { lane?: string } = {}): Promise<CostResult> {
  const since = sinceOf(opts.since);
  const store = await ctx.store();
  const key = keyer(store);
  const all = store.runsOf();
  const lane = opts.lane === undefined ? undefined : resolveLaneName(store, all, opts.lane);
  const runs = all.filter((r) => (lane === undefined || r.lane === lane) && after(since)(r.startedAt));
  const rounds = roundsOfRuns(store, runs, key);
  const report = costReport(
    runs.map((r) => ({ ...statsRun(r, key), laneName: r.lane })),
    rounds,
  );
  return { since: since?.toISOString() ?? null, lane: lane ?? null, ...report };
}

/** A lane with history (removed ones included) or a current one; `12` and `#12` stand for issue-12. */
function resolveLaneName(store: StateStore, runs: readonly RunRecord[], name: string): string {
  const known = new Set([...runs.map((r) => r.lane), ...store.listLanes().map((l) => l.name)]);
  const candidates = /^#?\d+$/.test(name) ? [`issue-${name.replace('#', '')}`, name.replace('#', '')] : [name];
  const found = candidates.find((c) => known.has(c));
  if (found) return found;
  const list = [...known].sort();
  throw new InputError(
    `unknown lane ${JSON.stringify(name)}; ${list.length ? `lanes with a history: ${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}` : 'no lane has run an agent yet'}`,
  );
}
