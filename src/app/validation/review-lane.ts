/**
 * `lanes review`: a fresh-context review of the lane's head commit. Each reviewer is a new agent
 * process (never a resumed or forked writer session) in its own detached checkout of the head,
 * read-only where its CLI allows, with its prompt in the run's folder outside that checkout. It
 * gets the issue, the diff, the rules as they are on the base and the facts lanes measured (files,
 * lines, tests touched, the profile's commands), never the writer's transcript. Its answer must
 * satisfy the review schema: an invalid one is retried once with the validation error, then the
 * review fails loudly. Several reviewers (--adversarial) run in parallel and are combined; lanes'
 * own blockers (a failed command, a bug fix without a test) always count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, InterruptedError, LanesError, ToolError, errorMessage } from '../../domain/errors.js';
import type { Issue } from '../../domain/issue.js';
import type { LaneRecord } from '../../domain/lane.js';
import {
  LANES_REVIEWER,
  disagreementsOf,
  effectiveVerdict,
  mergeAudits,
  mergeFindings,
  numberFindings,
  stricterVerdict,
  type Audit,
  type Finding,
  type ReviewerAnswer,
} from '../../domain/review.js';
import { buildReviewPrompt, type EarlierFinding, type ReviewPromptInput } from '../../domain/review-prompt.js';
import { parseReviewAnswer, reviewJsonSchema } from '../../domain/review-schema.js';
import { profileFor } from '../../domain/validation-profile.js';
import type { Config } from '../../infra/config-schema.js';
import type { ReviewRecord, VerdictRecord } from '../../infra/review-store.js';
import type { RunRecord, StateStore } from '../../infra/store.js';
import type { Context } from '../context.js';
import { agentProblem, requireAgentsReady } from '../agents/preflight.js';
import { resolveAgent } from '../agents/resolve-agent.js';
import type { ResolvedAgent } from '../agents/resolve-agent.js';
import { isActive, latestRunOf, reconcileRun, runTokens, waitForRun } from '../agents/runs.js';
import { startAgentRun } from '../agents/start-agent.js';
import { stopRun } from '../agents/stop-agent.js';
import { requireApproval } from '../lane/hooks.js';
import { laneVariables } from '../lane/lane-env.js';
import { requireLane } from '../lane/require-lane.js';
import { writeBack } from '../lane/write-back.js';
import { collectFixAnswers } from './fix-lane.js';
import { publishVerdict, type PublishedReview } from './publish-review.js';
import {
  changeFacts,
  diffForReview,
  isOutsideDiff,
  laneCommits,
  rulesAtBase,
  type ChangeFacts,
} from './review-facts.js';
import { addReviewCheckout, removeReviewCheckout, reviewCheckoutPath } from './review-checkout.js';
import { nextReviewRound, setValidation } from './rounds.js';
import { commandFindings, runValidationCommands } from './validate-commands.js';

export interface ReviewOptions {
  /** One reviewer by agent name (`--reviewer`). */
  reviewer?: string | undefined;
  adversarial?: boolean;
  /** Review the same head again instead of returning the stored review. */
  again?: boolean;
  /** Only these reviewers run again (later rounds of lanes run); the others' last reviews stand. */
  only?: readonly string[];
  /** Ask for the criteria audit (default true); a round without it carries the previous audit. */
  audit?: boolean;
  /** Progress lines for people (stderr). */
  say?: (text: string) => void;
}

export interface ReviewResult {
  lane: string;
  verdict: VerdictRecord;
  /** Each reviewer's review this round (reused ones included). */
  reviews: ReviewRecord[];
  /** True when nothing ran: the stored review of this head was returned. */
  reused: boolean;
  published: PublishedReview;
  tokens: number;
  costUsd: number | null;
  durationMs: number;
}

/** The default reviewers of `--adversarial`: two vendors. */
export const DEFAULT_ADVERSARIAL_REVIEWERS = ['claude', 'codex'];

