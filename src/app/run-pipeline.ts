/**
 * `lanes run`: the whole pipeline for many issues with bounded concurrency. Lanes are created (or
 * reused) first; then each phase runs for every lane before the next phase starts (all plans,
 * then all implementations, then all pull requests, all reviews, all fixes …), at most `parallel`
 * lanes at once. Validation goes in rounds: a lane whose review requests changes gets a fix run,
 * its pull request is updated and it is reviewed again, until it is approved or its round reaches
 * the limit, where it stops as `needs-you` with its open findings: it never loops on. A lane whose
 * phase fails is left out of later phases, with its worktree and transcript kept; the others go
 * on. Ctrl-C stops every agent this run started and leaves each lane resumable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settleLimit } from '../domain/concurrency.js';
import { InputError, LanesError, errorMessage } from '../domain/errors.js';
import { nextReviewPlan, nextRoundStep, severityCounts, type SeverityCounts } from '../domain/fix-rounds.js';
import type { LaneRecord, ValidationState } from '../domain/lane.js';
import { laneName } from '../domain/naming.js';
import type { AgentPhase } from '../domain/phases.js';
import type { Finding, Verdict } from '../domain/review.js';
import type { RunRecord } from '../infra/store.js';
import type { Context } from './context.js';
import { createLanes } from './create-lane.js';
import { withRememberedIssues } from './lane/remembered-issues.js';
import { isNoCommitWarning } from './agents/commit-check.js';
import { requireAgentsReady, type AgentRequest } from './agents/preflight.js';
import { startAgent } from './agents/start-agent.js';
import { stopRun } from './agents/stop-agent.js';
import { durationMs, isActive, runTokens, waitForRun } from './agents/runs.js';
import { resolveAgent } from './agents/resolve-agent.js';
import { collectFixAnswers, fixLane } from './validation/fix-lane.js';
import { openPullRequest } from './validation/open-pull-request.js';
import { reviewLane, type ReviewResult } from './validation/review-lane.js';
import { ROUND_LIMIT_REASON, nextReviewRound, setValidation } from './validation/rounds.js';

/** Where `lanes run` stops; `approve`, the whole pipeline, is the default. */
export const RUN_UNTIL = ['implement', 'pr', 'review', 'approve'] as const;
export type RunUntil = (typeof RUN_UNTIL)[number];

export interface RunOptions {
  parallel: number;
  until: RunUntil;
  agent?: string | undefined;
  base?: string | undefined;
  /** Review rounds before a lane stops as needs-you (`--max-rounds`); default: validate.maxRounds. */
  maxRounds?: number | undefined;
  /** One reviewer by agent name (`--reviewer`). */
  reviewer?: string | undefined;
  /** Two reviewers of different vendors (`--adversarial`). */
  adversarial?: boolean | undefined;
}

/** The steps of the pipeline: the agent phases, and the pull request and review of validation. */
export type PipelinePhase = AgentPhase | 'pr' | 'review';

