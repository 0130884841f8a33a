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
import { InputError, ToolError } from '../domain/errors.js';
import {
  parseJournalStep,
  type JournalStep,
  type JournalStepData,
  type JournalStepKind,
} from '../domain/journal-steps.js';
import { laneRecordFromStored, type LaneRecord } from '../domain/lane.js';
import { RuleStore } from './rule-store.js';
import { LandStore } from './land-store.js';
import { CommentStore } from './comment-store.js';
import { ReviewStore } from './review-store.js';
import { retryWhileBusy } from './sqlite-busy.js';
import { guardDatabase, guarded } from './store-errors.js';

/** Where a repository's lanes state lives. */
export function stateFile(commonDir: string): string {
  return join(commonDir, 'lanes', 'state.db');
}

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
  // 3: a removal that had to leave the lane's branch (checked out in another worktree) says so;
  // only such branches are doctor's "left-branch" to clean up later.
  `ALTER TABLE removed_lanes ADD COLUMN branch_left TEXT;`,
  // 4: port leases moved to the machine-wide registry (port-registry.ts); lanes made before keep
  // their ports in their records, which allocation adopts into the registry.
  `DROP TABLE port_leases;`,
  // 5: validation (review-store.ts): pull requests or local review requests, each reviewer's review,
  // the combined verdict per round, and the implementer's answers to findings
  `CREATE TABLE review_requests (
     lane TEXT PRIMARY KEY,
     data TEXT NOT NULL
   );
   CREATE TABLE reviews (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lane TEXT NOT NULL,
     round INTEGER NOT NULL,
     head TEXT NOT NULL,
     reviewer TEXT NOT NULL,
     status TEXT NOT NULL,
     data TEXT NOT NULL,
     started_at TEXT NOT NULL
   );
   CREATE INDEX reviews_lane ON reviews(lane, id);
   CREATE TABLE verdicts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lane TEXT NOT NULL,
     round INTEGER NOT NULL,
     head TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX verdicts_lane ON verdicts(lane, id);
   CREATE TABLE finding_answers (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lane TEXT NOT NULL,
     round INTEGER NOT NULL,
     finding TEXT NOT NULL,
     data TEXT NOT NULL,
     answered_at TEXT NOT NULL
   );
   CREATE INDEX finding_answers_lane ON finding_answers(lane, id);`,
  // 6: what builds on validation: the rules lanes heal proposes and applies (one row per rule), the
  // landing queue's runs (one row per lanes land, its steps in data), and comments people leave on
  // a lane's diff in the dashboard (findings of reviewer "you")
  `CREATE TABLE rules (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE land_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     pid INTEGER NOT NULL,
     status TEXT NOT NULL,
     data TEXT NOT NULL,
     started_at TEXT NOT NULL
   );
   CREATE TABLE comments (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     lane TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX comments_lane ON comments(lane, id);`,
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
    // Written by updateRun from the same type.
    usage: r.usage ? (JSON.parse(r.usage) as RunRecord['usage']) : null,
    costUsd: r.cost_usd,
    costSource: r.cost_source,
  };
}

const LANE_OPERATION_KINDS = ['create', 'remove', 'repair'] as const;

export interface LaneOperation {
  kind: (typeof LANE_OPERATION_KINDS)[number];
  pid: number;
  started: string;
}

// ---- rows as SQLite returns them (one interface per query shape) ----

/** `lanes.data`: the LaneRecord as JSON, or 'null' in a placeholder row that holds a name (claimName). */
interface LaneDataRow {
  data: string;
}

interface LaneOperationRow {
  op_kind: string | null;
  op_pid: number | null;
  op_started: string | null;
}

interface RepairClaimRow {
  name: string;
  pid: number;
  started: string;
}

interface JournalRow {
  step: string;
  data: string;
}

interface MaxSeqRow {
  seq: number;
}

interface LeftBranchRow {
  name: string;
  branch: string;
  tip: string;
}

function isOperationKind(kind: string): kind is LaneOperation['kind'] {
  return (LANE_OPERATION_KINDS as readonly string[]).includes(kind);
}

/** A lane record this store wrote (JSON.stringify of a LaneRecord). */
/** A stored lane, older shapes included (laneRecordFromStored migrates them on read). */
function laneFromJson(text: string): LaneRecord {
  return laneRecordFromStored(JSON.parse(text));
}

