/**
 * Write-back: what lanes tells the tracker about an issue's lane, each switch in
 * `issues.writeBack` — a comment when the lane starts (onStart), when its pull request opens
 * (onPullRequest, with the link) and when review gives a verdict (onVerdict), and moving the
 * issue to `moveTo` when the lane starts. The lane is the work; a tracker that refuses a comment
 * does not undo it, so failures come back as problems for the caller to report, never thrown.
 * Comments carry lane, branch, link and verdict only: never a token, path or environment value.
 */
import { errorMessage } from '../../domain/errors.js';
import type { IssueTarget } from '../../contracts/issue-source.js';
import type { Context } from '../context.js';

export type WriteBackEvent =
  | { kind: 'start'; lane: string; branch: string }
  | { kind: 'pull-request'; lane: string; url: string }
  | { kind: 'verdict'; lane: string; verdict: string; summary?: string | undefined };

export interface WriteBackOutcome {
  commented: boolean;
  moved: boolean;
  /** One line each, for stderr. */
  problems: string[];
}

/** The comment for an event, as markdown. */
export function writeBackText(event: WriteBackEvent): string {
  switch (event.kind) {
    case 'start':
      return `lanes started work on this issue in lane \`${event.lane}\` (branch \`${event.branch}\`).`;
    case 'pull-request':
      return `lanes opened a pull request for this issue from lane \`${event.lane}\`: ${event.url}`;
    case 'verdict':
      return `lanes review of lane \`${event.lane}\`: **${event.verdict}**${event.summary ? `\n\n${event.summary}` : ''}`;
  }
}

/**
 * Applies the configured write-back for one event. `source` is the issue's source name (a lane
 * records it); write-back settings belong to the configured source, so an issue of another
 * source gets none.
 */
export async function writeBack(
  ctx: Context,
  issue: IssueTarget & { source: string },
  event: WriteBackEvent,
): Promise<WriteBackOutcome> {
  const outcome: WriteBackOutcome = { commented: false, moved: false, problems: [] };
  const config = await ctx.config();
  if (config.issues.source !== issue.source) return outcome;
  const settings = config.issues.writeBack;
  if (!settings) return outcome;
  const wantComment =
    event.kind === 'start'
      ? settings.onStart
      : event.kind === 'pull-request'
        ? settings.onPullRequest
        : settings.onVerdict;
  const moveTo = event.kind === 'start' ? settings.moveTo : undefined;
  if (!wantComment && !moveTo) return outcome;

  const source = await ctx.issueSource();
  if (wantComment) {
    if (!source.comment) {
      outcome.problems.push(`issues.writeBack: the ${source.name} source cannot comment on issues`);
    } else {
      try {
        await source.comment(issue, writeBackText(event), ctx.signal);
        outcome.commented = true;
      } catch (err) {
        outcome.problems.push(`could not comment on issue ${issue.id}: ${errorMessage(err)}`);
      }
    }
  }
  if (moveTo) {
    if (!source.moveIssue) {
      outcome.problems.push(`issues.writeBack.moveTo: the ${source.name} source cannot move issues`);
    } else {
      try {
        await source.moveIssue(issue, moveTo, ctx.signal);
        outcome.moved = true;
      } catch (err) {
        outcome.problems.push(`could not move issue ${issue.id} to ${JSON.stringify(moveTo)}: ${errorMessage(err)}`);
      }
    }
  }
  return outcome;
}