export interface PhaseOutcome {
  phase: PipelinePhase;
  /** The review round a review or fix belongs to; null for the other phases. */
  round: number | null;
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

/** One review round of a lane: its review and, when it requested changes, the fix that answered it. */
export interface RoundOutcome {
  round: number;
  /** The reviewed commit. */
  head: string;
  verdict: Verdict;
  reviewers: string[];
  /** The stored review of this head was returned; nothing ran. */
  reused: boolean;
  findings: SeverityCounts;
  fix: {
    status: 'fixed' | 'failed' | 'stopped';
    runId: number;
    agent: string;
    fixed: number;
    disputed: number;
    deferred: number;
    /** Findings left unanswered: open for the next review. */
    open: number;
  } | null;
  /** Review and fix together. */
  tokens: number;
  costUsd: number | null;
  durationMs: number;
}

export interface LaneOutcome {
  lane: string;
  issue: string;
  /** `needs-you`: not approved within the round limit (or its fix run failed); see openFindings. */
  status: 'done' | 'failed' | 'stopped' | 'needs-you';
  phases: PhaseOutcome[];
  reason: string | null;
  /** Set when the lane is done but its agent committed nothing (shown as done-no-commits). */
  warning: string | null;
  /** The pull request (or local review request) as last opened or updated. */
  pullRequest: { kind: 'github' | 'local'; number: number | null; url: string | null; head: string } | null;
  rounds: RoundOutcome[];
  /** Where the lane stands in validation at the end (approved, needs-you …); null before validation. */
  validation: ValidationState | null;
  /** The findings still open when the lane was not approved. */
  openFindings: Finding[];
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
  if (!(RUN_UNTIL as readonly string[]).includes(opts.until))
    throw new InputError(`--until ${JSON.stringify(opts.until)}: unknown phase; accepted: ${RUN_UNTIL.join(', ')}`);
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1)
    throw new InputError(`--parallel ${opts.parallel}: expected a whole number of at least 1`);
  if (opts.maxRounds !== undefined && (!Number.isInteger(opts.maxRounds) || opts.maxRounds < 1))
    throw new InputError(`--max-rounds ${opts.maxRounds}: expected a whole number of at least 1`);
  const started = Date.now();
  const [config, store, source, adapters] = await Promise.all([
    ctx.config(),
    ctx.store(),
    ctx.issueSource(),
    ctx.agentAdapters(),
  ]);
  const phases: AgentPhase[] = config.phases.plan ? ['plan', 'implement'] : ['implement'];
  // The whole plan is checked before a lane is made or an agent started: one message for a typo,
  // a missing CLI or a missing key, instead of the same failure in every lane. The fixer is the
  // implementer unless phases.fix names one; reviewers are checked by review itself (it picks
  // another vendor than the implementer among those that are ready).
  const requests: AgentRequest[] = phases.map((phase) => ({ phase, agent: opts.agent }));
  if (opts.until === 'approve')
    requests.push({
      phase: 'fix',
      agent: opts.agent ?? config.phases.fix?.agent ?? resolveAgent(config, adapters, 'implement').name,
    });
  if (opts.reviewer !== undefined && opts.until !== 'implement' && opts.until !== 'pr')
    requests.push({ phase: 'review', agent: opts.reviewer });
  requireAgentsReady(config, adapters, ctx.env, requests);
  const maxRounds = opts.maxRounds ?? config.validate.maxRounds;

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
        ...noValidation(),
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
      ...noValidation(),
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

  if (opts.until !== 'implement' && !ctx.signal.aborted)
    await validate(ctx, lanes, outcomes, { ...opts, maxRounds }, progress);

  const all = [...outcomes.values()];
  for (const outcome of all) outcome.validation = store.getLane(outcome.lane)?.validation?.state ?? null;
  // Agent time: the agents' runs (plans, implementations, reviews, fixes); pushing a branch is not.
  const agentMs = all
    .flatMap((o) => o.phases)
    .filter((p) => p.phase !== 'pr')
    .reduce((sum, p) => sum + (p.durationMs ?? 0), 0);
  return {
    lanes: all,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date().toISOString(),
    wallMs: Date.now() - started,
    agentMs,
    interrupted: ctx.signal.aborted,
  };
}

function noValidation(): Pick<LaneOutcome, 'pullRequest' | 'rounds' | 'validation' | 'openFindings'> {
  return { pullRequest: null, rounds: [], validation: null, openFindings: [] };
}

/**
 * Validation, batched across lanes: every pull request, then every review of the round, then every
 * fix, then the updated pull requests and the next round's reviews, until each lane is approved,
 * stopped at the round limit, or failed.
 */
async function validate(
  ctx: Context,
  implemented: readonly LaneRecord[],
  outcomes: Map<string, LaneOutcome>,
  opts: RunOptions & { maxRounds: number },
  progress: (event: ProgressEvent) => void,
): Promise<void> {
  const store = await ctx.store();
  const ok = (lane: LaneRecord) => outcomes.get(lane.name)!.status === 'done';
  const each = async (
    lanes: readonly LaneRecord[],
    phase: PipelinePhase,
    step: (lane: LaneRecord, outcome: LaneOutcome) => Promise<void>,
  ) => {
    await settleLimit(lanes, opts.parallel, async (lane) => {
      const outcome = outcomes.get(lane.name)!;
      // A step that throws past its own handling (the state went away, a bug) fails only its lane.
      await step(lane, outcome).catch((err: unknown) => fail(outcome, phase, null, errorMessage(err), progress));
    });
    return lanes.filter(ok);
  };

  let lanes = await each(implemented, 'pr', (lane, outcome) => pullRequestStep(ctx, lane, outcome, progress));
  // Each pass is one review round per lane; the rounds a lane counts are at least the passes made,
  // so even a round number that failed to move (a bug) cannot make it loop past the limit.
  for (let pass = 1; lanes.length > 0 && !ctx.signal.aborted && opts.until !== 'pr'; pass++) {
    const reviewed = new Map<string, ReviewResult>();
    lanes = await each(lanes, 'review', async (lane, outcome) => {
      const result = await reviewStep(ctx, lane, outcome, opts, progress);
      if (result) reviewed.set(lane.name, result);
    });
    if (opts.until === 'review' || ctx.signal.aborted) break;

    const toFix: LaneRecord[] = [];
    for (const lane of lanes) {
      const { verdict } = reviewed.get(lane.name)!;
      const outcome = outcomes.get(lane.name)!;
      const step = nextRoundStep(verdict.verdict, Math.max(verdict.round, pass), opts.maxRounds);
      if (step === 'fix') toFix.push(lane);
      else if (step === 'needs-you') {
        const reason = `${ROUND_LIMIT_REASON}${verdict.round} review round${verdict.round === 1 ? '' : 's'} (--max-rounds ${opts.maxRounds}): ${verdict.findings.length} open finding${verdict.findings.length === 1 ? '' : 's'}`;
        setValidation(store, lane.name, 'needs-you', verdict.round, reason, ctx.clock.now());
        outcome.status = 'needs-you';
        outcome.reason = reason;
        outcome.openFindings = verdict.findings;
        progress({ lane: lane.name, phase: 'review', state: 'needs-you', detail: reason });
      }
    }
    if (toFix.length === 0 || ctx.signal.aborted) break;
    lanes = await each(toFix, 'fix', (lane, outcome) => fixStep(ctx, lane, outcome, opts, progress));
    if (ctx.signal.aborted) break;
    // The fix commits go to the pull request before the next round reviews them.
    lanes = await each(lanes, 'pr', (lane, outcome) => pullRequestStep(ctx, lane, outcome, progress));
  }
}

