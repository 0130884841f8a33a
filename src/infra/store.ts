/**
 * The state store: one SQLite file in `$(git rev-parse --git-common-dir)/lanes/`, shared by every
 * worktree of the repository. WAL and a busy timeout let many `lanes` processes read and write at
 * once; multi-row changes run in IMMEDIATE transactions; the schema moves forward through numbered
 * migrations recorded in `PRAGMA user_version`.
 *
 * Contract: a lane name is unique; a lane
 * being created or removed carries the pid of the process doing it (`op_pid`) and a journal of
 * the steps done, so `lanes doctor` can finish or undo the work of a killed process. Port leases
 * are not here: they are machine-wide, in the user's port registry (port-registry.ts); a lane's
 * record keeps the ports it was given.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { InputError } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';

const MIGRATIONS: string[] = [
  // 1: lanes, port leases, hook approvals, step journal, removed-lane history
  `CREATE TABLE lanes (
     name TEXT PRIMARY KEY,
     data TEXT NOT NULL,
     op_kind TEXT,
     op_pid INTEGER,
     op_started TEXT
   );
   CREATE TABLE port_leases (
     port INTEGER PRIMARY KEY,
     lane TEXT NOT NULL,
     service TEXT NOT NULL
   );
   CREATE INDEX port_leases_lane ON port_leases(lane);
   CREATE TABLE approvals (
     command TEXT PRIMARY KEY,
     approved_at TEXT NOT NULL
   );
   CREATE TABLE journal (
     lane TEXT NOT NULL,
     seq INTEGER NOT NULL,
     step TEXT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (lane, seq)
   );
   CREATE TABLE removed_lanes (
     name TEXT NOT NULL,
     branch TEXT NOT NULL,
     kept_branch INTEGER NOT NULL,
     removed_at TEXT NOT NULL
   );`,
  // 2: agent runs, one row per phase started in a lane
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lane TEXT NOT NULL,
     phase TEXT NOT NULL,
     agent TEXT NOT NULL,
     adapter TEXT NOT NULL,
     model TEXT,
     runner TEXT NOT NULL,
     status TEXT NOT NULL,
     run_dir TEXT NOT NULL,
     supervisor_pid INTEGER,
     agent_pid INTEGER,
     started_at TEXT NOT NULL,
     ended_at TEXT,
     exit_code INTEGER,
     reason TEXT,
     session_id TEXT,
     usage TEXT,
     cost_usd REAL,
     cost_source TEXT
   );
   CREATE INDEX runs_lane ON runs(lane, id);`,
  // 3: port leases moved to the machine-wide registry (port-registry.ts); lanes made before keep
  // their ports in their records, which allocation adopts into the registry.
  `DROP TABLE port_leases;`,
];

export type RunStatus = 'starting' | 'running' | 'waiting' | 'done' | 'failed' | 'stopped';
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['done', 'failed', 'stopped'];

export interface RunRecord {
  id: number;
  lane: string;
  phase: string;
  agent: string;
  adapter: string;
  model: string | null;
  runner: string;
  status: RunStatus;
  runDir: string;
  supervisorPid: number | null;
  agentPid: number | null;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  reason: string | null;
  sessionId: string | null;
  /** Tokens per model, as JSON. */
  usage: Record<string, { input: number; output: number; cacheRead: number; cacheWrite: number }> | null;
  costUsd: number | null;
  costSource: string | null;
}

interface RunRow {
  id: number;
  lane: string;
  phase: string;
  agent: string;
  adapter: string;
  model: string | null;
  runner: string;
  status: RunStatus;
  run_dir: string;
  supervisor_pid: number | null;
  agent_pid: number | null;
  started_at: string;
  ended_at: string | null;
  exit_code: number | null;
  reason: string | null;
  session_id: string | null;
  usage: string | null;
  cost_usd: number | null;
  cost_source: string | null;
}

