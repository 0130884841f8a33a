/**
 * Validation's part of the state file (tables of migration 5 in store.ts): the lane's review request
 * (a GitHub pull request or the local record), each reviewer's review, the combined verdict of a
 * round, and the implementer's answers to findings. Rows are kept after a lane is removed (they are
 * the history `lanes stats` and `lanes heal` read); readers of one lane pass the lane's `createdAt`
 * as `since`, so a later lane of the same name starts clean.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type {
  Audit,
  Disagreement,
  DisputeJudgement,
  Finding,
  FindingAnswerStatus,
  ReviewerAnswer,
  Verdict,
} from '../domain/review.js';
import type { DiffStat } from '../domain/diff-stat.js';

export type { DiffStat } from '../domain/diff-stat.js';

/** What `lanes pr` recorded: the pull request, or the local review request when there is no forge. */
export interface ReviewRequestRecord {
  lane: string;
  kind: 'github' | 'local';
  /** The pull request's number and web address (GitHub); null for a local record. */
  number: number | null;
  url: string | null;
  /** The base branch and the commit the diff is taken from (the merge base). */
  base: string;
  baseCommit: string;
  /** The head commit the request was opened or last updated at. */
  head: string;
  diffStat: DiffStat;
  draft: boolean;
  /** The remote the branch was pushed to; null when nothing was pushed. */
  pushedTo: string | null;
  createdAt: string;
  updatedAt: string;
}

export type ReviewStatus = 'running' | 'done' | 'failed';

/** One reviewer's review of one head commit (its runs: the first attempt and at most one retry). */
export interface ReviewRecord {
  id: number;
  lane: string;
  round: number;
  head: string;
  /** The commit the diff was taken from. */
  base: string;
  /** The agent name (a key of `agents`, or an adapter name). */
  reviewer: string;
  adapter: string;
  model: string | null;
  status: ReviewStatus;
  runIds: number[];
  answer: ReviewerAnswer | null;
  /** Whether this review was asked for the criteria audit (later rounds may skip it). */
  audited: boolean;
  error: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** A round's result: every reviewer of it combined, with lanes' own findings. */
export interface VerdictRecord {
  id: number;
  lane: string;
  round: number;
  head: string;
  base: string;
  verdict: Verdict;
  findings: Finding[];
  audit: Audit;
  disputes: DisputeJudgement[];
  disagreements: Disagreement[];
  reviewers: string[];
  reviewIds: number[];
  adversarial: boolean;
  createdAt: string;
}

export interface FindingAnswerRecord {
  lane: string;
  round: number;
  finding: string;
  status: FindingAnswerStatus;
  commit: string | null;
  reason: string | null;
  /** The fix run that answered. */
  runId: number | null;
  answeredAt: string;
}

interface DataRow {
  data: string;
}

interface ReviewRow {
  id: number;
  lane: string;
  round: number;
  head: string;
  reviewer: string;
  status: ReviewStatus;
  data: string;
  started_at: string;
}

type ReviewData = Omit<ReviewRecord, 'id' | 'lane' | 'round' | 'head' | 'reviewer' | 'status' | 'startedAt'>;

function reviewFromRow(row: ReviewRow): ReviewRecord {
  const data = JSON.parse(row.data) as ReviewData;
  return {
    ...data,
    id: row.id,
    lane: row.lane,
    round: row.round,
    head: row.head,
    reviewer: row.reviewer,
    status: row.status,
    startedAt: row.started_at,
  };
}

interface VerdictRow {
  id: number;
  data: string;
}

export class ReviewStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  // ---- review requests ----

  putReviewRequest(record: ReviewRequestRecord): void {
    this.db
      .prepare(
        'INSERT INTO review_requests (lane, data) VALUES (?, ?) ON CONFLICT(lane) DO UPDATE SET data = excluded.data',
      )
      .run(record.lane, JSON.stringify(record));
  }

  /** The lane's request; `since` (the lane's createdAt) ignores one an earlier lane of the name left. */
  getReviewRequest(lane: string, since = ''): ReviewRequestRecord | undefined {
    const row = this.db.prepare<[string], DataRow>('SELECT data FROM review_requests WHERE lane = ?').get(lane);
    if (!row) return undefined;
    const record = JSON.parse(row.data) as ReviewRequestRecord;
    return record.createdAt >= since ? record : undefined;
  }

  // ---- reviews ----