export async function reviewLane(ctx: Context, laneName: string, opts: ReviewOptions = {}): Promise<ReviewResult> {
  const started = Date.now();
  const say = opts.say ?? (() => undefined);
  const lane = await requireLane(ctx, laneName, 'lanes review');
  const [repo, config, store, adapters] = await Promise.all([
    ctx.repo(),
    ctx.config(),
    ctx.store(),
    ctx.agentAdapters(),
  ]);
  const gitOpts = { signal: ctx.signal };
  const latest = latestRunOf(store, lane, ctx.runners);
  if (latest && isActive(latest) && latest.phase !== 'review') {
    throw new InputError(
      `lane ${lane.name}: its agent is still ${latest.status} (${latest.phase}); review the work once it is done, or stop it with: lanes stop ${lane.name}`,
    );
  }
  const running = store.reviews
    .reviewsOf(lane.name, lane.createdAt)
    .filter((r) => r.status === 'running' && reviewStillRunning(store, ctx, r));
  if (running.length > 0) {
    throw new InputError(
      `lane ${lane.name} is being reviewed already (${running.map((r) => r.reviewer).join(', ')}); wait for it (Ctrl-C where it runs stops it)`,
    );
  }
  // A `lanes fix` killed while it waited left its answers in the run's folder: they belong to this review.
  await collectFixAnswers(ctx, lane);
  const commits = await laneCommits(repo.mainRoot, lane, gitOpts);
  if (commits.head === commits.baseCommit) {
    throw new InputError(
      `lane ${lane.name} has no commits beyond ${lane.base}: nothing to review (commit the work on ${lane.branch} first)`,
    );
  }
  const names = reviewerNames(config, adapters, store, lane, opts, ctx.env);
  const reviewers = requireAgentsReady(
    config,
    adapters,
    ctx.env,
    names.map((agent) => ({ phase: 'review', agent })),
  );

  // The same head again: the stored review, unless --again.
  const previous = store.reviews.latestVerdict(lane.name, lane.createdAt);
  if (!opts.again && previous && previous.head === commits.head && names.every((n) => previous.reviewers.includes(n))) {
    const reviews = previous.reviewIds
      .map((id) => store.reviews.getReview(id))
      .filter((r): r is ReviewRecord => r !== undefined);
    // Posting again is safe (a round already on the pull request is found, not posted twice) and
    // is how a post that failed last time gets through.
    const published = await publishVerdict(ctx, lane, previous).catch((err: unknown): PublishedReview => ({
      where: 'local',
      url: null,
      warning: errorMessage(err),
    }));
    return {
      lane: lane.name,
      verdict: previous,
      reviews,
      reused: true,
      published,
      ...usageOf(store, reviews),
      durationMs: Date.now() - started,
    };
  }

  const round = nextReviewRound(store, lane);
  const issue = await (await ctx.issueSource()).getIssue(lane.issue.id, ctx.signal);
  const profile = profileFor(issue.labels, config.validate.profiles);
  const facts = await changeFacts(repo.mainRoot, commits, config.validate.testPatterns, gitOpts);
  const earlier = previous && previous.round < round ? earlierFindings(store, lane, previous) : [];
  const audit = opts.audit ?? true;
  // Approved before anything starts: a refusal leaves the lane exactly as it was.
  const commands = [...config.validate.commands, ...profile.commands];
  if (commands.length > 0) await requireApproval(ctx, commands, 'validate.commands');
  setValidation(store, lane.name, 'reviewing', round, null, ctx.clock.now());

  // Reviewers asked to stand aside this round keep their last review (of an earlier head).
  const toRun = opts.only ? reviewers.filter((r) => opts.only!.includes(r.name)) : reviewers;
  const standing = reviewers
    .filter((r) => !toRun.includes(r))
    .map((r) => lastReviewOf(store, lane, r.name))
    .filter((r): r is ReviewRecord => r !== undefined);

  let commandResults: ReviewPromptInput['commands'] = [];
  let reviews: ReviewRecord[];
  try {
    if (commands.length > 0) {
      // Named by this process: two reviews of the lane racing here never share a checkout.
      commandResults = await inCheckout(ctx, repo.mainRoot, lane, 0, `commands-${process.pid}`, commits.head, (dir) =>
        runValidationCommands(
          ctx,
          commands,
          dir,
          laneVariables(lane),
          config.validate.commandTimeoutMinutes * 60_000,
          (t) => say(`${lane.name}: ${t}`),
        ),
      );
    }
    const base: Omit<ReviewPromptInput, 'checkout' | 'schemaEnforced'> = {
      issue,
      lane: { name: lane.name, branch: lane.branch, base: lane.base },
      baseCommit: commits.baseCommit,
      head: commits.head,
      round,
      profile,
      files: facts.files,
      testsTouched: facts.testsTouched,
      commands: commandResults,
      rules: await rulesAtBase(repo.mainRoot, commits.baseCommit, gitOpts),
      diff: diffForReview(facts.diffText, config.validate.maxDiffBytes),
      earlier,
      audit,
      schema: reviewJsonSchema(),
    };
    reviews = await Promise.all(
      toRun.map((agent) => runReviewer(ctx, store, repo.mainRoot, lane, agent, round, commits, base, audit, say)),
    );
  } catch (err) {
    // Interrupted: the lane goes back to where it stood; anything else is a failed review.
    if (ctx.signal.aborted) store.updateLane(lane.name, (l) => ({ ...l, validation: lane.validation }));
    else setValidation(store, lane.name, 'review-failed', round, errorMessage(err), ctx.clock.now());
    throw err;
  }
  const failed = reviews.filter((r) => r.status !== 'done');
  if (failed.length > 0) {
    const reason = failed.map((r) => r.error ?? `${r.reviewer} failed`).join('; ');
    setValidation(store, lane.name, 'review-failed', round, reason, ctx.clock.now());
    throw new ToolError(`review of lane ${lane.name} failed: ${reason}`, {
      hint: `the lane is unchanged; run lanes review ${lane.name} again`,
    });
  }

  const all = [...reviews, ...standing];
  const verdict = combine(lane, round, commits, all, facts, profile.requireTest, profile.audit, commandResults, {
    audit,
    previous,
    adversarial: reviewers.length > 1,
    now: ctx.clock.now(),
  });
  verdict.id = store.reviews.insertVerdict(verdict);
  setValidation(
    store,
    lane.name,
    verdict.verdict === 'approve' ? 'approved' : 'changes-requested',
    round,
    null,
    ctx.clock.now(),
  );
  const published = await publishVerdict(ctx, store.getLane(lane.name) ?? lane, verdict).catch(
    (err: unknown): PublishedReview => ({ where: 'local', url: null, warning: errorMessage(err) }),
  );
  const wrote = await writeBack(
    ctx,
    { ...issueTarget(issue), source: issue.source },
    {
      kind: 'verdict',
      lane: lane.name,
      verdict: verdict.verdict,
      summary: `${verdict.findings.length} finding(s)`,
    },
  );
  for (const problem of wrote.problems) say(`warning: ${problem}`);
  return {
    lane: lane.name,
    verdict,
    reviews: all,
    reused: false,
    published,
    ...usageOf(store, reviews),
    durationMs: Date.now() - started,
  };
}

