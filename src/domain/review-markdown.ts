/**
 * A review round as markdown: the body of the review lanes posts on a GitHub pull request, and the
 * local record (`reviews/<lane>/round-<n>.md`) when there is no forge. One format for both: the
 * verdict, counts by severity, the criteria audit as a table with its evidence, scope drift, where
 * reviewers disagree, judged disputes, and the findings. On GitHub the findings that sit on a line
 * of the diff go out as line comments (`findingComment`) and the body lists the rest.
 *
 * Reviewers' words are data: they are placed as text (one line in tables, no headings of their own)
 * and the marker on the first line is lanes' alone, so a round posted once is found again.
 */
import {
  SEVERITIES,
  type Audit,
  type Disagreement,
  type DisputeJudgement,
  type Finding,
  type Verdict,
} from './review.js';

/** What the markdown needs of a stored verdict (VerdictRecord has all of it). */
export interface ReviewReport {
  lane: string;
  round: number;
  head: string;
  base: string;
  verdict: Verdict;
  findings: readonly Finding[];
  audit: Audit;
  disputes: readonly DisputeJudgement[];
  disagreements: readonly Disagreement[];
  reviewers: readonly string[];
  adversarial: boolean;
  createdAt: string;
}

export interface ReviewMarkdownOptions {
  /** Findings (by id) posted as line comments: counted, not repeated. */
  inline?: ReadonlySet<string>;
}

/** The first line of every review lanes writes: which lane, round and head it belongs to. */
export function reviewMarker(report: Pick<ReviewReport, 'lane' | 'round' | 'head'>): string {
  return `<!-- lanes:review lane=${report.lane.replace(/[^\w.-]/g, '_')} round=${report.round} head=${report.head.replace(/[^0-9a-f]/gi, '')} -->`;
}

const VERDICT_TEXT: Record<Verdict, string> = { approve: 'approved', 'request-changes': 'changes requested' };

export function reviewMarkdown(report: ReviewReport, opts: ReviewMarkdownOptions = {}): string {
  const inline = opts.inline ?? new Set<string>();
  const out: string[] = [reviewMarker(report)];
  out.push(`## lanes review, round ${report.round}: ${VERDICT_TEXT[report.verdict]}`, '');
  const reviewers = report.reviewers.length ? report.reviewers.map(oneLine).join(', ') : 'nobody';
  out.push(
    `Lane \`${code(report.lane)}\`, head \`${short(report.head)}\` against base \`${short(report.base)}\`; reviewed by ${reviewers}${report.adversarial ? ' (adversarial)' : ''} at ${oneLine(report.createdAt)}.`,
    '',
  );
  out.push(severityLine(report.findings), '');

  out.push('### Acceptance criteria', '');
  if (report.audit.criteria.length === 0) out.push('_No criteria audited this round._', '');
  else {
    out.push('| Status | Criterion | Evidence |', '| --- | --- | --- |');
    for (const c of report.audit.criteria)
      out.push(
        `| ${c.status} | ${cell(c.text)} | ${c.evidence.length ? c.evidence.map((e) => `\`${code(e)}\``).join(', ') : '—'} |`,
      );
    out.push('');
  }

  out.push('### Scope drift', '');
  if (report.audit.scopeDrift.length === 0) out.push('_None found._', '');
  else out.push(...report.audit.scopeDrift.map((d) => `- ${oneLine(d)}`), '');

  if (report.disagreements.length > 0) {
    out.push('### Where the reviewers disagree', '');
    for (const d of report.disagreements)
      out.push(
        `- ${d.kind === 'verdict' ? 'verdict' : `finding ${oneLine(d.findingId ?? '?')}`}: ${oneLine(d.detail)}`,
      );
    out.push('');
  }

  if (report.disputes.length > 0) {
    out.push('### Disputed findings', '');
    for (const d of report.disputes) out.push(`- ${oneLine(d.id)}: ${d.decision}. ${oneLine(d.reason)}`);
    out.push('');
  }

  const listed = report.findings.filter((f) => !inline.has(f.id));
  const onLines = report.findings.length - listed.length;
  out.push(onLines > 0 ? '### Findings not on a line of the diff' : '### Findings', '');
  if (onLines > 0)
    out.push(`${onLines} finding${onLines === 1 ? ' is a line comment' : 's are line comments'} on the diff.`, '');
  if (listed.length === 0 && onLines === 0) out.push('_None._', '');
  for (const f of listed) out.push(...findingSection(f), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** A finding as a line comment on the diff. */
export function findingComment(f: Finding): string {
  return [`**${f.severity}** · ${f.category} · ${oneLine(f.id)}`, '', ...findingText(f)].join('\n');
}

function findingSection(f: Finding): string[] {
  const where = f.file ? `\`${code(f.file)}${lineText(f)}\`${f.outsideDiff ? ' (outside the diff)' : ''}` : 'no file';
  return [`#### ${oneLine(f.id)} · ${f.severity} · ${f.category}`, '', where, '', ...findingText(f)];
}

function findingText(f: Finding): string[] {
  const out = [block(f.message)];
  if (f.suggestion) out.push('', `**Suggestion:** ${block(f.suggestion)}`);
  const by = f.reviewers.map(oneLine).join(', ') || 'a reviewer';
  out.push('', `_Raised by ${by}, confidence ${f.confidence}._`);
  return out;
}

function lineText(f: Finding): string {
  if (f.line === null) return '';
  return f.endLine !== null && f.endLine > f.line ? `:${f.line}-${f.endLine}` : `:${f.line}`;
}

function severityLine(findings: readonly Finding[]): string {
  if (findings.length === 0) return '**No findings.**';
  const counts = SEVERITIES.map((s) => `${findings.filter((f) => f.severity === s).length} ${s}`);
  return `**${findings.length} finding${findings.length === 1 ? '' : 's'}:** ${counts.join(', ')}.`;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/** Newlines and other control characters become spaces, so text stays on its line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** A table cell: one line, no column breaks. */
function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}

/** Inside backticks: a backtick would end the span. */
function code(text: string): string {
  return oneLine(text).replace(/`/g, "'");
}

/** Several lines of a reviewer's text, none of which can open a heading or an HTML comment. */
function block(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((line) => line.replace(/^(\s*)(#|<!--)/, '$1\\$2'))
    .join('\n');
}
