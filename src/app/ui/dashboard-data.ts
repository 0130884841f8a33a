/**
 * What the dashboard shows, read through the same use cases and stores the CLI uses: the board
 * (listLanes), a lane's page (its record, issue, reviews, rounds, runs, comments), its diff by file
 * (laneDiff) and its agent's transcript (rendered with the adapter's parser, as `lanes logs` does).
 * Everything here is addressed by lane name; no path from a request reaches the file system.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { boardColumn, type BoardColumn } from '../../domain/board.js';
import { errorMessage, InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { lanePhase } from '../../domain/lane.js';
import { parseUnifiedDiff, type DiffFile } from '../../domain/unified-diff.js';
import type { AgentOutputParser } from '../../contracts/agent-adapter.js';
import type { CommentRecord } from '../../infra/comment-store.js';
import type { FindingAnswerRecord, ReviewRecord, VerdictRecord } from '../../infra/review-store.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { renderEvent } from '../agents/render-events.js';
import { durationMs, latestRunOf } from '../agents/runs.js';
import { laneDiff } from '../lane-diff.js';
import { inspectLane, listLanes, type LaneView } from '../list-lanes.js';
import { runTokens } from '../agents/runs.js';

export interface BoardLane extends LaneView {
  column: BoardColumn;
  phase: string;
}

export async function boardData(ctx: Context): Promise<BoardLane[]> {
  return (await listLanes(ctx)).map(card);
}

function card(view: LaneView): BoardLane {
  return { ...view, column: boardColumn(view), phase: lanePhase(view) };
}

export interface RunView {
  id: number;
  phase: string;
  agent: string;
  model: string | null;
  status: string;
  reason: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  tokens: number;
  costUsd: number | null;
}

export interface LaneDetail {
  lane: BoardLane;
  issue: { id: string; title: string; body: string; labels: string[]; criteria: string[]; url: string | null };
  /** Why the issue text could not be read (the lane's stored title is shown then). */
  issueError: string | null;
  verdict: VerdictRecord | null;
  reviews: ReviewRecord[];
  answers: FindingAnswerRecord[];
  comments: (CommentRecord & { answer: FindingAnswerRecord | null })[];
  runs: RunView[];
}

export async function requireLaneByName(ctx: Context, name: string): Promise<LaneRecord> {
  const lane = (await ctx.store()).getLane(name);
  if (!lane) throw new InputError(`no lane named ${JSON.stringify(name)}`);
  return lane;
}

export async function laneDetail(ctx: Context, name: string): Promise<LaneDetail> {
  const lane = await requireLaneByName(ctx, name);
  const store = await ctx.store();
  const view = card(await inspectLane(ctx, lane));
  let issue: LaneDetail['issue'] = {
    id: lane.issue.id,
    title: lane.issue.title,
    body: '',
    labels: [],
    criteria: [],
    url: lane.issue.url ?? null,
  };
  let issueError: string | null = null;
  try {
    const full = await (await ctx.issueSource()).getIssue(lane.issue.id, ctx.signal);
    issue = { ...issue, title: full.title, body: full.body, labels: full.labels, criteria: full.acceptanceCriteria };
  } catch (err) {
    issueError = errorMessage(err);
  }
  const answers = store.reviews.answersOf(lane.name, lane.createdAt);
  const answerOf = (id: string) => [...answers].reverse().find((a) => a.finding === id) ?? null;
  return {
    lane: view,
    issue,
    issueError,
    verdict: store.reviews.latestVerdict(lane.name, lane.createdAt) ?? null,
    reviews: store.reviews.reviewsOf(lane.name, lane.createdAt),
    answers,
    comments: store.comments.commentsOf(lane.name, lane.createdAt).map((c) => ({ ...c, answer: answerOf(c.id) })),
    runs: store
      .runsOf(lane.name)
      .filter((r) => r.startedAt >= lane.createdAt)
      .map(runView),
  };
}