function issueTarget(issue: Issue): { id: string; key?: string | undefined; url: string } {
  return { id: issue.id, ...(issue.key ? { key: issue.key } : {}), url: issue.url };
}

/**
 * Who reviews: `--reviewer`; `--adversarial`: phases.review.agents (default Claude Code and Codex);
 * else phases.review.agent, but never the vendor that implemented the lane when another agent is
 * configured (phases.review, agents, agent) and ready.
 */
export function reviewerNames(
  config: Config,
  adapters: Parameters<typeof requireAgentsReady>[1],
  store: StateStore,
  lane: LaneRecord,
  opts: Pick<ReviewOptions, 'reviewer' | 'adversarial'>,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (opts.reviewer) return [opts.reviewer];
  const review = config.phases.review;
  if (opts.adversarial) return review?.agents ?? DEFAULT_ADVERSARIAL_REVIEWERS;
  const implementer = store
    .runsOf(lane.name)
    .filter((r) => (r.phase === 'implement' || r.phase === 'fix') && r.startedAt >= lane.createdAt)
    .pop()?.adapter;
  const configured = [
    review?.agent,
    ...(review?.agents ?? []),
    ...Object.keys(config.agents),
    config.agent,
    'claude',
  ].filter((n): n is string => n !== undefined);
  const candidates = [...new Set(configured)];
  const first = candidates[0]!;
  if (!implementer) return [first];
  const other = candidates.find((name) => {
    try {
      const agent = resolveAgent(config, adapters, 'review', { agent: name });
      return agent.adapter.name !== implementer && agentProblem(agent, env, process.platform) === undefined;
    } catch {
      return false;
    }
  });
  return [other ?? first];
}

/** A review row still marked running whose latest run lives (a killed `lanes review` leaves rows that do not). */
function reviewStillRunning(store: StateStore, ctx: Context, review: ReviewRecord): boolean {
  const runId = review.runIds[review.runIds.length - 1];
  if (runId === undefined) return Date.now() - Date.parse(review.startedAt) < 60_000;
  const run = store.getRun(runId);
  return run !== undefined && isActive(reconcileRun(store, run, ctx.runners));
}