function fail(
  outcome: LaneOutcome,
  phase: PipelinePhase,
  round: number | null,
  reason: string,
  progress: (event: ProgressEvent) => void,
  status: 'failed' | 'stopped' = 'failed',
): void {
  outcome.phases.push({ ...skipped(phase, status, reason), round });
  outcome.status = status;
  outcome.reason = reason;
  progress({ lane: outcome.lane, phase, state: status, detail: reason });
}

async function pullRequestStep(
  ctx: Context,
  lane: LaneRecord,
  outcome: LaneOutcome,
  progress: (event: ProgressEvent) => void,
): Promise<void> {
  if (ctx.signal.aborted) return fail(outcome, 'pr', null, 'interrupted before it started', progress, 'stopped');
  progress({ lane: lane.name, phase: 'pr', state: 'starting' });
  const startedAt = new Date();
  try {
    const pr = await openPullRequest(ctx, lane.name);
    const { request } = pr;
    outcome.pullRequest = { kind: request.kind, number: request.number, url: request.url, head: request.head };
    const endedAt = new Date();
    outcome.phases.push({
      ...skipped('pr', 'done', null),
      status: 'done',
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
    });
    progress({
      lane: lane.name,
      phase: 'pr',
      state: pr.created ? 'opened' : 'updated',
      detail: request.url ?? `local review request at ${request.head.slice(0, 12)}`,
    });
  } catch (err) {
    fail(outcome, 'pr', null, errorMessage(err), progress, ctx.signal.aborted ? 'stopped' : 'failed');
  }
}