function runView(r: RunRecord): RunView {
  return {
    id: r.id,
    phase: r.phase,
    agent: r.agent,
    model: r.model,
    status: r.status,
    reason: r.reason,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: durationMs(r),
    tokens: runTokens(r),
    costUsd: r.costUsd,
  };
}

/** A diff bigger than this is cut (the page says so): a browser should not render megabytes of patch. */
const MAX_DIFF_CHARS = 2_000_000;

export async function laneDiffFiles(
  ctx: Context,
  name: string,
): Promise<{ files: DiffFile[]; truncated: boolean; error: string | null }> {
  const lane = await requireLaneByName(ctx, name);
  if (!existsSync(lane.path) || lane.lifecycle !== 'ready')
    return { files: [], truncated: false, error: `lane ${lane.name} has no worktree to diff` };
  const text = await laneDiff(ctx, lane, {});
  const truncated = text.length > MAX_DIFF_CHARS;
  return { files: parseUnifiedDiff(truncated ? text.slice(0, MAX_DIFF_CHARS) : text), truncated, error: null };
}

/**
 * Follows the transcript of a lane's latest run: each `read()` returns the lines added since the
 * last one (all of them the first time), rendered as `lanes logs` renders them. A new run starts
 * the transcript over (`reset` says so).
 */
export class LogTail {
  private runId: number | null = null;
  private offset = 0;
  private partial = '';
  private parser: AgentOutputParser | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly laneName: string,
  ) {}

  async read(): Promise<{ runId: number | null; reset: boolean; lines: string[]; status: string | null }> {
    const store = await this.ctx.store();
    const lane = store.getLane(this.laneName);
    const run = lane ? latestRunOf(store, lane, this.ctx.runners) : undefined;
    if (!run) return { runId: null, reset: this.runId !== null, lines: [], status: null };
    let reset = false;
    const lines: string[] = [];
    if (run.id !== this.runId) {
      reset = true;
      this.runId = run.id;
      this.offset = 0;
      this.partial = '';
      this.parser = (await this.ctx.agentAdapters()).get(run.adapter)?.createParser();
      lines.push(`# run ${run.id}: ${run.phase} with ${run.agent}${run.model ? ` (${run.model})` : ''}`);
    }
    const file = join(run.runDir, 'output.jsonl');
    if (run.runDir && existsSync(file)) {
      const size = statSync(file).size;
      if (size > this.offset) {
        const fd = openSync(file, 'r');
        try {
          const buffer = Buffer.alloc(size - this.offset);
          readSync(fd, buffer, 0, buffer.length, this.offset);
          this.offset = size;
          const chunk = (this.partial + buffer.toString('utf8')).split('\n');
          this.partial = chunk.pop() ?? '';
          for (const line of chunk) lines.push(...this.render(line));
        } finally {
          closeSync(fd);
        }
      }
    }
    return { runId: run.id, reset, lines, status: run.status };
  }

  private render(line: string): string[] {
    if (!this.parser) return line.trim() ? [line] : [];
    const out: string[] = [];
    for (const event of this.parser.push(line)) {
      const text = renderEvent(event);
      if (text) out.push(text);
    }
    return out;
  }
}

/** A rule healing applied or retired, as the stats page lists it: what it says and what it stands on. */
export interface HealedRuleView {
  id: string;
  status: string;
  category: string;
  direction: string;
  text: string;
  findings: number;
  lanes: number;
  url: string | null;
}

/** The rules `lanes heal` applied (active) and retired, newest first. */
export function healedRules(store: Awaited<ReturnType<Context['store']>>): HealedRuleView[] {
  return store.rules
    .list()
    .filter((r) => r.status !== 'proposed')
    .reverse()
    .map((r) => ({
      id: r.id,
      status: r.status,
      category: r.category,
      direction: r.direction,
      text: r.text,
      findings: r.citations.length,
      lanes: new Set(r.citations.map((c) => c.lane)).size,
      url: r.applied?.url ?? null,
    }));
}