/** The reviewer's most recent finished review of this lane (any head): what stands when it is not re-run. */
function lastReviewOf(store: StateStore, lane: LaneRecord, reviewer: string): ReviewRecord | undefined {
  return store.reviews
    .reviewsOf(lane.name, lane.createdAt)
    .filter((r) => r.reviewer === reviewer && r.status === 'done')
    .pop();
}

function earlierFindings(store: StateStore, lane: LaneRecord, previous: VerdictRecord): EarlierFinding[] {
  const answers = store.reviews.answersOf(lane.name, lane.createdAt).filter((a) => a.round === previous.round);
  return previous.findings.map((finding) => {
    const answer = answers.filter((a) => a.finding === finding.id).pop();
    return { finding, answer: answer ? { status: answer.status, commit: answer.commit, reason: answer.reason } : null };
  });
}

async function inCheckout<T>(
  ctx: Context,
  repoRoot: string,
  lane: LaneRecord,
  id: number,
  who: string,
  head: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = reviewCheckoutPath(lane, id, who);
  await addReviewCheckout(repoRoot, dir, head, { signal: ctx.signal });
  try {
    return await fn(dir);
  } finally {
    await removeReviewCheckout(repoRoot, dir);
  }
}

/** One reviewer: its review row, its checkout, its run, and one retry when the answer does not fit the schema. */
async function runReviewer(
  ctx: Context,
  store: StateStore,
  repoRoot: string,
  lane: LaneRecord,
  agent: ResolvedAgent,
  round: number,
  commits: { head: string; baseCommit: string },
  prompt: Omit<ReviewPromptInput, 'checkout' | 'schemaEnforced'>,
  audit: boolean,
  say: (text: string) => void,
): Promise<ReviewRecord> {
  const id = store.reviews.insertReview({
    lane: lane.name,
    round,
    head: commits.head,
    base: commits.baseCommit,
    reviewer: agent.name,
    adapter: agent.adapter.name,
    model: agent.model ?? null,
    status: 'running',
    runIds: [],
    answer: null,
    audited: audit,
    error: null,
    startedAt: ctx.clock.now().toISOString(),
    endedAt: null,
  });
  const finish = (change: Partial<ReviewRecord>) => {
    store.reviews.updateReview(id, { ...change, endedAt: ctx.clock.now().toISOString() });
    return store.reviews.getReview(id)!;
  };
  try {
    return await inCheckout(ctx, repoRoot, lane, id, agent.name, commits.head, async (checkout) => {
      const text = buildReviewPrompt({ ...prompt, checkout, schemaEnforced: schemaEnforcedBy(agent) });
      const runIds: number[] = [];
      let retryNote = '';
      for (let attempt = 1; attempt <= 2; attempt++) {
        say(`${lane.name}: ${agent.name} reviewing ${commits.head.slice(0, 12)}${attempt > 1 ? ' (again)' : ''}…`);
        const run = await runOnce(ctx, lane, agent, checkout, `${text}${retryNote}`);
        runIds.push(run.id);
        store.reviews.updateReview(id, { runIds });
        if (run.status !== 'done') return finish({ status: 'failed', runIds, error: runFailure(agent, run) });
        const answerText = readAnswer(run);
        const parsed = parseReviewAnswer(answerText);
        if (parsed.ok) return finish({ status: 'done', runIds, answer: own(parsed.value, agent.name) });
        if (attempt === 2) {
          return finish({
            status: 'failed',
            runIds,
            error: `${agent.name} answered twice without a valid review: ${parsed.error}`,
          });
        }
        retryNote = [
          '',
          '## Your previous answer was rejected',
          '',
          `It did not satisfy the schema: ${parsed.error}.`,
          'Review again and answer with one JSON object that satisfies the schema above, and nothing else.',
          '',
        ].join('\n');
      }
      return finish({ status: 'failed', runIds, error: 'no answer' });
    });
  } catch (err) {
    if (ctx.signal.aborted) {
      finish({ status: 'failed', error: 'interrupted' });
      throw new InterruptedError('review interrupted: the reviewer was stopped and its checkout removed');
    }
    finish({ status: 'failed', error: errorMessage(err) });
    if (err instanceof LanesError && err.exitCode === 130) throw err;
    return store.reviews.getReview(id)!;
  }
}