  insertReview(review: Omit<ReviewRecord, 'id'>): number {
    const { lane, round, head, reviewer, status, startedAt, ...data } = review;
    const res = this.db
      .prepare(
        'INSERT INTO reviews (lane, round, head, reviewer, status, data, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(lane, round, head, reviewer, status, JSON.stringify(data), startedAt);
    return Number(res.lastInsertRowid);
  }

  updateReview(id: number, change: Partial<Omit<ReviewRecord, 'id' | 'lane' | 'head' | 'reviewer'>>): void {
    const current = this.getReview(id);
    if (!current) return;
    const next = { ...current, ...change };
    const { lane: _lane, round, head: _head, reviewer: _reviewer, status, startedAt: _s, id: _id, ...data } = next;
    this.db
      .prepare('UPDATE reviews SET round = ?, status = ?, data = ? WHERE id = ?')
      .run(round, status, JSON.stringify(data), id);
  }

  getReview(id: number): ReviewRecord | undefined {
    const row = this.db.prepare<[number], ReviewRow>('SELECT * FROM reviews WHERE id = ?').get(id);
    return row ? reviewFromRow(row) : undefined;
  }

  /** The newest finished review of this head by this reviewer: the one `lanes review` returns again. */
  findReview(lane: string, head: string, reviewer: string, since = ''): ReviewRecord | undefined {
    const row = this.db
      .prepare<[string, string, string, string], ReviewRow>(
        "SELECT * FROM reviews WHERE lane = ? AND head = ? AND reviewer = ? AND status = 'done' AND started_at >= ? ORDER BY id DESC LIMIT 1",
      )
      .get(lane, head, reviewer, since);
    return row ? reviewFromRow(row) : undefined;
  }

  /** Every review of a lane (of every lane when `lane` is undefined), oldest first. */
  reviewsOf(lane?: string, since = ''): ReviewRecord[] {
    const rows =
      lane === undefined
        ? this.db.prepare<[], ReviewRow>('SELECT * FROM reviews ORDER BY id').all()
        : this.db
            .prepare<[string, string], ReviewRow>(
              'SELECT * FROM reviews WHERE lane = ? AND started_at >= ? ORDER BY id',
            )
            .all(lane, since);
    return rows.map(reviewFromRow);
  }

  // ---- verdicts ----

  insertVerdict(verdict: Omit<VerdictRecord, 'id'>): number {
    const res = this.db
      .prepare('INSERT INTO verdicts (lane, round, head, data, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(verdict.lane, verdict.round, verdict.head, JSON.stringify(verdict), verdict.createdAt);
    return Number(res.lastInsertRowid);
  }

  latestVerdict(lane: string, since = ''): VerdictRecord | undefined {
    const row = this.db
      .prepare<[string, string], VerdictRow>(
        'SELECT id, data FROM verdicts WHERE lane = ? AND created_at >= ? ORDER BY id DESC LIMIT 1',
      )
      .get(lane, since);
    return row ? { ...(JSON.parse(row.data) as Omit<VerdictRecord, 'id'>), id: row.id } : undefined;
  }

  /** Every verdict of a lane (of every lane when `lane` is undefined), oldest first. */
  verdictsOf(lane?: string, since = ''): VerdictRecord[] {
    const rows =
      lane === undefined
        ? this.db.prepare<[], VerdictRow>('SELECT id, data FROM verdicts ORDER BY id').all()
        : this.db
            .prepare<[string, string], VerdictRow>(
              'SELECT id, data FROM verdicts WHERE lane = ? AND created_at >= ? ORDER BY id',
            )
            .all(lane, since);
    return rows.map((r) => ({ ...(JSON.parse(r.data) as Omit<VerdictRecord, 'id'>), id: r.id }));
  }

  // ---- answers to findings ----

  recordAnswers(answers: readonly FindingAnswerRecord[]): void {
    const insert = this.db.prepare(
      'INSERT INTO finding_answers (lane, round, finding, data, answered_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const a of answers) insert.run(a.lane, a.round, a.finding, JSON.stringify(a), a.answeredAt);
    })();
  }

  /** Every answer of a lane (of every lane when `lane` is undefined), oldest first. */
  answersOf(lane?: string, since = ''): FindingAnswerRecord[] {
    const rows =
      lane === undefined
        ? this.db.prepare<[], DataRow>('SELECT data FROM finding_answers ORDER BY id').all()
        : this.db
            .prepare<[string, string], DataRow>(
              'SELECT data FROM finding_answers WHERE lane = ? AND answered_at >= ? ORDER BY id',
            )
            .all(lane, since);
    return rows.map((r) => JSON.parse(r.data) as FindingAnswerRecord);
  }
}
