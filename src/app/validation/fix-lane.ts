/**
 * `lanes fix`: a new implementer session (never a resumed one) gets the latest review's findings and
 * answers each one fixed (with the commit), disputed or deferred (with the reason). lanes waits for
 * the run, checks each claimed commit is on the lane's branch, and stores the answers for the next
 * review. The answers are collected from the run's final answer by `collectFixAnswers`, which any
 * later step can call too: a `lanes fix` killed while its agent works loses nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../domain/errors.js';
import {
  assignedIds,
  fixAssignment,
  matchAnswers,
  type FixAssignment,
  type GivenAnswer,
} from '../../domain/fix-rounds.js';
import type { LaneRecord, LaneValidation } from '../../domain/lane.js';
import { buildPrompt } from '../../domain/prompt.js';
import type { Finding, FindingAnswerStatus } from '../../domain/review.js';
import { fixJsonSchema, parseFixAnswer } from '../../domain/review-schema.js';
import { isAncestor, resolveCommit } from '../../infra/git.js';
import { commentFinding } from '../../infra/comment-store.js';
import type { FindingAnswerRecord, VerdictRecord } from '../../infra/review-store.js';
import type { RunRecord, StateStore } from '../../infra/store.js';
import type { Context } from '../context.js';
import { requireAgentsReady } from '../agents/preflight.js';
import { acceptedAgentNames, type ResolvedAgent } from '../agents/resolve-agent.js';
import { durationMs, isActive, reconcileRun, runTokens, waitForRun } from '../agents/runs.js';
import { RULES_FILES, startAgentRun } from '../agents/start-agent.js';
import { stopRun } from '../agents/stop-agent.js';
import { requireLane } from '../lane/require-lane.js';
import { setValidation } from './rounds.js';

export interface FixOptions {
  /** The implementer agent (`--agent`); default: phases.fix.agent, else the agent that implemented the lane. */
  agent?: string | undefined;
  model?: string | undefined;
  /** Called once the run is started (lanes run shows it as progress). */
  onStarted?: (run: RunRecord, round: number) => void;
}

/** One finding of the round and how the fixer answered it (null: unanswered, it stays open). */
export interface FixedFinding {
  id: string;
  severity: Finding['severity'];
  category: Finding['category'];
  file: string | null;
  line: number | null;
  endLine: number | null;
  message: string;
  /** A dispute of an earlier round the reviewer upheld, answered again. */
  upheld: boolean;
  answer: { status: FindingAnswerStatus; commit: string | null; reason: string | null } | null;
}

export interface FixRunSummary {
  id: number;
  agent: string;
  model: string | null;
  status: RunRecord['status'];
  reason: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  tokens: number;
  costUsd: number | null;
}

export interface FixResult {
  lane: string;
  /** The review round whose findings were answered. */
  round: number;
  verdictId: number;
  /** `fixed`: the run finished (its answers are stored); `failed` or `stopped`: the lane is as it was, resumable. */
  status: 'fixed' | 'failed' | 'stopped';
  run: FixRunSummary;
  findings: FixedFinding[];
  /** Findings the fixer did not answer: they stay open for the next review. */
  unanswered: string[];
  /** Ids the fixer answered that the round did not have (ignored). */
  unknown: string[];
  /** The final answer could not be read as answers (prose, or not the schema): every finding stays open. */
  answerError: string | null;
  validation: LaneValidation;
}

