/**
 * Puts a round's verdict where the lane's review request is: one review on the GitHub pull request
 * (findings on lines of the diff as line comments, everything else in its body), or the local
 * record `<state dir>/reviews/<lane>/round-<n>.md`. Both are the same markdown
 * (domain/review-markdown.ts).
 *
 * The verdict is stored before this runs, so publishing never fails the review: a problem comes
 * back as `warning`. Publishing again is safe, so the way to retry is to run `lanes review <lane>`
 * again (it returns the stored review of the same head and publishes it): on GitHub a review whose
 * body starts with the round's marker is found and returned instead of posting a second one, and
 * the local record is simply rewritten.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InterruptedError, LanesError, errorMessage } from '../../domain/errors.js';
import { hunkRanges, rangeHolding, type LineRange } from '../../domain/diff-stat.js';
import type { LaneRecord } from '../../domain/lane.js';
import { findingComment, reviewMarkdown, reviewMarker } from '../../domain/review-markdown.js';
import type { Forge, ReviewComment } from '../../contracts/forge.js';
import { writeFileAtomic } from '../../infra/fs-atomic.js';
import * as git from '../../infra/git.js';
import type { ReviewRequestRecord, VerdictRecord } from '../../infra/review-store.js';
import type { Context } from '../context.js';

export interface PublishedReview {
  where: 'github' | 'local';
  /** The posted review's web address (GitHub); the record's path (local). */
  url: string | null;
  /** A problem posting it: the verdict stays stored; the message says how to post it again. */
  warning: string | null;
}

/** GitHub refuses a review body above 65536 characters; lanes stays below with room for the note. */
const MAX_BODY = 60_000;

export async function publishVerdict(ctx: Context, lane: LaneRecord, verdict: VerdictRecord): Promise<PublishedReview> {
  const store = await ctx.store();
  const request = store.reviews.getReviewRequest(lane.name, lane.createdAt);
  if (request?.kind === 'github' && request.number !== null) {
    let forge: Forge | undefined;
    try {
      forge = await ctx.forge();
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      return { where: 'github', url: null, warning: retryNote(lane, `the forge is not usable: ${errorMessage(err)}`) };
    }
    if (forge) return postOnForge(ctx, forge, lane, { ...request, number: request.number }, verdict);
    const local = writeLocalRecord(store.dir, lane, verdict);
    return {
      ...local,
      warning:
        local.warning ??
        `pull request #${request.number} is on GitHub, but this repository has no forge configured now; the review was written to ${local.url}`,
    };
  }
  return writeLocalRecord(store.dir, lane, verdict);
}

function writeLocalRecord(stateDir: string, lane: LaneRecord, verdict: VerdictRecord): PublishedReview {
  const dir = join(stateDir, 'reviews', lane.name);
  const file = join(dir, `round-${verdict.round}.md`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, reviewMarkdown(verdict));
    return { where: 'local', url: file, warning: null };
  } catch (err) {
    return { where: 'local', url: null, warning: retryNote(lane, `could not write ${file}: ${errorMessage(err)}`) };
  }
}

async function postOnForge(
  ctx: Context,
  forge: Forge,
  lane: LaneRecord,
  request: ReviewRequestRecord & { number: number },
  verdict: VerdictRecord,
): Promise<PublishedReview> {
  const { number } = request;
  const marker = reviewMarker(verdict);
  try {
    const posted = await forge.findReview(number, marker, ctx.signal);
    if (posted) return { where: 'github', url: posted, warning: null };
    const comments = await lineComments(ctx, verdict);
    try {
      const url = await forge.postReview(number, review(lane, verdict, comments), ctx.signal);
      return { where: 'github', url, warning: null };
    } catch (err) {
      // A line GitHub does not place on its diff (a rename seen differently, a head it lacks) refuses
      // the whole review: post it again with every finding in the body, and say so.
      if (comments.length === 0 || statusOf(err) !== 422) throw err;
      const url = await forge.postReview(number, review(lane, verdict, []), ctx.signal);
      return {
        where: 'github',
        url,
        warning: `${errorMessage(err)}; the review was posted with every finding in its body instead of as line comments`,
      };
    }
  } catch (err) {
    if (err instanceof InterruptedError || ctx.signal.aborted) throw err;
    // GitHub places comments on the commit reviewed; one lanes pr has not pushed is unknown to it.
    const unpushed =
      request.head === verdict.head
        ? ''
        : ` (the reviewed commit ${verdict.head.slice(0, 12)} is not the one lanes pr pushed, ${request.head.slice(0, 12)}: run lanes pr ${lane.name} first)`;
    return {
      where: 'github',
      url: null,
      warning: retryNote(lane, `could not post the review on pull request #${number}: ${errorMessage(err)}${unpushed}`),
    };
  }
}

function review(lane: LaneRecord, verdict: VerdictRecord, comments: (ReviewComment & { id: string })[]) {
  let body = reviewMarkdown(verdict, { inline: new Set(comments.map((c) => c.id)) });
  if (body.length > MAX_BODY)
    body = `${body.slice(0, MAX_BODY)}\n\n… (cut: too long for GitHub; \`lanes review ${lane.name} --json\` has all of it)\n`;
  return { commitId: verdict.head, body, comments: comments.map(({ id: _id, ...c }) => c) };
}

/**
 * Findings GitHub can show on the diff: a file and a line inside one of the file's hunks (context
 * lines count, as on GitHub), not marked outside the diff. A range stays a range when its last line
 * is in the same hunk.
 */
async function lineComments(ctx: Context, verdict: VerdictRecord): Promise<(ReviewComment & { id: string })[]> {
  const repo = await ctx.repo();
  const hunks = new Map<string, LineRange[]>();
  const out: (ReviewComment & { id: string })[] = [];
  for (const f of verdict.findings) {
    if (f.file === null || f.line === null || f.outsideDiff) continue;
    let ranges = hunks.get(f.file);
    if (!ranges) {
      const patch = await git.git(
        repo.mainRoot,
        ['diff', '--no-ext-diff', '--no-color', '-U3', verdict.base, verdict.head, '--', `:(literal)${f.file}`],
        { check: false, signal: ctx.signal },
      );
      ranges = patch.exitCode === 0 ? hunkRanges(patch.stdout) : [];
      hunks.set(f.file, ranges);
    }
    const range = rangeHolding(ranges, f.line);
    if (!range) continue;
    const last = f.endLine !== null && f.endLine > f.line && f.endLine <= range[1] ? f.endLine : f.line;
    out.push({
      id: f.id,
      path: f.file,
      line: last,
      ...(last > f.line ? { startLine: f.line } : {}),
      body: findingComment(f),
    });
  }
  return out;
}

function statusOf(err: unknown): number | undefined {
  const cause = err instanceof LanesError ? err.cause : err;
  const status = (cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function retryNote(lane: LaneRecord, problem: string): string {
  return `${problem}; the verdict is stored, and lanes review ${lane.name} publishes it again`;
}
