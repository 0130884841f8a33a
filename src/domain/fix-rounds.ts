/**
 * The pure rules of fix rounds (lanes fix, lanes run --until approve): what a fixer is asked to
 * answer, how its answers meet the findings, what a round's verdict leads to, and which reviewers
 * run again. No I/O: the use cases (app/validation/fix-lane.ts, app/run-pipeline.ts) feed it.
 */
import {
  LANES_REVIEWER,
  SEVERITIES,
  type DisputeJudgement,
  type Finding,
  type FindingAnswerStatus,
  type Severity,
  type Verdict,
} from './review.js';

/** A finding the implementer disputed earlier and the reviewer upheld: it stands, to be answered again. */
export interface UpheldDispute {
  finding: Finding;
  /** Why the implementer disputed it (its earlier answer); null when that answer is not found. */
  disputeReason: string | null;
  /** Why the reviewer upheld it. */
  reviewerReason: string;
}

/** What a fix round hands the implementer: the round's findings and the disputes the reviewer upheld. */
export interface FixAssignment {
  round: number;
  findings: Finding[];
  upheld: UpheldDispute[];
}

/** The parts of a stored verdict and answer these rules read. */
export interface VerdictFacts {
  round: number;
  verdict: Verdict;
  findings: readonly Finding[];
  disputes: readonly DisputeJudgement[];
}
export interface AnswerFacts {
  round: number;
  finding: string;
  status: FindingAnswerStatus;
  reason: string | null;
}

/**
 * The findings a fix round must answer: every finding of the latest verdict, and each dispute the
 * reviewer upheld whose finding that verdict does not list again (found by id in earlier verdicts).
 */
export function fixAssignment(
  latest: VerdictFacts,
  earlier: readonly VerdictFacts[],
  answers: readonly AnswerFacts[],
): FixAssignment {
  const listed = new Set(latest.findings.map((f) => f.id));
  const upheld: UpheldDispute[] = [];
  for (const judgement of latest.disputes) {
    if (judgement.decision !== 'upheld' || listed.has(judgement.id)) continue;
    const finding = [...earlier]
      .reverse()
      .flatMap((v) => v.findings)
      .find((f) => f.id === judgement.id);
    if (!finding) continue;
    const dispute = [...answers].reverse().find((a) => a.finding === judgement.id && a.status === 'disputed');
    upheld.push({ finding, disputeReason: dispute?.reason ?? null, reviewerReason: judgement.reason });
    listed.add(judgement.id);
  }
  return { round: latest.round, findings: [...latest.findings], upheld };
}

/** Every finding id the fixer must answer, in prompt order. */
export function assignedIds(assignment: FixAssignment): string[] {
  return [...assignment.findings.map((f) => f.id), ...assignment.upheld.map((u) => u.finding.id)];
}

export interface GivenAnswer {
  id: string;
  status: FindingAnswerStatus;
  commit: string | null;
  reason: string | null;
}

export interface MatchedAnswers {
  /** One answer per assigned id that was answered (the last one given, should the fixer repeat itself). */
  answered: Map<string, GivenAnswer>;
  /** Assigned ids with no answer: they stay open. */
  unanswered: string[];
  /** Ids answered that were not assigned: ignored, and reported. */
  unknown: string[];
}

export function matchAnswers(assigned: readonly string[], given: readonly GivenAnswer[]): MatchedAnswers {
  const wanted = new Set(assigned);
  const answered = new Map<string, GivenAnswer>();
  const unknown: string[] = [];
  for (const answer of given) {
    if (wanted.has(answer.id)) answered.set(answer.id, answer);
    else if (!unknown.includes(answer.id)) unknown.push(answer.id);
  }
  return { answered, unanswered: assigned.filter((id) => !answered.has(id)), unknown };
}

export type SeverityCounts = Record<Severity, number> & { total: number };

export function severityCounts(findings: readonly Pick<Finding, 'severity'>[]): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return { ...counts, total: findings.length };
}

/** What follows a round's verdict in `lanes run --until approve`. */
export type RoundStep = 'approved' | 'fix' | 'needs-you';

/**
 * Approved ends the loop; a request for changes gets a fix round while rounds remain, and stops at
 * the limit (`maxRounds` review rounds, so at most maxRounds - 1 fix rounds): never a loop on.
 */
export function nextRoundStep(verdict: Verdict, round: number, maxRounds: number): RoundStep {
  if (verdict === 'approve') return 'approved';
  return round >= maxRounds ? 'needs-you' : 'fix';
}

/**
 * The reviewers a later round runs again: those that raised a finding of the previous round (lanes'
 * own checks always run and are not a reviewer to choose). Undefined when only lanes' checks found
 * something: every reviewer runs again then, rather than none.
 */
export function reviewersToRerun(findings: readonly Pick<Finding, 'reviewers'>[]): string[] | undefined {
  const names = [...new Set(findings.flatMap((f) => f.reviewers))].filter((r) => r !== LANES_REVIEWER);
  return names.length > 0 ? names.sort() : undefined;
}

/** `file:line-end`, `file` or `(whole change)`: where a finding points, for prompts and tables. */
export function findingPlace(f: Pick<Finding, 'file' | 'line' | 'endLine'>): string {
  if (f.file === null) return '(whole change)';
  if (f.line === null) return f.file;
  return `${f.file}:${f.line}${f.endLine !== null && f.endLine !== f.line ? `-${f.endLine}` : ''}`;
}

/** How the next review of a lane in `lanes run --until approve` is asked for. */
export interface ReviewPlan {
  /** The round the review belongs to. */
  round: number;
  /** Review even an unchanged head (a fix round that only disputed or deferred leaves the head as it was). */
  again: boolean;
  /** Only these reviewers run again; undefined: all. */
  only: string[] | undefined;
  /** Whether the reviewers repeat the acceptance-criteria audit. */
  audit: boolean;
}

/**
 * The next review after `latest` (the lane's newest verdict, if any). A fix run that finished since
 * opens the next round: of several reviewers only those that raised findings run again, and the
 * criteria audit is repeated on the final round, or sooner while a criterion is not yet met (a
 * carried audit would hold the verdict back). Without a fix since, the review stays in its round
 * (the stored one when the head is unchanged).
 */
export function nextReviewPlan(
  latest:
    | {
        round: number;
        reviewers: readonly string[];
        findings: readonly Pick<Finding, 'reviewers'>[];
        audit: { criteria: readonly { status: string }[] };
      }
    | undefined,
  fixedSince: boolean,
  maxRounds: number,
): ReviewPlan {
  if (!latest) return { round: 1, again: false, only: undefined, audit: true };
  if (!fixedSince) return { round: latest.round, again: false, only: undefined, audit: true };
  const round = latest.round + 1;
  return {
    round,
    again: true,
    only: latest.reviewers.length > 1 ? reviewersToRerun(latest.findings) : undefined,
    audit: round >= maxRounds || latest.audit.criteria.some((c) => c.status !== 'met'),
  };
}