async function runOnce(
  ctx: Context,
  lane: LaneRecord,
  agent: ResolvedAgent,
  checkout: string,
  prompt: string,
): Promise<RunRecord> {
  const store = await ctx.store();
  const run = await startAgentRun(ctx, lane, {
    phase: 'review',
    agent,
    cwd: checkout,
    prompt: () => Promise.resolve(prompt),
    outputSchema: reviewJsonSchema(),
    review: true,
  });
  let finished = await waitForRun(store, ctx.runners, run.id, ctx.signal);
  if (isActive(finished)) finished = await stopRun(ctx, finished);
  ctx.signal.throwIfAborted();
  return finished;
}

function runFailure(agent: ResolvedAgent, run: RunRecord): string {
  const why = run.reason ?? `${run.status}`;
  return `${agent.name} did not finish its review (${why}); transcript: ${join(run.runDir, 'output.jsonl')}`;
}

function readAnswer(run: RunRecord): string {
  try {
    return readFileSync(join(run.runDir, 'result.md'), 'utf8');
  } catch {
    return '';
  }
}

/** Which adapters enforce the schema themselves (the rest are told in the prompt and checked by lanes). */
function schemaEnforcedBy(agent: ResolvedAgent): boolean {
  return agent.adapter.name === 'claude' || agent.adapter.name === 'codex';
}

/** The reviewer's answer with its own name on every finding. */
function own(answer: ReviewerAnswer, reviewer: string): ReviewerAnswer {
  return { ...answer, findings: answer.findings.map((f) => ({ ...f, reviewers: [reviewer] })) };
}

function combine(
  lane: LaneRecord,
  round: number,
  commits: { head: string; baseCommit: string },
  reviews: readonly ReviewRecord[],
  facts: ChangeFacts,
  requireTest: boolean,
  auditRequired: boolean,
  commandResults: ReviewPromptInput['commands'],
  opts: { audit: boolean; previous: VerdictRecord | undefined; adversarial: boolean; now: Date },
): Omit<VerdictRecord, 'id'> & { id: number } {
  const answers = reviews.map((r) => ({ reviewer: r.reviewer, answer: r.answer! }));
  const lanesOwn: Finding[] = [...commandFindings(commandResults)];
  if (requireTest && facts.testsTouched.length === 0) {
    lanesOwn.push({
      id: '',
      severity: 'blocker',
      category: 'missing-test',
      file: null,
      line: null,
      endLine: null,
      message:
        'This issue is a bug: the change must add or change a test that reproduces it, and it touches no test file.',
      suggestion: 'Add a regression test that fails without the fix.',
      confidence: 1,
      reviewers: [LANES_REVIEWER],
    });
  }
  const merged = mergeFindings([
    ...answers.map((a) => ({ reviewer: a.reviewer, findings: a.answer.findings })),
    { reviewer: LANES_REVIEWER, findings: lanesOwn },
  ]);
  const findings = numberFindings(round, merged).map((f) =>
    isOutsideDiff(f, facts) ? { ...f, outsideDiff: true } : f,
  );
  const audited = reviews.filter((r) => r.audited).map((r) => r.answer!.audit);
  const audit: Audit =
    audited.length > 0 ? mergeAudits(audited) : (opts.previous?.audit ?? { criteria: [], scopeDrift: [] });
  const reviewerVerdict = answers.map((a) => a.answer.verdict).reduce(stricterVerdict, 'approve');
  return {
    id: 0,
    lane: lane.name,
    round,
    head: commits.head,
    base: commits.baseCommit,
    verdict: effectiveVerdict(reviewerVerdict, findings, audit, auditRequired),
    findings,
    audit,
    disputes: answers.flatMap((a) => a.answer.disputes),
    disagreements: disagreementsOf(
      answers.map((a) => ({ reviewer: a.reviewer, verdict: a.answer.verdict })),
      findings,
    ),
    reviewers: reviews.map((r) => r.reviewer),
    reviewIds: reviews.map((r) => r.id),
    adversarial: opts.adversarial,
    createdAt: opts.now.toISOString(),
  };
}

function usageOf(store: StateStore, reviews: readonly ReviewRecord[]): { tokens: number; costUsd: number | null } {
  const runs = reviews
    .flatMap((r) => r.runIds)
    .map((id) => store.getRun(id))
    .filter((r) => r !== undefined);
  const tokens = runs.reduce((sum, run) => sum + runTokens(run), 0);
  const costs = runs.map((r) => r.costUsd).filter((c): c is number => c !== null);
  return { tokens, costUsd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null };
}