export async function fixLane(ctx: Context, laneName: string, opts: FixOptions = {}): Promise<FixResult> {
  const lane = await requireLane(ctx, laneName, 'lanes fix');
  const [config, store, adapters] = await Promise.all([ctx.config(), ctx.store(), ctx.agentAdapters()]);
  const verdict = store.reviews.latestVerdict(lane.name, lane.createdAt);
  if (!verdict)
    throw new InputError(`lane ${lane.name} has no review to fix yet; review it first: lanes review ${lane.name}`);
  if (verdict.verdict === 'approve')
    throw new InputError(
      `lane ${lane.name}: the latest review (round ${verdict.round}) approved it; nothing to fix (lanes review ${lane.name} --again reviews it anew)`,
    );
  // Comments people left in the dashboard ride along as findings of reviewer "you" (ids C<n>).
  const assignment = assignmentOf(store, lane, verdict, openComments(store, lane, ctx.clock.now().toISOString()));
  if (assignedIds(assignment).length === 0)
    throw new InputError(
      `lane ${lane.name}: the latest review (round ${verdict.round}) requested changes without findings; nothing to answer (lanes review ${lane.name} --again reviews it anew)`,
    );
  const busy = activeRuns(store, lane, ctx);
  if (busy)
    throw new InputError(
      `lane ${lane.name} already has an agent ${busy.status} (${busy.agent}, ${busy.phase}); wait for it to end or stop it: lanes stop ${lane.name}`,
    );
  if (!existsSync(lane.path))
    throw new InputError(`lane ${lane.name} has no worktree at ${lane.path}; lanes doctor explains what happened`);
  // Answers of a fix run whose `lanes fix` was killed are stored before a new round of answers.
  await collectFixAnswers(ctx, lane);

  const implemented = store
    .runsOf(lane.name)
    .filter((r) => r.phase === 'implement' && r.startedAt >= lane.createdAt)
    .pop();
  const fromImplementer =
    opts.agent === undefined &&
    config.phases.fix?.agent === undefined &&
    implemented !== undefined &&
    acceptedAgentNames(config, adapters).includes(implemented.agent);
  const agentName = opts.agent ?? config.phases.fix?.agent ?? (fromImplementer ? implemented.agent : undefined);
  // The implementer's model goes with the implementer's agent; otherwise resolveAgent picks the
  // model of the fix phase's agent (phases.fix.model, agents.<name>.model).
  const model =
    opts.model ??
    (fromImplementer && config.phases.fix?.model === undefined && implemented.model !== null
      ? implemented.model
      : undefined);
  const [agent] = requireAgentsReady(config, adapters, ctx.env, [{ phase: 'fix', agent: agentName, model }]) as [
    ResolvedAgent,
  ];

  setValidation(store, lane.name, 'fixing', verdict.round, null, ctx.clock.now());
  let run: RunRecord;
  try {
    const source = await ctx.issueSource();
    run = await startAgentRun(ctx, lane, {
      phase: 'fix',
      agent,
      cwd: lane.path,
      outputSchema: fixJsonSchema(),
      prompt: async () => {
        const issue = await source.getIssue(lane.issue.id, ctx.signal);
        const rules = RULES_FILES.filter((f) => existsSync(join(lane.path, f))).map((file) => ({
          file,
          text: readFileSync(join(lane.path, file), 'utf8'),
        }));
        return buildPrompt({ phase: 'fix', issue, lane, rules, fix: assignment });
      },
    });
  } catch (err) {
    // Nothing ran: the lane's validation goes back to where it stood.
    store.updateLane(lane.name, (l) => ({ ...l, validation: lane.validation }));
    throw err;
  }
  opts.onStarted?.(run, verdict.round);
  let finished = await waitForRun(store, ctx.runners, run.id, ctx.signal);
  if (isActive(finished)) finished = await stopRun(ctx, finished);

  const summary = runSummary(finished);
  if (finished.status !== 'done') {
    const stopped = finished.status === 'stopped';
    const reason = `the fix run ${stopped ? 'was stopped' : 'failed'}: ${finished.reason ?? finished.status}; lanes fix ${lane.name} starts a new one`;
    const validation = stopped
      ? setValidation(store, lane.name, 'changes-requested', verdict.round, reason, ctx.clock.now())
      : setValidation(store, lane.name, 'needs-you', verdict.round, reason, ctx.clock.now());
    return {
      lane: lane.name,
      round: verdict.round,
      verdictId: verdict.id,
      status: stopped ? 'stopped' : 'failed',
      run: summary,
      findings: fixedFindings(assignment, new Map()),
      unanswered: assignedIds(assignment),
      unknown: [],
      answerError: null,
      validation,
    };
  }
  const collected = await collectRun(ctx, lane, finished, verdict, assignment);
  const validation = setValidation(
    store,
    lane.name,
    'fixed',
    verdict.round,
    collected.error ? `the fixer's answers could not be read: ${collected.error}` : null,
    ctx.clock.now(),
  );
  return {
    lane: lane.name,
    round: verdict.round,
    verdictId: verdict.id,
    status: 'fixed',
    run: summary,
    findings: fixedFindings(assignment, new Map(collected.answers.map((a) => [a.finding, a]))),
    unanswered: collected.unanswered,
    unknown: collected.unknown,
    answerError: collected.error,
    validation,
  };
}

