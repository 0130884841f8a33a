/**
 * `lanes heal`'s part of the state file (table `rules` of migration 6): one row per rule it
 * proposed, with its status (proposed, active: applied on a branch, retired) and everything it
 * stands on (the findings it cites), so a later heal neither proposes it again nor loses why it exists.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { HealDirection } from '../domain/heal-groups.js';
import type { FindingCategory } from '../domain/review.js';

export const RULE_STATUSES = ['proposed', 'active', 'retired'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

export interface RuleCitation {
  /** The finding's stable key (verdict id and finding id), see domain/heal-groups.ts. */
  key: string;
  lane: string;
  round: number;
  id: string;
  file: string | null;
  line: number | null;
  message: string;
}

/** Where an applied (or retired) rule's change went: a pull request, or the local review request (branch only). */
export interface RuleChange {
  branch: string;
  commit: string;
  base: string;
  kind: 'github' | 'local';
  number: number | null;
  url: string | null;
  at: string;
}

export interface RuleRecord {
  id: string;
  status: RuleStatus;
  direction: HealDirection;
  category: FindingCategory;
  text: string;
  scope: string[];
  /** The group it was worded from. */
  group: string;
  citations: RuleCitation[];
  /** The heal agent's run that worded it. */
  runId: number | null;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  /** Why it was retired: `--retire`, or the cap on active rules. */
  retiredWhy: string | null;
  applied: RuleChange | null;
  removed: RuleChange | null;
}

interface RuleRow {
  data: string;
}

export class RuleStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  put(rule: RuleRecord): void {
    this.db
      .prepare(
        'INSERT INTO rules (id, status, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data',
      )
      .run(rule.id, rule.status, JSON.stringify(rule), rule.createdAt);
  }

  get(id: string): RuleRecord | undefined {
    const row = this.db.prepare<[string], RuleRow>('SELECT data FROM rules WHERE id = ?').get(id);
    return row ? (JSON.parse(row.data) as RuleRecord) : undefined;
  }

  /** Rules in the order they were first stored (of one status when given). */
  list(status?: RuleStatus): RuleRecord[] {
    const rows =
      status === undefined
        ? this.db.prepare<[], RuleRow>('SELECT data FROM rules ORDER BY rowid').all()
        : this.db.prepare<[string], RuleRow>('SELECT data FROM rules WHERE status = ? ORDER BY rowid').all(status);
    return rows.map((r) => JSON.parse(r.data) as RuleRecord);
  }
}