export class StateStore {
  readonly dir: string;
  private readonly db: BetterSqlite3.Database;

  /** Pull requests, reviews, verdicts and answers to findings (review-store.ts), in the same file. */
  readonly reviews: ReviewStore;

  /** The rules lanes heal proposed, applied and retired (rule-store.ts). */
  readonly rules: RuleStore;
  /** The runs of lanes sync and lanes land, with their steps (land-store.ts). */
  readonly landRuns: LandStore;
  /** Comments people left on lanes' diffs in the dashboard (comment-store.ts). */
  readonly comments: CommentStore;

  private constructor(dir: string, db: BetterSqlite3.Database) {
    this.dir = dir;
    this.db = db;
    this.reviews = new ReviewStore(db);
    this.rules = new RuleStore(db);
    this.landRuns = new LandStore(db);
    this.comments = new CommentStore(db);
  }

  /** The default wait for another process's write lock; LANES_STATE_BUSY_TIMEOUT_MS overrides it (context.ts). */
  static readonly DEFAULT_BUSY_TIMEOUT_MS = 30_000;

  /**
   * Opens (creating when absent) the state database. Every failure that means the file or its disk
   * is unusable, here or in any later call, is a StateError naming the file and the way out.
   */
  static open(commonDir: string, opts: { busyTimeoutMs?: number } = {}): StateStore {
    const dir = join(commonDir, 'lanes');
    const file = stateFile(commonDir);
    const timeout = opts.busyTimeoutMs ?? StateStore.DEFAULT_BUSY_TIMEOUT_MS;
    return retryWhileBusy(() => StateStore.openOnce(dir, file, timeout), timeout);
  }

  private static openOnce(dir: string, file: string, timeout: number): StateStore {
    return guarded(
      () => {
        mkdirSync(dir, { recursive: true });
        // Loaded lazily through require: the native module is only paid for by commands that need state.
        const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
        const db = guardDatabase(new Database(file, { timeout }), file, timeout);
        try {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('foreign_keys = ON');
          const store = new StateStore(dir, db);
          store.migrate();
          return store;
        } catch (err) {
          db.close();
          throw err;
        }
      },
      file,
      timeout,
    );
  }

  /** SQLite's own consistency check of every page and index; empty when the file is sound. */
  integrityProblems(): string[] {
    const rows: unknown = this.db.pragma('quick_check');
    if (!Array.isArray(rows)) return [];
    return rows.map((r: { quick_check?: unknown }) => String(r.quick_check)).filter((r) => r !== 'ok');
  }

  close(): void {
    this.db.close();
  }

  /** The schema version: how many MIGRATIONS have run on this file. */
  schemaVersion(): number {
    const version: unknown = this.db.pragma('user_version', { simple: true });
    return typeof version === 'number' ? version : 0;
  }