/** What one finished fix run answered, as stored. */
export interface CollectedFix {
  runId: number;
  round: number;
  answers: FindingAnswerRecord[];
  unanswered: string[];
  unknown: string[];
  /** Why its final answer could not be read; nothing was stored then. */
  error: string | null;
  /** False when the answers were stored before (by another lanes process). */
  recorded: boolean;
}

/**
 * Stores the answers of the lane's finished fix runs that have none stored yet: each run answers
 * the latest verdict made before it started. Safe to call from any step at any time (`lanes review`
 * calls it before a later round): runs already collected are skipped, and the check and the write
 * happen in one transaction, so two processes never store a run's answers twice.
 */
export async function collectFixAnswers(ctx: Context, lane: LaneRecord): Promise<CollectedFix[]> {
  const store = await ctx.store();
  const verdicts = store.reviews.verdictsOf(lane.name, lane.createdAt);
  const answered = new Set(store.reviews.answersOf(lane.name, lane.createdAt).map((a) => a.runId));
  const out: CollectedFix[] = [];
  for (const run of store.runsOf(lane.name)) {
    if (run.phase !== 'fix' || run.status !== 'done' || run.startedAt < lane.createdAt || answered.has(run.id))
      continue;
    const verdict = verdicts.filter((v) => v.createdAt <= run.startedAt).pop();
    if (!verdict || verdict.verdict !== 'request-changes') continue;
    const comments = openComments(store, lane, run.startedAt, run.id);
    const collected = await collectRun(ctx, lane, run, verdict, assignmentOf(store, lane, verdict, comments));
    if (collected.recorded) out.push(collected);
  }
  // A `lanes fix` killed while waiting left the lane "fixing": its run has ended, so it is fixed.
  const latest = out[out.length - 1];
  const now = store.getLane(lane.name);
  if (
    latest &&
    now?.validation?.state === 'fixing' &&
    now.validation.round === latest.round &&
    !activeRuns(store, lane, ctx)
  )
    setValidation(store, lane.name, 'fixed', latest.round, latest.error, ctx.clock.now());
  return out;
}

/** Reads, checks and (unless stored already) stores one finished fix run's answers. */
async function collectRun(
  ctx: Context,
  lane: LaneRecord,
  run: RunRecord,
  verdict: VerdictRecord,
  assignment: FixAssignment,
): Promise<CollectedFix> {
  const [store, repo] = await Promise.all([ctx.store(), ctx.repo()]);
  const base = { runId: run.id, round: verdict.round, unknown: [] as string[], recorded: false };
  const assigned = assignedIds(assignment);
  const text = readResult(run);
  const parsed =
    text === undefined ? ({ ok: false, error: 'the run left no final answer' } as const) : parseFixAnswer(text);
  if (!parsed.ok) return { ...base, answers: [], unanswered: assigned, error: parsed.error };
  const matched = matchAnswers(assigned, parsed.value.answers);
  const answeredAt = run.endedAt ?? ctx.clock.now().toISOString();
  const answers: FindingAnswerRecord[] = [];
  for (const given of matched.answered.values()) {
    const checked = await checkCommit(repo.mainRoot, lane, verdict.head, given);
    answers.push({
      lane: lane.name,
      round: verdict.round,
      finding: given.id,
      status: given.status,
      commit: checked.commit,
      reason: checked.reason,
      runId: run.id,
      answeredAt,
    });
  }
  const recorded = store.immediate(() => {
    if (store.reviews.answersOf(lane.name, lane.createdAt).some((a) => a.runId === run.id)) return false;
    store.reviews.recordAnswers(answers);
    return true;
  });
  return { ...base, answers, unanswered: matched.unanswered, unknown: matched.unknown, error: null, recorded };
}

