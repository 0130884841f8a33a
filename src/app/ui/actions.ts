/**
 * The dashboard's actions, each through the use case its CLI command calls: start, stop, review,
 * fix, open the pull request, remove, and comments on the diff. Nothing here adds a force: a lane
 * `lanes rm` would refuse to remove is refused from the page too, with the same message.
 */
import { InputError, LanesError, RefusedError, errorMessage } from '../../domain/errors.js';
import { SEVERITIES, type Severity } from '../../domain/review.js';
import type { CommentRecord } from '../../infra/comment-store.js';
import type { Context, Io } from '../context.js';
import { startAgent } from '../agents/start-agent.js';
import { stopAgent } from '../agents/stop-agent.js';
import { removeLane } from '../remove-lane.js';
import { fixLane } from '../validation/fix-lane.js';
import { openPullRequest } from '../validation/open-pull-request.js';
import { reviewLane } from '../validation/review-lane.js';
import { requireLaneByName } from './dashboard-data.js';

export const UI_ACTIONS = ['start', 'stop', 'review', 'fix', 'pr', 'rm'] as const;
export type UiAction = (typeof UI_ACTIONS)[number];

export function isUiAction(name: string): name is UiAction {
  return (UI_ACTIONS as readonly string[]).includes(name);
}

export interface ActionOutcome {
  ok: boolean;
  /** One line for the page: what happened, or the refusal or error as the CLI words it. */
  message: string;
  /** The exit code the CLI would have ended with. */
  exitCode: number;
  /** Ways out of a refusal (the hint and reasons `lanes rm` prints). */
  details: string[];
  /** Progress lines the use case printed. */
  log: string[];
}

/**
 * A context for one action: its progress is collected instead of printed on the terminal that runs
 * `lanes ui`, and nobody can be asked a question there (hooks not yet approved are refused with
 * the CLI's message saying how to approve them).
 */
function actionContext(ctx: Context, log: string[]): Context {
  const io: Io = {
    out: (text) => void log.push(...text.trimEnd().split('\n')),
    err: (text) => void log.push(text),
    interactive: false,
    confirm: async () => undefined,
  };
  return { ...ctx, io, yes: false };
}

export async function runUiAction(ctx: Context, laneName: string, action: UiAction): Promise<ActionOutcome> {
  const log: string[] = [];
  const actx = actionContext(ctx, log);
  try {
    const lane = await requireLaneByName(actx, laneName);
    let message: string;
    switch (action) {
      case 'start': {
        const run = await startAgent(actx, lane, { phase: 'implement' });
        message = `started ${run.agent} (${run.phase}) in ${lane.name}`;
        break;
      }
      case 'stop': {
        const run = await stopAgent(actx, lane);
        message = `${lane.name}: agent ${run.status}`;
        break;
      }
      case 'review': {
        const result = await reviewLane(actx, lane.name, {});
        message = `${lane.name}: round ${result.verdict.round} ${result.verdict.verdict} (${result.verdict.findings.length} findings)`;
        break;
      }
      case 'fix': {
        const result = await fixLane(actx, lane.name, {});
        message = `${lane.name}: fix round ${result.round} ${result.status}`;
        break;
      }
      case 'pr': {
        const result = await openPullRequest(actx, lane.name, {});
        message = `${lane.name}: ${result.request.url ?? 'local review request'} ${result.created ? 'opened' : 'updated'}`;
        break;
      }
      case 'rm': {
        const removed = await removeLane(actx, lane, {});
        message = `removed ${removed.name}${removed.backup ? ` (backup: ${removed.backup})` : ''}`;
        break;
      }
    }
    return { ok: true, message, exitCode: 0, details: [], log };
  } catch (err) {
    const details: string[] = [];
    if (err instanceof RefusedError) details.push(...err.reasons);
    if (err instanceof LanesError && err.hint) details.push(`hint: ${err.hint}`);
    return {
      ok: false,
      message: errorMessage(err),
      exitCode: err instanceof LanesError ? err.exitCode : 1,
      details,
      log,
    };
  }
}

const MAX_COMMENT_CHARS = 20_000;

/** A comment on lines of a lane's diff, stored as a finding of reviewer "you" for the next fix round. */
export async function addComment(
  ctx: Context,
  laneName: string,
  input: { file?: unknown; line?: unknown; endLine?: unknown; body?: unknown; severity?: unknown },
): Promise<CommentRecord> {
  const lane = await requireLaneByName(ctx, laneName);
  const { file, line, endLine, body } = input;
  const severity = input.severity ?? 'major';
  if (typeof file !== 'string' || file.length === 0 || file.length > 4096)
    throw new InputError('a comment needs "file": the path of a file in the diff');
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 1)
    throw new InputError('a comment needs "line": a line number of 1 or more');
  if (
    endLine !== undefined &&
    endLine !== null &&
    (typeof endLine !== 'number' || !Number.isInteger(endLine) || endLine < line)
  )
    throw new InputError('"endLine" must be a line number at or after "line"');
  if (typeof body !== 'string' || body.trim() === '' || body.length > MAX_COMMENT_CHARS)
    throw new InputError(`a comment needs "body": text of 1 to ${MAX_COMMENT_CHARS} characters`);
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity))
    throw new InputError(`"severity" must be one of ${SEVERITIES.join(', ')}`);
  const store = await ctx.store();
  return store.comments.add(
    lane.name,
    {
      file,
      line,
      endLine: typeof endLine === 'number' && endLine !== line ? endLine : null,
      severity: severity as Severity,
      body: body.trim(),
    },
    ctx.clock.now().toISOString(),
  );
}