function runFromRow(r: RunRow): RunRecord {
  return {
    id: r.id,
    lane: r.lane,
    phase: r.phase,
    agent: r.agent,
    adapter: r.adapter,
    model: r.model,
    runner: r.runner,
    status: r.status,
    runDir: r.run_dir,
    supervisorPid: r.supervisor_pid,
    agentPid: r.agent_pid,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    exitCode: r.exit_code,
    reason: r.reason,
    sessionId: r.session_id,
    usage: r.usage ? (JSON.parse(r.usage) as RunRecord['usage']) : null,
    costUsd: r.cost_usd,
    costSource: r.cost_source,
  };
}

export interface JournalStep {
  step: string;
  data: Record<string, unknown>;
}

export interface LaneOperation {
  kind: 'create' | 'remove';
  pid: number;
  started: string;
}

export class StateStore {
  readonly dir: string;
  private readonly db: BetterSqlite3.Database;

  private constructor(dir: string, db: BetterSqlite3.Database) {
    this.dir = dir;
    this.db = db;
  }

  static open(commonDir: string): StateStore {
    const dir = join(commonDir, 'lanes');
    mkdirSync(dir, { recursive: true });
    // Loaded lazily through require: the native module is only paid for by commands that need state.
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(join(dir, 'state.db'), { timeout: 30_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const store = new StateStore(dir, db);
    store.migrate();
    return store;
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current >= MIGRATIONS.length) return;
    this.immediate(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const version = this.db.pragma('user_version', { simple: true }) as number;
      for (let v = version; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
  }

  /** Runs `fn` inside BEGIN IMMEDIATE: the write lock is taken up front, so read-then-write is atomic. */
  immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- lanes ----

  insertLane(record: LaneRecord, op: LaneOperation): void {
    try {
      this.db
        .prepare('INSERT INTO lanes (name, data, op_kind, op_pid, op_started) VALUES (?, ?, ?, ?, ?)')
        .run(record.name, JSON.stringify(record), op.kind, op.pid, op.started);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new InputError(`lane "${record.name}" already exists`, { hint: `use it (lanes cd ${record.name}) or remove it first (lanes rm ${record.name})` });
      }
      throw err;
    }
  }

  getLane(name: string): LaneRecord | undefined {
    const row = this.db.prepare('SELECT data FROM lanes WHERE name = ?').get(name) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as LaneRecord) : undefined;
  }

  listLanes(): LaneRecord[] {
    const rows = this.db.prepare('SELECT data FROM lanes ORDER BY name').all() as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as LaneRecord);
  }

  /** Applies `change` to the stored record in one transaction (read-modify-write). */
  updateLane(name: string, change: (record: LaneRecord) => LaneRecord): LaneRecord | undefined {
    return this.immediate(() => {
      const record = this.getLane(name);
      if (!record) return undefined;
      const next = change(record);
      this.db.prepare('UPDATE lanes SET data = ? WHERE name = ?').run(JSON.stringify(next), name);
      return next;
    });
  }

  deleteLane(name: string): void {
    this.immediate(() => {
      this.db.prepare('DELETE FROM lanes WHERE name = ?').run(name);
      this.db.prepare('DELETE FROM journal WHERE lane = ?').run(name);
    });
  }

  operationOf(name: string): LaneOperation | undefined {
    const row = this.db.prepare('SELECT op_kind, op_pid, op_started FROM lanes WHERE name = ?').get(name) as
      | { op_kind: string | null; op_pid: number | null; op_started: string | null }
      | undefined;
    if (!row?.op_kind || row.op_pid === null) return undefined;
    return { kind: row.op_kind as LaneOperation['kind'], pid: row.op_pid, started: row.op_started ?? '' };
  }

  /** Marks the lane as being worked on by this process; fails when another live operation holds it. */
  setOperation(name: string, op: LaneOperation | undefined): void {
    this.db
      .prepare('UPDATE lanes SET op_kind = ?, op_pid = ?, op_started = ? WHERE name = ?')
      .run(op?.kind ?? null, op?.pid ?? null, op?.started ?? null, name);
  }

  // ---- hook approvals ----