/**
 * A `fixed` answer's commit, as a full sha when it is on the lane's branch and new since the
 * reviewed head; else null, and the reason says why (the answer itself is kept).
 */
async function checkCommit(
  cwd: string,
  lane: LaneRecord,
  reviewedHead: string,
  given: GivenAnswer,
): Promise<{ commit: string | null; reason: string | null }> {
  const note = (text: string) => ({ commit: null, reason: given.reason ? `${text}; ${given.reason}` : text });
  if (given.status !== 'fixed') return { commit: given.commit?.trim() || null, reason: given.reason };
  const named = given.commit?.trim();
  if (!named) return note('no commit named');
  // A short or unknown sha, or a branch that is gone: not on the branch, said so in the reason.
  const sha = /^[0-9a-f]{4,64}$/i.test(named) ? await resolveCommit(cwd, named).catch(() => undefined) : undefined;
  const onBranch = sha !== undefined && (await isAncestor(cwd, sha, `refs/heads/${lane.branch}`).catch(() => false));
  if (!sha || !onBranch) return note(`commit ${named} is not on the branch ${lane.branch}`);
  if (sha !== reviewedHead && (await isAncestor(cwd, sha, reviewedHead).catch(() => false)))
    return note(`commit ${named} was already part of the reviewed head`);
  if (sha === reviewedHead) return note(`commit ${named} is the reviewed head itself`);
  return { commit: sha, reason: given.reason };
}

function assignmentOf(
  store: StateStore,
  lane: LaneRecord,
  verdict: VerdictRecord,
  comments: readonly Finding[],
): FixAssignment {
  const earlier = store.reviews.verdictsOf(lane.name, lane.createdAt).filter((v) => v.id !== verdict.id);
  const assignment = fixAssignment(verdict, earlier, store.reviews.answersOf(lane.name, lane.createdAt));
  return { ...assignment, findings: [...assignment.findings, ...comments] };
}

/**
 * The lane's dashboard comments made by `asOf` that no fix run answered yet (before the run
 * `beforeRun`, when collecting that run's answers): a comment is open until a fixer answers it.
 */
function openComments(store: StateStore, lane: LaneRecord, asOf: string, beforeRun?: number): Finding[] {
  const answered = new Set(
    store.reviews
      .answersOf(lane.name, lane.createdAt)
      .filter((a) => beforeRun === undefined || a.runId === null || a.runId < beforeRun)
      .map((a) => a.finding),
  );
  return store.comments
    .commentsOf(lane.name, lane.createdAt)
    .filter((c) => c.createdAt <= asOf && !answered.has(c.id))
    .map(commentFinding);
}

function fixedFindings(assignment: FixAssignment, answers: Map<string, FindingAnswerRecord>): FixedFinding[] {
  const row = (f: Finding, upheld: boolean): FixedFinding => {
    const a = answers.get(f.id);
    return {
      id: f.id,
      severity: f.severity,
      category: f.category,
      file: f.file,
      line: f.line,
      endLine: f.endLine,
      message: f.message,
      upheld,
      answer: a ? { status: a.status, commit: a.commit, reason: a.reason } : null,
    };
  };
  return [...assignment.findings.map((f) => row(f, false)), ...assignment.upheld.map((u) => row(u.finding, true))];
}

/** Any run of the lane still going (its own agent or a reviewer): a fix would race it. */
function activeRuns(store: StateStore, lane: LaneRecord, ctx: Context): RunRecord | undefined {
  return store
    .runsOf(lane.name)
    .filter((r) => r.startedAt >= lane.createdAt && isActive(r))
    .map((r) => reconcileRun(store, r, ctx.runners))
    .find(isActive);
}

function readResult(run: RunRecord): string | undefined {
  const file = join(run.runDir, 'result.md');
  return run.runDir && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function runSummary(run: RunRecord): FixRunSummary {
  return {
    id: run.id,
    agent: run.agent,
    model: run.model,
    status: run.status,
    reason: run.reason,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: durationMs(run),
    tokens: runTokens(run),
    costUsd: run.costUsd,
  };
}
