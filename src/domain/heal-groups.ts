/**
 * `lanes heal`'s deterministic part: which stored findings taught a lesson, and which of them are
 * "the same kind of mistake". Pure: the use case feeds it the verdicts and answers of every lane.
 *
 * Direction of a finding (what kind of rule it can teach):
 * - implementer: the finding stood. Its implementer answered it `fixed`, or disputed it and a
 *   later round's reviewer upheld the dispute (it was raised again).
 * - reviewer: a later round's reviewer dropped it after the implementer disputed it (a false alarm).
 * Anything else (deferred, unanswered, still open) teaches nothing yet and is left out.
 *
 * Similarity: two findings are alike when they have the same direction and category and the
 * Jaccard index of their message tokens is at least `similarity` (default 0.5). Tokens are the
 * message lower-cased, split on anything but letters and digits, without stop words, numbers and
 * words shorter than 3 letters, plurals folded. Groups are the connected components of
 * "alike" (so the result does not depend on the order findings come in). A group's path scope is
 * what its findings' files share: their deepest common folder (`src/api/**`), else their common
 * extension (`**\/*.ts`), else none; findings without a file leave the scope open. The path is the
 * rule's scope, not a condition of grouping: the same mistake in two folders is still one lesson.
 *
 * A group qualifies when it spans at least `minLanes` lanes or holds at least `minFindings`
 * findings. Groups come largest first, then by category, then by their first finding; findings
 * inside a group by lane, round and id.
 */
import type { DisputeJudgement, Finding, FindingAnswerStatus, FindingCategory } from './review.js';
import { shortHash } from './naming.js';

export const HEAL_DIRECTIONS = ['implementer', 'reviewer'] as const;
export type HealDirection = (typeof HEAL_DIRECTIONS)[number];

/** The parts of a stored verdict grouping reads. */
export interface HealVerdictFacts {
  id: number;
  lane: string;
  round: number;
  findings: readonly Finding[];
  disputes: readonly DisputeJudgement[];
  createdAt: string;
}

/** The parts of a stored answer to a finding grouping reads. */
export interface HealAnswerFacts {
  lane: string;
  round: number;
  finding: string;
  status: FindingAnswerStatus;
  answeredAt: string;
}

/** A finding that taught something, with where it came from. */
export interface HealFinding {
  /** Stable across runs: the verdict that first listed it and its id there (`12:R1-2`). */
  key: string;
  lane: string;
  round: number;
  id: string;
  category: FindingCategory;
  severity: Finding['severity'];
  file: string | null;
  line: number | null;
  message: string;
  direction: HealDirection;
  /** When the verdict that listed it was made. */
  at: string;
}

export interface HealGroup {
  /** Stable for the same findings: direction, category and a hash of the finding keys. */
  id: string;
  direction: HealDirection;
  category: FindingCategory;
  findings: HealFinding[];
  lanes: string[];
  /** Path globs the findings share (empty: no common scope). */
  scope: string[];
  /** The tokens most of the findings share, for people reading the group. */
  terms: string[];
}

export interface HealThresholds {
  minLanes: number;
  minFindings: number;
  similarity: number;
}

export const DEFAULT_HEAL_THRESHOLDS: HealThresholds = { minLanes: 2, minFindings: 3, similarity: 0.5 };

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how if in into is it its ' +
    'may might must no not of on or our should so such than that the their them then there these this those ' +
    'to too was were what when where which while who why will with would you your here also only just very ' +
    'any all each other some more most same new one two use used uses using'
  ).split(' '),
);

/** The message's distinctive words, as a sorted list without repeats. */
export function messageTokens(message: string): string[] {
  const words = message
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !/^\d+$/.test(w) && !STOP_WORDS.has(w))
    .map(singular);
  return [...new Set(words)].sort();
}