async function reviewStep(
  ctx: Context,
  lane: LaneRecord,
  outcome: LaneOutcome,
  opts: RunOptions & { maxRounds: number },
  progress: (event: ProgressEvent) => void,
): Promise<ReviewResult | undefined> {
  const store = await ctx.store();
  const current = store.getLane(lane.name) ?? lane;
  // Answers of a fix run whose `lanes fix` or `lanes run` was killed reach the review that judges them.
  await collectFixAnswers(ctx, current);
  const latest = store.reviews.latestVerdict(lane.name, lane.createdAt);
  const plan = nextReviewPlan(
    latest,
    latest !== undefined && nextReviewRound(store, current) > latest.round,
    opts.maxRounds,
  );
  if (ctx.signal.aborted) {
    fail(outcome, 'review', plan.round, 'interrupted before it started', progress, 'stopped');
    return undefined;
  }
  progress({ lane: lane.name, phase: 'review', state: 'starting', detail: `round ${plan.round}` });
  let result: ReviewResult;
  try {
    result = await reviewLane(ctx, lane.name, {
      reviewer: opts.reviewer,
      adversarial: opts.adversarial ?? false,
      again: plan.again,
      audit: plan.audit,
      ...(plan.only ? { only: plan.only } : {}),
      say: (text) =>
        progress({ lane: lane.name, phase: 'review', state: 'running', detail: text.replace(`${lane.name}: `, '') }),
    });
  } catch (err) {
    fail(outcome, 'review', plan.round, errorMessage(err), progress, ctx.signal.aborted ? 'stopped' : 'failed');
    return undefined;
  }
  const { verdict } = result;
  const endedAt = new Date();
  outcome.phases.push({
    phase: 'review',
    round: verdict.round,
    runId: null,
    status: 'done',
    startedAt: new Date(endedAt.getTime() - result.durationMs).toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: result.reused ? 0 : result.durationMs,
    reason: result.published.warning,
    warning: result.published.warning,
    tokens: result.reused ? 0 : result.tokens,
    costUsd: result.reused ? null : result.costUsd,
  });
  // A reused review is the round already recorded: it is shown once.
  if (!outcome.rounds.some((r) => r.round === verdict.round && r.head === verdict.head))
    outcome.rounds.push({
      round: verdict.round,
      head: verdict.head,
      verdict: verdict.verdict,
      reviewers: verdict.reviewers,
      reused: result.reused,
      findings: severityCounts(verdict.findings),
      fix: null,
      tokens: result.reused ? 0 : result.tokens,
      costUsd: result.reused ? null : result.costUsd,
      durationMs: result.reused ? 0 : result.durationMs,
    });
  if (verdict.verdict !== 'approve') outcome.openFindings = verdict.findings;
  else outcome.openFindings = [];
  const counts = severityCounts(verdict.findings);
  progress({
    lane: lane.name,
    phase: 'review',
    state: verdict.verdict,
    detail: `round ${verdict.round}${result.reused ? ' (stored)' : ''}, ${counts.total} finding${counts.total === 1 ? '' : 's'}`,
  });
  return result;
}

async function fixStep(
  ctx: Context,
  lane: LaneRecord,
  outcome: LaneOutcome,
  opts: RunOptions,
  progress: (event: ProgressEvent) => void,
): Promise<void> {
  const round = outcome.rounds[outcome.rounds.length - 1];
  if (ctx.signal.aborted)
    return fail(outcome, 'fix', round?.round ?? null, 'interrupted before it started', progress, 'stopped');
  progress({ lane: lane.name, phase: 'fix', state: 'starting', detail: round ? `round ${round.round}` : undefined });
  let result;
  try {
    result = await fixLane(ctx, lane.name, {
      agent: opts.agent,
      onStarted: (run) =>
        progress({
          lane: lane.name,
          phase: 'fix',
          state: 'running',
          detail: `${run.agent}${run.model ? ` ${run.model}` : ''}`,
        }),
    });
  } catch (err) {
    return fail(
      outcome,
      'fix',
      round?.round ?? null,
      errorMessage(err),
      progress,
      ctx.signal.aborted ? 'stopped' : 'failed',
    );
  }
  const { run } = result;
  const status = result.status === 'fixed' ? 'done' : result.status;
  const reason = result.status === 'fixed' ? (result.validation.reason ?? run.reason) : result.validation.reason;
  outcome.phases.push({
    phase: 'fix',
    round: result.round,
    runId: run.id,
    status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: run.durationMs,
    reason,
    warning: result.answerError ? result.validation.reason : null,
    tokens: run.tokens,
    costUsd: run.costUsd,
  });
  const count = (s: string) => result.findings.filter((f) => f.answer?.status === s).length;
  if (round && round.round === result.round) {
    round.fix = {
      status: result.status,
      runId: run.id,
      agent: run.agent,
      fixed: count('fixed'),
      disputed: count('disputed'),
      deferred: count('deferred'),
      open: result.unanswered.length,
    };
    round.tokens += run.tokens;
    round.costUsd = round.costUsd === null && run.costUsd === null ? null : (round.costUsd ?? 0) + (run.costUsd ?? 0);
    round.durationMs += run.durationMs ?? 0;
  }
  if (result.status !== 'fixed') {
    outcome.status = result.status === 'stopped' ? 'stopped' : 'failed';
    outcome.reason = reason;
    progress({ lane: lane.name, phase: 'fix', state: result.status, detail: reason ?? undefined });
    return;
  }
  progress({
    lane: lane.name,
    phase: 'fix',
    state: 'done',
    detail: `${count('fixed')} fixed, ${count('disputed')} disputed, ${count('deferred')} deferred, ${result.unanswered.length} open`,
  });
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
  const tokens = runTokens(finished);
  const warning = status === 'done' && isNoCommitWarning(finished.reason) ? finished.reason : null;
  return {
    phase,
    round: null,
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

function skipped(phase: PipelinePhase, status: 'done' | 'failed' | 'stopped', reason: string | null): PhaseOutcome {
  return {
    phase,
    round: null,
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