  isApproved(command: string): boolean {
    return this.db.prepare('SELECT 1 FROM approvals WHERE command = ?').get(command) !== undefined;
  }

  approve(command: string): void {
    this.db.prepare('INSERT OR IGNORE INTO approvals (command, approved_at) VALUES (?, ?)').run(command, new Date().toISOString());
  }

  // ---- step journal ----

  addStep(lane: string, step: string, data: Record<string, unknown>): void {
    this.immediate(() => {
      const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM journal WHERE lane = ?').get(lane) as { seq: number };
      this.db.prepare('INSERT INTO journal (lane, seq, step, data) VALUES (?, ?, ?, ?)').run(lane, row.seq + 1, step, JSON.stringify(data));
    });
  }

  steps(lane: string): JournalStep[] {
    const rows = this.db.prepare('SELECT step, data FROM journal WHERE lane = ? ORDER BY seq').all(lane) as { step: string; data: string }[];
    return rows.map((r) => ({ step: r.step, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  clearSteps(lane: string): void {
    this.db.prepare('DELETE FROM journal WHERE lane = ?').run(lane);
  }

  // ---- agent runs ----

  insertRun(run: Pick<RunRecord, 'lane' | 'phase' | 'agent' | 'adapter' | 'model' | 'runner' | 'runDir' | 'startedAt'>): number {
    const res = this.db
      .prepare("INSERT INTO runs (lane, phase, agent, adapter, model, runner, status, run_dir, started_at) VALUES (?, ?, ?, ?, ?, ?, 'starting', ?, ?)")
      .run(run.lane, run.phase, run.agent, run.adapter, run.model, run.runner, run.runDir, run.startedAt);
    return Number(res.lastInsertRowid);
  }

  setRunDir(id: number, runDir: string): void {
    this.db.prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, id);
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? runFromRow(row) : undefined;
  }

  /** The lane's newest run; `since` (the lane's createdAt) skips runs of an earlier lane of the same name, kept as history. */
  latestRun(lane: string, since = ''): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE lane = ? AND started_at >= ? ORDER BY id DESC LIMIT 1').get(lane, since) as RunRow | undefined;
    return row ? runFromRow(row) : undefined;
  }

  runsOf(lane?: string): RunRecord[] {
    const rows = (lane === undefined ? this.db.prepare('SELECT * FROM runs ORDER BY id').all() : this.db.prepare('SELECT * FROM runs WHERE lane = ? ORDER BY id').all(lane)) as RunRow[];
    return rows.map(runFromRow);
  }

  /** Updates the columns given; a finished run (done, failed, stopped) is never changed again. */
  updateRun(id: number, change: Partial<Omit<RunRecord, 'id' | 'lane'>>): boolean {
    const columns: Record<string, unknown> = {
      status: change.status,
      supervisor_pid: change.supervisorPid,
      agent_pid: change.agentPid,
      ended_at: change.endedAt,
      exit_code: change.exitCode,
      reason: change.reason,
      session_id: change.sessionId,
      usage: change.usage === undefined ? undefined : JSON.stringify(change.usage),
      cost_usd: change.costUsd,
      cost_source: change.costSource,
    };
    const set = Object.entries(columns).filter(([, v]) => v !== undefined);
    if (set.length === 0) return false;
    const res = this.db
      .prepare(`UPDATE runs SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ? AND status NOT IN ('done', 'failed', 'stopped')`)
      .run(...set.map(([, v]) => v), id);
    return res.changes === 1;
  }

  // ---- history ----

  recordRemoved(name: string, branch: string, keptBranch: boolean): void {
    this.db.prepare('INSERT INTO removed_lanes (name, branch, kept_branch, removed_at) VALUES (?, ?, ?, ?)').run(name, branch, keptBranch ? 1 : 0, new Date().toISOString());
  }

  removedBranches(): { name: string; branch: string }[] {
    return this.db.prepare('SELECT name, branch FROM removed_lanes WHERE kept_branch = 0').all() as { name: string; branch: string }[];
  }
}
