/**
 * The landing queue's part of the state file (table `land_runs` of migration 6 in store.ts): one row
 * per `lanes sync` or `lanes land`, with the pid of the process doing it and its steps. A step is
 * written before the git change it describes, so a row whose process died names the lane that may
 * be mid-rebase and the backup ref that holds its old head: `lanes doctor` repairs from that.
 */
import type BetterSqlite3 from 'better-sqlite3';

export type LandRunKind = 'sync' | 'land';
export type LandRunStatus = 'running' | 'done' | 'failed' | 'repaired';

/** One step of a run, in the order they happened. */
export interface LandStep {
  lane: string;
  /**
   * `sync`: a rewrite of the lane's branch begins (`from` is its head, kept under `backup`);
   * `synced`: the rewrite finished at `to`; `restored`: the lane is back at `from`;
   * `advance`: the base is about to move from `from` to `to`; `landed`: it did;
   * `failed`: the lane left the queue (`reason`).
   */
  step: 'sync' | 'synced' | 'restored' | 'advance' | 'landed' | 'failed';
  at: string;
  from?: string | undefined;
  to?: string | undefined;
  backup?: string | undefined;
  worktree?: string | undefined;
  /** The base ref (refs/heads/…) for advance and landed. */
  ref?: string | undefined;
  reason?: string | undefined;
}

export interface LandRunData {
  kind: LandRunKind;
  /** The lanes in the order they are worked on. */
  lanes: string[];
  steps: LandStep[];
}

export interface LandRunRecord extends LandRunData {
  id: number;
  pid: number;
  status: LandRunStatus;
  startedAt: string;
}

interface LandRunRow {
  id: number;
  pid: number;
  status: LandRunStatus;
  data: string;
  started_at: string;
}

function fromRow(row: LandRunRow): LandRunRecord {
  const data = JSON.parse(row.data) as LandRunData;
  return { ...data, id: row.id, pid: row.pid, status: row.status, startedAt: row.started_at };
}

export class LandStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  begin(pid: number, kind: LandRunKind, lanes: string[], startedAt: string): number {
    const data: LandRunData = { kind, lanes, steps: [] };
    const res = this.db
      .prepare('INSERT INTO land_runs (pid, status, data, started_at) VALUES (?, ?, ?, ?)')
      .run(pid, 'running', JSON.stringify(data), startedAt);
    return Number(res.lastInsertRowid);
  }

  /** Appends a step; read and write in one IMMEDIATE transaction so steps are never lost to a race. */
  addStep(id: number, step: LandStep): void {
    this.db
      .transaction(() => {
        const row = this.db.prepare<[number], LandRunRow>('SELECT * FROM land_runs WHERE id = ?').get(id);
        if (!row) return;
        const data = JSON.parse(row.data) as LandRunData;
        data.steps.push(step);
        this.db.prepare('UPDATE land_runs SET data = ? WHERE id = ?').run(JSON.stringify(data), id);
      })
      .immediate();
  }

  finish(id: number, status: Exclude<LandRunStatus, 'running'>): void {
    this.db.prepare('UPDATE land_runs SET status = ? WHERE id = ?').run(status, id);
  }

  get(id: number): LandRunRecord | undefined {
    const row = this.db.prepare<[number], LandRunRow>('SELECT * FROM land_runs WHERE id = ?').get(id);
    return row ? fromRow(row) : undefined;
  }

  /** Runs still marked running (their process may be gone: the caller checks the pid). */
  running(): LandRunRecord[] {
    return this.db
      .prepare<[], LandRunRow>("SELECT * FROM land_runs WHERE status = 'running' ORDER BY id")
      .all()
      .map(fromRow);
  }
}
