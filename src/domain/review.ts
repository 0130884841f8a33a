/**
 * Reviews as lanes keeps them: the reviewer's verdict, findings and spec audit, and the pure rules
 * for combining several reviewers (adversarial review) and judging what is still open. The shape
 * of the reviewer's answer on the wire is review-schema.ts; this is what the rest of lanes uses.
 */

export const VERDICTS = ['approve', 'request-changes'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const SEVERITIES = ['blocker', 'major', 'minor', 'nit'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_CATEGORIES = [
  'bug',
  'missing-test',
  'unmet-criterion',
  'scope-drift',
  'security',
  'style',
  'other',
] as const;
export type FindingCategory = (typeof FINDING_CATEGORIES)[number];

export const CRITERION_STATUSES = ['met', 'unmet', 'unclear'] as const;
export type CriterionStatus = (typeof CRITERION_STATUSES)[number];

/** How the implementer answered a finding in a fix round. */
export const FINDING_ANSWERS = ['fixed', 'disputed', 'deferred'] as const;
export type FindingAnswerStatus = (typeof FINDING_ANSWERS)[number];

/** How the next reviewer judged a disputed finding. */
export const DISPUTE_DECISIONS = ['upheld', 'dropped'] as const;
export type DisputeDecision = (typeof DISPUTE_DECISIONS)[number];

/** The name lanes' own findings carry in `reviewers` (failed commands, a bug fix without a test). */
export const LANES_REVIEWER = 'lanes';

export interface Finding {
  id: string;
  severity: Severity;
  category: FindingCategory;
  file: string | null;
  line: number | null;
  endLine: number | null;
  message: string;
  suggestion: string | null;
  confidence: number;
  /** Who raised it: agent names, `lanes` for lanes' own checks; two names when reviewers agreed. */
  reviewers: string[];
  /** The finding points at a file or lines the diff does not touch: kept, and marked so. */
  outsideDiff?: boolean;
}

export interface CriterionAudit {
  text: string;
  status: CriterionStatus;
  /** Where the diff meets (or misses) it: `file:line` references. */
  evidence: string[];
}

export interface Audit {
  criteria: CriterionAudit[];
  /** Files or behaviour the issue did not ask for. */
  scopeDrift: string[];
}

export interface DisputeJudgement {
  id: string;
  decision: DisputeDecision;
  reason: string;
}

/** One reviewer's answer, after lanes checked it against the schema. */
export interface ReviewerAnswer {
  verdict: Verdict;
  findings: Finding[];
  audit: Audit;
  /** Judgements of the previous round's disputed findings (empty in a first round). */
  disputes: DisputeJudgement[];
}

/** Where two reviewers disagree, for people to look at first. */
export interface Disagreement {
  kind: 'verdict' | 'finding';
  /** The finding (merged id) raised by only some reviewers; absent for a verdict disagreement. */
  findingId?: string;
  /** Who said what: reviewer → verdict, or the reviewers that raised the finding. */
  detail: string;
}

const SEVERITY_RANK: Record<Severity, number> = { blocker: 0, major: 1, minor: 2, nit: 3 };

/** The stricter of two verdicts: any request for changes wins. */
export function stricterVerdict(a: Verdict, b: Verdict): Verdict {
  return a === 'request-changes' || b === 'request-changes' ? 'request-changes' : 'approve';
}

/** Lines closer than this (and the same file and category) are the same finding seen twice. */
export const SAME_FINDING_LINE_DISTANCE = 3;

function sameFinding(a: Finding, b: Finding): boolean {
  if (a.category !== b.category || a.file !== b.file) return false;
  if (a.line === null || b.line === null) return a.line === b.line && a.file !== null;
  return Math.abs(a.line - b.line) <= SAME_FINDING_LINE_DISTANCE;
}

/**
 * Findings of several reviewers as one list: a finding two reviewers raised (same file, lines within
 * SAME_FINDING_LINE_DISTANCE, same category) becomes one with both names, the higher severity and
 * confidence, and the first reviewer's wording. A reviewer's own findings are never merged with each
 * other. Each reviewer's findings are taken in sorted order and paired with the closest candidate, so
 * the order a reviewer listed them in changes nothing. Output order: severity, then file and line,
 * then the rest of the finding, so the same inputs always give the same list.
 */
export function mergeFindings(byReviewer: readonly { reviewer: string; findings: readonly Finding[] }[]): Finding[] {
  const merged: Finding[] = [];
  for (const { reviewer, findings } of byReviewer) {
    for (const finding of sortFindings(findings)) {
      const own = { ...finding, reviewers: uniq([...finding.reviewers, reviewer]) };
      const match = closest(
        own,
        merged.filter((m) => sameFinding(m, own) && !own.reviewers.every((r) => m.reviewers.includes(r))),
      );
      if (!match) {
        merged.push(own);
        continue;
      }
      match.reviewers = uniq([...match.reviewers, ...own.reviewers]);
      if (SEVERITY_RANK[own.severity] < SEVERITY_RANK[match.severity]) match.severity = own.severity;
      match.confidence = Math.max(match.confidence, own.confidence);
      match.suggestion ??= own.suggestion;
      if (own.endLine !== null && (match.endLine === null || own.endLine > match.endLine)) match.endLine = own.endLine;
    }
  }
  return sortFindings(merged);
}

/** The candidate nearest to the finding's line (the lower line on a tie): pairing must not depend on list order. */
function closest(finding: Finding, candidates: readonly Finding[]): Finding | undefined {
  const distance = (c: Finding) => (c.line === null || finding.line === null ? 0 : Math.abs(c.line - finding.line));
  let best: Finding | undefined;
  for (const c of candidates) {
    if (!best || distance(c) < distance(best) || (distance(c) === distance(best) && (c.line ?? 0) < (best.line ?? 0)))
      best = c;
  }
  return best;
}

/** A total order: findings that differ in anything never tie, so sorting is independent of input order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const text = (s: string | null) => s ?? '\uffff';
  // localeCompare may call different strings equal; code units then decide.
  const cmp = (x: string, y: string) => x.localeCompare(y) || (x < y ? -1 : x > y ? 1 : 0);
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      cmp(text(a.file), text(b.file)) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.endLine ?? 0) - (b.endLine ?? 0) ||
      cmp(a.category, b.category) ||
      cmp(a.message, b.message) ||
      cmp(text(a.suggestion), text(b.suggestion)) ||
      a.confidence - b.confidence ||
      cmp(a.reviewers.join('\n'), b.reviewers.join('\n')) ||
      cmp(a.id, b.id),
  );
}

/**
 * The audit of several reviewers: per criterion (by its text) the worst status any gave (unmet over
 * unclear over met), with all their evidence; scope drift is the union.
 */
export function mergeAudits(audits: readonly Audit[]): Audit {
  const rank: Record<CriterionStatus, number> = { unmet: 0, unclear: 1, met: 2 };
  const criteria = new Map<string, CriterionAudit>();
  for (const audit of audits) {
    for (const c of audit.criteria) {
      const seen = criteria.get(c.text);
      if (!seen) criteria.set(c.text, { ...c, evidence: [...c.evidence] });
      else {
        if (rank[c.status] < rank[seen.status]) seen.status = c.status;
        seen.evidence = uniq([...seen.evidence, ...c.evidence]);
      }
    }
  }
  return { criteria: [...criteria.values()], scopeDrift: uniq(audits.flatMap((a) => a.scopeDrift)) };
}

/**
 * Where the reviewers of an adversarial review disagree: a verdict they do not share, and each merged
 * finding raised by only some of them.
 */
export function disagreementsOf(
  verdicts: readonly { reviewer: string; verdict: Verdict }[],
  merged: readonly Finding[],
): Disagreement[] {
  if (verdicts.length < 2) return [];
  const out: Disagreement[] = [];
  if (new Set(verdicts.map((v) => v.verdict)).size > 1)
    out.push({ kind: 'verdict', detail: verdicts.map((v) => `${v.reviewer}: ${v.verdict}`).join(', ') });
  const names = verdicts.map((v) => v.reviewer);
  for (const f of merged) {
    const raisedBy = f.reviewers.filter((r) => names.includes(r));
    if (raisedBy.length > 0 && raisedBy.length < names.length)
      out.push({ kind: 'finding', findingId: f.id, detail: `raised only by ${raisedBy.join(', ')}` });
  }
  return out;
}

/** Stable ids for a round's findings, in their sorted order: `R2-3` is round 2's third finding. */
export function numberFindings(round: number, findings: readonly Finding[]): Finding[] {
  return findings.map((f, i) => ({ ...f, id: `R${round}-${i + 1}` }));
}

/** Findings that hold a lane back: everything but nits. */
export function blocksApproval(finding: Pick<Finding, 'severity'>): boolean {
  return finding.severity !== 'nit';
}

/**
 * The verdict lanes records: the reviewers' (the stricter one), turned into a request for changes
 * when lanes' own checks found a blocker or a required audit has an unmet criterion. A reviewer can
 * be lenient; lanes' facts are not negotiable.
 */
export function effectiveVerdict(
  reviewerVerdict: Verdict,
  findings: readonly Finding[],
  audit: Audit,
  auditRequired: boolean,
): Verdict {
  if (findings.some((f) => f.reviewers.includes(LANES_REVIEWER) && f.severity === 'blocker')) return 'request-changes';
  if (auditRequired && audit.criteria.some((c) => c.status === 'unmet')) return 'request-changes';
  return reviewerVerdict;
}

function uniq<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
