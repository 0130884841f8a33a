/**
 * Comments people leave on a lane's diff in the dashboard (`comments`, migration 6 in store.ts).
 * Each is a finding of reviewer "you" with the id `C<row id>`; the next `lanes fix` round hands the
 * open ones to the fixer (app/validation/fix-lane.ts), and its answers are stored with the other
 * finding answers (store.reviews). Rows outlive the lane like reviews do: readers pass `since`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Finding, Severity } from '../domain/review.js';

/** The reviewer name a comment's finding carries. */
export const COMMENT_REVIEWER = 'you';

export interface CommentRecord {
  /** `C<n>`: the finding id the fixer answers. */
  id: string;
  lane: string;
  file: string;
  line: number;
  endLine: number | null;
  severity: Severity;
  body: string;
  createdAt: string;
}

interface CommentRow {
  id: number;
  lane: string;
  data: string;
  created_at: string;
}

type CommentData = Pick<CommentRecord, 'file' | 'line' | 'endLine' | 'severity' | 'body'>;

export class CommentStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  add(lane: string, comment: CommentData, createdAt: string): CommentRecord {
    const data: CommentData = {
      file: comment.file,
      line: comment.line,
      endLine: comment.endLine,
      severity: comment.severity,
      body: comment.body,
    };
    const res = this.db
      .prepare('INSERT INTO comments (lane, data, created_at) VALUES (?, ?, ?)')
      .run(lane, JSON.stringify(data), createdAt);
    return { id: `C${Number(res.lastInsertRowid)}`, lane, ...data, createdAt };
  }

  /** A lane's comments, oldest first. */
  commentsOf(lane: string, since = ''): CommentRecord[] {
    return this.db
      .prepare<[string, string], CommentRow>(
        'SELECT id, lane, data, created_at FROM comments WHERE lane = ? AND created_at >= ? ORDER BY id',
      )
      .all(lane, since)
      .map((r) => ({ id: `C${r.id}`, lane: r.lane, ...(JSON.parse(r.data) as CommentData), createdAt: r.created_at }));
  }
}

/** A comment as the finding a fixer gets. */
export function commentFinding(comment: CommentRecord): Finding {
  return {
    id: comment.id,
    severity: comment.severity,
    category: 'other',
    file: comment.file,
    line: comment.line,
    endLine: comment.endLine,
    message: comment.body,
    suggestion: null,
    confidence: 1,
    reviewers: [COMMENT_REVIEWER],
  };
}
