/**
 * The title and body lanes gives a lane's pull request: the issue's title; a summary from the
 * commits, the issue link, `Closes #N` for a GitHub issue (GitHub then closes it on merge), the
 * acceptance criteria as a checklist for the reviewer, and a marker that says lanes wrote it.
 * Issue text and commit subjects are someone else's words: they are placed as text, each on one
 * line, never able to add headings or fake the marker.
 */

export interface PullRequestIssue {
  id: string;
  title: string;
  source: string;
  url: string;
}

export interface PullRequestBodyInput {
  lane: string;
  issue: PullRequestIssue;
  acceptanceCriteria: readonly string[];
  /** Subjects of the commits base..head, oldest first. */
  commits: readonly string[];
  /** The closing reference (`#12`, or `owner/repo#12` for another repository); null when the issue is not on GitHub. */
  closes: string | null;
}

/** The marker comment that identifies a pull request lanes opened for a lane. */
export function pullRequestMarker(lane: string): string {
  return `<!-- lanes:pull-request lane=${oneLine(lane).replace(/-->/g, '')} -->`;
}

/** Longest title GitHub takes is 256 characters; beyond it the title is cut with an ellipsis. */
export const MAX_TITLE = 256;

export function pullRequestTitle(issue: Pick<PullRequestIssue, 'id' | 'title'>): string {
  const title = oneLine(issue.title) || `Issue ${oneLine(issue.id)}`;
  return title.length <= MAX_TITLE ? title : `${title.slice(0, MAX_TITLE - 1)}…`;
}

/** The commits shown in the summary at most; the rest are counted. */
export const MAX_SUMMARY_COMMITS = 50;

export function pullRequestBody(input: PullRequestBodyInput): string {
  const out: string[] = [];
  const commits = input.commits.map(oneLine).filter(Boolean);
  out.push('## Summary', '');
  if (commits.length === 0) out.push('_No commit subjects._');
  for (const subject of commits.slice(0, MAX_SUMMARY_COMMITS)) out.push(`- ${listText(subject)}`);
  if (commits.length > MAX_SUMMARY_COMMITS) out.push(`- … and ${commits.length - MAX_SUMMARY_COMMITS} more commits`);
  out.push('', '## Issue', '', issueLine(input.issue));
  if (input.closes) out.push('', `Closes ${input.closes}`);
  if (input.acceptanceCriteria.length > 0) {
    out.push('', '## Acceptance criteria', '');
    for (const criterion of input.acceptanceCriteria) out.push(`- [ ] ${listText(oneLine(criterion))}`);
  }
  out.push(
    '',
    '---',
    `_Opened by lanes from lane \`${inlineCode(input.lane)}\`; running \`lanes pr\` again updates this description._`,
    pullRequestMarker(input.lane),
  );
  return `${out.join('\n')}\n`;
}

function issueLine(issue: PullRequestIssue): string {
  const title = escapeText(oneLine(issue.title));
  const id = oneLine(issue.id);
  // A local issue's URL is a file on the author's machine: useless to anyone reading the pull request.
  if (/^https?:\/\//i.test(issue.url))
    return `[${escapeText(id)}: ${title}](${issue.url.replace(/[()\s]/g, encodeURIComponent)})`;
  return `${escapeText(id)}: ${title} (a ${escapeText(oneLine(issue.source))} issue)`;
}

/** Newlines and other control characters become spaces, so text stays on its line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** Characters that would make text a link, an image, HTML or emphasis across the line. */
function escapeText(text: string): string {
  return text.replace(/[\\[\]<>*_`]/g, (c) => `\\${c}`);
}

/** A list item's text that cannot start a heading, quote or nested list of its own. */
function listText(text: string): string {
  return text.replace(/^([#>+*-]|\d+[.)])/, '\\$1');
}

function inlineCode(text: string): string {
  return oneLine(text).replace(/`/g, "'");
}