/** A plural folded to its singular, roughly (crashes → crash, inputs → input; class stays). */
function singular(w: string): string {
  if (w.length > 5 && /(?:ss|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'))
    return w.slice(0, -1);
  return w;
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  const setB = new Set(b);
  const shared = a.filter((t) => setB.has(t)).length;
  return shared / (a.length + b.length - shared);
}

/**
 * The findings that taught something, each once (a finding carried into a later round keeps the
 * verdict that first listed it). Answers and disputes count only when they came after the verdict
 * (a later lane of a removed lane's name starts clean).
 */
export function classifyFindings(
  verdicts: readonly HealVerdictFacts[],
  answers: readonly HealAnswerFacts[],
): HealFinding[] {
  const ordered = [...verdicts].sort((a, b) => a.id - b.id);
  const seen = new Set<string>();
  const out: HealFinding[] = [];
  for (const verdict of ordered) {
    for (const f of verdict.findings) {
      const laneId = `${verdict.lane}\0${f.id}`;
      if (seen.has(laneId)) continue;
      seen.add(laneId);
      const later = ordered.filter((v) => v.lane === verdict.lane && v.id > verdict.id);
      const judgements = later.flatMap((v) => v.disputes.filter((d) => d.id === f.id));
      const answered = answers.filter(
        (a) => a.lane === verdict.lane && a.finding === f.id && a.answeredAt >= verdict.createdAt,
      );
      const direction: HealDirection | undefined = judgements.some((d) => d.decision === 'dropped')
        ? 'reviewer'
        : judgements.some((d) => d.decision === 'upheld') || answered.some((a) => a.status === 'fixed')
          ? 'implementer'
          : undefined;
      if (!direction) continue;
      out.push({
        key: `${verdict.id}:${f.id}`,
        lane: verdict.lane,
        round: verdict.round,
        id: f.id,
        category: f.category,
        severity: f.severity,
        file: f.file,
        line: f.line,
        message: f.message,
        direction,
        at: verdict.createdAt,
      });
    }
  }
  return out;
}

function compareFindings(a: HealFinding, b: HealFinding): number {
  return a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : a.round - b.round || naturalCompare(a.id, b.id);
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Whether two findings are the same kind of mistake (same direction and category, alike messages). */
export function alike(a: HealFinding, b: HealFinding, similarity: number): boolean {
  return (
    a.direction === b.direction &&
    a.category === b.category &&
    jaccard(messageTokens(a.message), messageTokens(b.message)) >= similarity
  );
}

/**
 * Every group of alike findings (qualifying or not, so callers can say why nothing qualified),
 * in a stable order. `exclude`: keys of findings a stored rule already stands on.
 */
export function groupFindings(
  findings: readonly HealFinding[],
  thresholds: HealThresholds,
  exclude: ReadonlySet<string> = new Set(),
): HealGroup[] {
  const items = findings.filter((f) => !exclude.has(f.key)).sort(compareFindings);
  const tokens = items.map((f) => messageTokens(f.message));
  const parent = items.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i]!;
      const b = items[j]!;
      if (a.direction !== b.direction || a.category !== b.category) continue;
      if (jaccard(tokens[i]!, tokens[j]!) < thresholds.similarity) continue;
      const [ri, rj] = [root(i), root(j)];
      if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    }
  }
  const members = new Map<number, number[]>();
  items.forEach((_, i) => {
    const r = root(i);
    members.set(r, [...(members.get(r) ?? []), i]);
  });
  const groups = [...members.values()].map((idx) => {
    const fs = idx.map((i) => items[i]!);
    const first = fs[0]!;
    return {
      id: `${first.direction}-${first.category}-${shortHash(fs.map((f) => f.key).join('\n'))}`,
      direction: first.direction,
      category: first.category,
      findings: fs,
      lanes: [...new Set(fs.map((f) => f.lane))].sort(),
      scope: sharedScope(fs.map((f) => f.file)),
      terms: commonTerms(idx.map((i) => tokens[i]!)),
    };
  });
  return groups.sort(
    (a, b) =>
      b.findings.length - a.findings.length ||
      (a.category < b.category ? -1 : a.category > b.category ? 1 : 0) ||
      compareFindings(a.findings[0]!, b.findings[0]!),
  );
}

export function qualifies(group: HealGroup, thresholds: HealThresholds): boolean {
  return group.lanes.length >= thresholds.minLanes || group.findings.length >= thresholds.minFindings;
}

/** The path globs a set of files share; empty when any finding has no file or nothing is shared. */
export function sharedScope(files: readonly (string | null)[]): string[] {
  if (files.length === 0 || files.some((f) => f === null || f === '')) return [];
  const paths = (files as string[]).map((f) => f.replace(/\\/g, '/').replace(/^\.\//, ''));
  const dirs = paths.map((p) => p.split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0]![i]); i++) common.push(dirs[0]![i]!);
  if (common.length > 0) return [`${common.join('/')}/**`];
  const exts = paths.map((p) => /\.([A-Za-z0-9]+)$/.exec(p.split('/').pop()!)?.[1]);
  if (exts[0] !== undefined && exts.every((e) => e === exts[0])) return [`**/*.${exts[0]}`];
  return [];
}

/** The tokens more than half of the findings hold (both of two), most shared first. */
function commonTerms(lists: readonly string[][]): string[] {
  const counts = new Map<string, number>();
  for (const list of lists) for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([, n]) => n * 2 > lists.length || n === lists.length)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([t]) => t)
    .slice(0, 8);
}

/**
 * For `lanes heal --report`: whether a finding is of a rule's kind (same category, alike to one of
 * the findings the rule cites). Direction is not asked: a finding counts when it was raised at all.
 */
export function ofKind(
  finding: Pick<Finding, 'category' | 'message'>,
  rule: { category: FindingCategory; messages: readonly string[] },
  similarity: number,
): boolean {
  if (finding.category !== rule.category) return false;
  const t = messageTokens(finding.message);
  return rule.messages.some((m) => jaccard(t, messageTokens(m)) >= similarity);
}