  private migrate(): void {
    if (this.schemaVersion() >= MIGRATIONS.length) return;
    this.immediate(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const version = this.schemaVersion();
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
        if (this.operationOf(record.name)?.kind === 'repair') {
          throw new ToolError(
            `lane "${record.name}" is being repaired by lanes doctor --fix right now; try again in a moment`,
          );
        }
        throw new InputError(`lane "${record.name}" already exists`, {
          hint: `use it (lanes cd ${record.name}) or remove it first (lanes rm ${record.name})`,
        });
      }
      throw err;
    }
  }

  /** A lane record rebuilt from git (doctor --rebuild-state): inserted whole, with no operation running on it. */
  restoreLane(record: LaneRecord): void {
    this.db.prepare('INSERT INTO lanes (name, data) VALUES (?, ?)').run(record.name, JSON.stringify(record));
  }

  getLane(name: string): LaneRecord | undefined {
    const row = this.db
      .prepare<[string], LaneDataRow>("SELECT data FROM lanes WHERE name = ? AND data != 'null'")
      .get(name);
    return row ? laneFromJson(row.data) : undefined;
  }

  listLanes(): LaneRecord[] {
    const rows = this.db.prepare<[], LaneDataRow>("SELECT data FROM lanes WHERE data != 'null' ORDER BY name").all();
    return rows.map((r) => laneFromJson(r.data));
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
    const row = this.db
      .prepare<[string], LaneOperationRow>('SELECT op_kind, op_pid, op_started FROM lanes WHERE name = ?')
      .get(name);
    if (!row?.op_kind || row.op_pid === null || !isOperationKind(row.op_kind)) return undefined;
    return { kind: row.op_kind, pid: row.op_pid, started: row.op_started ?? '' };
  }

  /** Marks the lane as being worked on by this process; fails when another live operation holds it. */
  setOperation(name: string, op: LaneOperation | undefined): void {
    this.db
      .prepare('UPDATE lanes SET op_kind = ?, op_pid = ?, op_started = ? WHERE name = ?')
      .run(op?.kind ?? null, op?.pid ?? null, op?.started ?? null, name);
  }

  /**
   * The per-lane lock, as a compare-and-set: takes the lane for `op` only while it is free, or while
   * it is still held by exactly `takeOverPid` (an operation whose process is known to be dead).
   * Two processes racing for the same lane cannot both win: one UPDATE changes the row, the other
   * finds it changed. Returns false when the lane is held (or gone).
   */
  claimOperation(name: string, op: LaneOperation, takeOverPid?: number): boolean {
    const res =
      takeOverPid === undefined
        ? this.db
            .prepare('UPDATE lanes SET op_kind = ?, op_pid = ?, op_started = ? WHERE name = ? AND op_pid IS NULL')
            .run(op.kind, op.pid, op.started, name)
        : this.db
            .prepare('UPDATE lanes SET op_kind = ?, op_pid = ?, op_started = ? WHERE name = ? AND op_pid = ?')
            .run(op.kind, op.pid, op.started, name, takeOverPid);
    return res.changes === 1;
  }

  /** Frees the lane's lock, but only if `pid` holds it (a lock taken over meanwhile stays). */
  releaseOperation(name: string, pid: number): void {
    this.db
      .prepare('UPDATE lanes SET op_kind = NULL, op_pid = NULL, op_started = NULL WHERE name = ? AND op_pid = ?')
      .run(name, pid);
  }

  /**
   * Takes the name of a lane that does not exist, for a repair that must not race `lanes new` of the
   * same name (deleting a branch a removal left behind): a placeholder row holds the name, so an
   * insertLane of it fails meanwhile. False when a lane of that name exists (or is held).
   */
  claimName(name: string, pid: number): boolean {
    const res = this.db
      .prepare(
        "INSERT OR IGNORE INTO lanes (name, data, op_kind, op_pid, op_started) VALUES (?, 'null', 'repair', ?, ?)",
      )
      .run(name, pid, new Date().toISOString());
    return res.changes === 1;
  }

  /** Placeholder rows of repairs (claimName), with the pid that holds each. */
  repairClaims(): { name: string; pid: number; started: string }[] {
    return this.db
      .prepare<[], RepairClaimRow>(
        "SELECT name, op_pid AS pid, COALESCE(op_started, '') AS started FROM lanes WHERE data = 'null' AND op_pid IS NOT NULL",
      )
      .all();
  }

  /** Drops a placeholder row whose holder `pid` is dead (compare-and-set on the pid). */
  dropRepairClaim(name: string, pid: number): boolean {
    return (
      this.db.prepare("DELETE FROM lanes WHERE name = ? AND data = 'null' AND op_pid = ?").run(name, pid).changes === 1
    );
  }

  releaseName(name: string, pid: number): void {
    this.db.prepare("DELETE FROM lanes WHERE name = ? AND op_kind = 'repair' AND op_pid = ?").run(name, pid);
  }

  /** Whether any lane (one being created included) is on `branch`. */
  laneOnBranch(branch: string): string | undefined {
    return this.listLanes().find((l) => l.branch === branch)?.name;
  }

  // ---- hook approvals ----

  isApproved(command: string): boolean {
    return this.db.prepare('SELECT 1 FROM approvals WHERE command = ?').get(command) !== undefined;
  }

  approve(command: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO approvals (command, approved_at) VALUES (?, ?)')
      .run(command, new Date().toISOString());
  }

  // ---- step journal ----

  addStep<K extends JournalStepKind>(lane: string, step: K, data: JournalStepData<K>): void {
    this.immediate(() => {
      const row = this.db
        .prepare<[string], MaxSeqRow>('SELECT COALESCE(MAX(seq), 0) AS seq FROM journal WHERE lane = ?')
        .get(lane);
      this.db
        .prepare('INSERT INTO journal (lane, seq, step, data) VALUES (?, ?, ?, ?)')
        .run(lane, (row?.seq ?? 0) + 1, step, JSON.stringify(data));
    });
  }

  /**
   * The lane's journal in the order written. A row this version cannot use (a step kind it does
   * not know, data of another shape) is left out and reported through `onIgnored`.
   */
  steps(lane: string, onIgnored?: (problem: string) => void): JournalStep[] {
    const rows = this.db
      .prepare<[string], JournalRow>('SELECT step, data FROM journal WHERE lane = ? ORDER BY seq')
      .all(lane);
    const steps: JournalStep[] = [];
    for (const row of rows) {
      let data: unknown;
      try {
        data = JSON.parse(row.data);
      } catch {
        data = undefined;
      }
      const parsed = parseJournalStep(row.step, data);
      if (parsed.ok) steps.push(parsed.step);
      else onIgnored?.(`ignored a journal entry of lane ${lane}: ${parsed.problem}`);
    }
    return steps;
  }

  clearSteps(lane: string): void {
    this.db.prepare('DELETE FROM journal WHERE lane = ?').run(lane);
  }

  // ---- agent runs ----

  insertRun(
    run: Pick<RunRecord, 'lane' | 'phase' | 'agent' | 'adapter' | 'model' | 'runner' | 'runDir' | 'startedAt'>,
  ): number {
    const res = this.db
      .prepare(
        "INSERT INTO runs (lane, phase, agent, adapter, model, runner, status, run_dir, started_at) VALUES (?, ?, ?, ?, ?, ?, 'starting', ?, ?)",
      )
      .run(run.lane, run.phase, run.agent, run.adapter, run.model, run.runner, run.runDir, run.startedAt);
    return Number(res.lastInsertRowid);
  }

  setRunDir(id: number, runDir: string): void {
    this.db.prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, id);
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    return row ? runFromRow(row) : undefined;
  }

  /**
   * The lane's newest run; `since` (the lane's createdAt) skips runs of an earlier lane of the same name, kept as
   * history.
   */
  latestRun(lane: string, since = ''): RunRecord | undefined {
    const row = this.db
      .prepare<[string, string], RunRow>(
        'SELECT * FROM runs WHERE lane = ? AND started_at >= ? ORDER BY id DESC LIMIT 1',
      )
      .get(lane, since);
    return row ? runFromRow(row) : undefined;
  }

  runsOf(lane?: string): RunRecord[] {
    const rows =
      lane === undefined
        ? this.db.prepare<[], RunRow>('SELECT * FROM runs ORDER BY id').all()
        : this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE lane = ? ORDER BY id').all(lane);
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
      .prepare(
        `UPDATE runs SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ? AND status NOT IN ('done', 'failed', 'stopped')`,
      )
      .run(...set.map(([, v]) => v), id);
    return res.changes === 1;
  }

  // ---- history ----

  /** `branchLeft`: the commit of a branch removal meant to delete but had to leave (checked out elsewhere). */
  recordRemoved(name: string, branch: string, keptBranch: boolean, branchLeft?: string): void {
    this.db
      .prepare('INSERT INTO removed_lanes (name, branch, kept_branch, removed_at, branch_left) VALUES (?, ?, ?, ?, ?)')
      .run(name, branch, keptBranch ? 1 : 0, new Date().toISOString(), branchLeft ?? null);
  }

  /** When lanes were removed, by name, oldest first: where a lane's history ends and a new lane of that name starts. */
  removals(): { name: string; removedAt: string }[] {
    return this.db
      .prepare<[], { name: string; removedAt: string }>(
        'SELECT name, removed_at AS removedAt FROM removed_lanes ORDER BY removed_at',
      )
      .all();
  }

  /** Branches removals had to leave behind, with the commit each pointed at then. */
  leftBranches(): { name: string; branch: string; tip: string }[] {
    return this.db
      .prepare<[], LeftBranchRow>(
        'SELECT name, branch, branch_left AS tip FROM removed_lanes WHERE branch_left IS NOT NULL',
      )
      .all();
  }

  /** Forgets that a branch was left behind (it is gone, or was taken by a new lane). */
  forgetLeftBranch(branch: string): void {
    this.db.prepare('UPDATE removed_lanes SET branch_left = NULL WHERE branch = ?').run(branch);
  }
}
