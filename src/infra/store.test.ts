/**
 * The state store on real SQLite files in temporary folders: schema migrations (from nothing and
 * from files older versions left), the per-lane lock, the step journal, removed-lane history and
 * agent runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, ToolError } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import { StateStore, stateFile, type LaneOperation } from './store.js';

const LATEST_VERSION = 6;

// The schema as lanes 1 and 2 wrote it (migrations 1 and 2), to make the files those versions left.
const SCHEMA_V1 = `
  CREATE TABLE lanes (name TEXT PRIMARY KEY, data TEXT NOT NULL, op_kind TEXT, op_pid INTEGER, op_started TEXT);
  CREATE TABLE port_leases (port INTEGER PRIMARY KEY, lane TEXT NOT NULL, service TEXT NOT NULL);
  CREATE INDEX port_leases_lane ON port_leases(lane);
  CREATE TABLE approvals (command TEXT PRIMARY KEY, approved_at TEXT NOT NULL);
  CREATE TABLE journal (lane TEXT NOT NULL, seq INTEGER NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (lane, seq));
  CREATE TABLE removed_lanes (name TEXT NOT NULL, branch TEXT NOT NULL, kept_branch INTEGER NOT NULL, removed_at TEXT NOT NULL);`;
const SCHEMA_V2 = `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, lane TEXT NOT NULL, phase TEXT NOT NULL, agent TEXT NOT NULL, adapter TEXT NOT NULL,
    model TEXT, runner TEXT NOT NULL, status TEXT NOT NULL, run_dir TEXT NOT NULL, supervisor_pid INTEGER, agent_pid INTEGER,
    started_at TEXT NOT NULL, ended_at TEXT, exit_code INTEGER, reason TEXT, session_id TEXT, usage TEXT, cost_usd REAL, cost_source TEXT);
  CREATE INDEX runs_lane ON runs(lane, id);`;

let commonDir: string;
let store: StateStore | undefined;
beforeEach(() => {
  commonDir = mkdtempSync(join(tmpdir(), 'lanes-store-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(commonDir, { recursive: true, force: true });
});

function open(): StateStore {
  store = StateStore.open(commonDir);
  return store;
}

/** Writes a state file as an older lanes left it: `schema` run, user_version set, then `fill`. */
function oldStateFile(schema: string, version: number, fill: (db: Database.Database) => void): void {
  mkdirSync(join(commonDir, 'lanes'), { recursive: true });
  const db = new Database(stateFile(commonDir));
  try {
    db.exec(schema);
    db.pragma(`user_version = ${version}`);
    fill(db);
  } finally {
    db.close();
  }
}

function tablesOf(): string[] {
  const db = new Database(stateFile(commonDir), { readonly: true });
  try {
    return db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

function lane(name: string, extra: Partial<LaneRecord> = {}): LaneRecord {
  return {
    name,
    issue: { id: name.replace(/^issue-/, ''), title: `Title of ${name}`, source: 'local', url: `issues/${name}.md` },
    branch: name,
    base: 'main',
    baseCommit: 'a'.repeat(40),
    path: `/work/${name}`,
    ports: { web: 3100 },
    database: null,
    envFile: '.env.local',
    copiedFiles: [],
    lifecycle: 'ready',
    agentPhase: null,
    agentState: 'none',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

const op = (kind: LaneOperation['kind'], pid: number): LaneOperation => ({
  kind,
  pid,
  started: '2026-01-01T00:00:00.000Z',
});

describe('state store migrations', () => {
  it('creates the latest schema in a new file', () => {
    const s = open();
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    expect(tablesOf()).toEqual([
      'approvals',
      'comments',
      'finding_answers',
      'journal',
      'land_runs',
      'lanes',
      'removed_lanes',
      'review_requests',
      'reviews',
      'rules',
      'runs',
      'verdicts',
    ]);
    expect(s.integrityProblems()).toEqual([]);
  });

  it('moves a version 1 file forward, keeping its lanes, journal, approvals and history', () => {
    oldStateFile(SCHEMA_V1, 1, (db) => {
      db.prepare('INSERT INTO lanes (name, data) VALUES (?, ?)').run('issue-1', JSON.stringify(lane('issue-1')));
      db.prepare('INSERT INTO port_leases (port, lane, service) VALUES (3100, ?, ?)').run('issue-1', 'web');
      db.prepare('INSERT INTO approvals (command, approved_at) VALUES (?, ?)').run('npm ci', '2025-01-01');
      db.prepare('INSERT INTO journal (lane, seq, step, data) VALUES (?, 1, ?, ?)').run(
        'issue-1',
        'trash',
        JSON.stringify({ dir: '/work/.lanes-trash-1' }),
      );
      db.prepare('INSERT INTO removed_lanes (name, branch, kept_branch, removed_at) VALUES (?, ?, 1, ?)').run(
        'issue-0',
        'issue-0',
        '2025-01-01',
      );
    });
    const s = open();
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    // Port leases moved to the machine-wide registry: the table is gone, the lane keeps its ports.
    expect(tablesOf()).toEqual([
      'approvals',
      'comments',
      'finding_answers',
      'journal',
      'land_runs',
      'lanes',
      'removed_lanes',
      'review_requests',
      'reviews',
      'rules',
      'runs',
      'verdicts',
    ]);
    expect(s.getLane('issue-1')).toEqual(lane('issue-1'));
    expect(s.isApproved('npm ci')).toBe(true);
    expect(s.steps('issue-1')).toEqual([{ step: 'trash', data: { dir: '/work/.lanes-trash-1' } }]);
    // The old history row gained a branch_left column, empty: nothing for doctor to clean up.
    expect(s.leftBranches()).toEqual([]);
    s.recordRemoved('issue-2', 'issue-2', false, 'b'.repeat(40));
    expect(s.leftBranches()).toEqual([{ name: 'issue-2', branch: 'issue-2', tip: 'b'.repeat(40) }]);
  });

  it('moves a version 2 file forward, keeping its runs', () => {
    oldStateFile(SCHEMA_V1 + SCHEMA_V2, 2, (db) => {
      db.prepare(
        "INSERT INTO runs (lane, phase, agent, adapter, model, runner, status, run_dir, started_at, exit_code, usage) VALUES ('issue-1', 'implement', 'claude', 'claude', NULL, 'headless', 'done', '/r/1', '2025-01-01T00:00:00Z', 0, ?)",
      ).run(JSON.stringify({ m: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 } }));
    });
    const s = open();
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    expect(s.runsOf('issue-1')).toEqual([
      expect.objectContaining({
        id: 1,
        lane: 'issue-1',
        status: 'done',
        runDir: '/r/1',
        exitCode: 0,
        model: null,
        usage: { m: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 } },
      }),
    ]);
  });

  it('opens a file at the latest version again without changing it', () => {
    open().insertLane(lane('issue-1'), op('create', 1));
    store!.close();
    const s = open();
    expect(s.schemaVersion()).toBe(LATEST_VERSION);
    expect(s.listLanes().map((l) => l.name)).toEqual(['issue-1']);
  });
});

describe('the per-lane lock', () => {
  it('lets one operation hold a lane; another takes it only from the exact pid it names', () => {
    const s = open();
    s.insertLane(lane('issue-1'), op('create', 100));
    expect(s.operationOf('issue-1')).toEqual(op('create', 100));
    // Held: a second claim fails, and so does a take-over naming the wrong holder.
    expect(s.claimOperation('issue-1', op('remove', 200))).toBe(false);
    expect(s.claimOperation('issue-1', op('remove', 200), 999)).toBe(false);
    // Taken over from the (dead) holder it names.
    expect(s.claimOperation('issue-1', op('repair', 200), 100)).toBe(true);
    expect(s.operationOf('issue-1')).toEqual(op('repair', 200));
    // Releasing as the old holder changes nothing; the new holder frees it.
    s.releaseOperation('issue-1', 100);
    expect(s.operationOf('issue-1')?.pid).toBe(200);
    s.releaseOperation('issue-1', 200);
    expect(s.operationOf('issue-1')).toBeUndefined();
    expect(s.claimOperation('issue-1', op('remove', 300))).toBe(true);
  });

  it('claims nothing on a lane that does not exist', () => {
    expect(open().claimOperation('ghost', op('remove', 1))).toBe(false);
  });

  it('refuses a second lane of the same name', () => {
    const s = open();
    s.insertLane(lane('issue-1'), op('create', 1));
    expect(() => s.insertLane(lane('issue-1'), op('create', 2))).toThrow(InputError);
    expect(() => s.insertLane(lane('issue-1'), op('create', 2))).toThrow('lane "issue-1" already exists');
  });

  it('holds the name of an absent lane for a repair, so lanes new of it waits', () => {
    const s = open();
    expect(s.claimName('issue-1', 100)).toBe(true);
    expect(s.claimName('issue-1', 200)).toBe(false);
    expect(s.getLane('issue-1')).toBeUndefined();
    expect(s.listLanes()).toEqual([]);
    expect(s.repairClaims()).toEqual([{ name: 'issue-1', pid: 100, started: expect.any(String) }]);
    const err = (() => {
      try {
        s.insertLane(lane('issue-1'), op('create', 300));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toBe(
      'lane "issue-1" is being repaired by lanes doctor --fix right now; try again in a moment',
    );
    // Only the holder's pid drops the claim.
    expect(s.dropRepairClaim('issue-1', 999)).toBe(false);
    expect(s.dropRepairClaim('issue-1', 100)).toBe(true);
    expect(s.repairClaims()).toEqual([]);
    s.insertLane(lane('issue-1'), op('create', 300));
    expect(s.claimName('issue-1', 400)).toBe(false);
  });

  it('releases a held name only for its holder', () => {
    const s = open();
    s.claimName('issue-1', 100);
    s.releaseName('issue-1', 999);
    expect(s.repairClaims()).toHaveLength(1);
    s.releaseName('issue-1', 100);
    expect(s.repairClaims()).toEqual([]);
  });
});

describe('the step journal', () => {
  it('returns the steps of a lane in the order written, each with its data', () => {
    const s = open();
    s.insertLane(lane('issue-1'), op('create', 1));
    s.addStep('issue-1', 'worktree', { path: '/w/issue-1', branch: 'issue-1', baseCommit: 'c'.repeat(40) });
    s.addStep('issue-2', 'trash', { dir: '/w/.trash' });
    s.addStep('issue-1', 'database', {
      name: 'app_issue_1',
      url: 'sqlite:///w/issue-1/app.db',
      handle: '/w/issue-1/app.db',
    });
    s.addStep('issue-1', 'dependencies', { path: '/w/issue-1', dirs: ['node_modules'] });
    expect(s.steps('issue-1')).toEqual([
      { step: 'worktree', data: { path: '/w/issue-1', branch: 'issue-1', baseCommit: 'c'.repeat(40) } },
      {
        step: 'database',
        data: { name: 'app_issue_1', url: 'sqlite:///w/issue-1/app.db', handle: '/w/issue-1/app.db' },
      },
      { step: 'dependencies', data: { path: '/w/issue-1', dirs: ['node_modules'] } },
    ]);
    s.clearSteps('issue-1');
    expect(s.steps('issue-1')).toEqual([]);
    expect(s.steps('issue-2')).toHaveLength(1);
  });

  it('forgets the journal with the lane', () => {
    const s = open();
    s.insertLane(lane('issue-1'), op('create', 1));
    s.addStep('issue-1', 'dependency-staging', { dir: '/w/.staging' });
    s.deleteLane('issue-1');
    expect(s.getLane('issue-1')).toBeUndefined();
    expect(s.steps('issue-1')).toEqual([]);
  });

  it('ignores, with a warning, steps this version does not know or whose data has another shape', () => {
    const s = open();
    s.addStep('issue-1', 'dependency-staging', { dir: '/w/.staging' });
    s.close();
    const db = new Database(stateFile(commonDir));
    db.prepare(
      "INSERT INTO journal (lane, seq, step, data) VALUES ('issue-1', 2, 'container', '{\"id\":\"abc\"}')",
    ).run();
    db.prepare("INSERT INTO journal (lane, seq, step, data) VALUES ('issue-1', 3, 'worktree', '{\"path\":7}')").run();
    db.prepare("INSERT INTO journal (lane, seq, step, data) VALUES ('issue-1', 4, 'trash', 'not json')").run();
    db.close();
    const warnings: string[] = [];
    expect(open().steps('issue-1', (w) => warnings.push(w))).toEqual([
      { step: 'dependency-staging', data: { dir: '/w/.staging' } },
    ]);
    expect(warnings).toEqual([
      'ignored a journal entry of lane issue-1: unknown step "container" (written by another lanes version?)',
      'ignored a journal entry of lane issue-1: step "worktree" has data of the wrong shape',
      'ignored a journal entry of lane issue-1: step "trash" has data of the wrong shape',
    ]);
    // Appending continues after the highest sequence number, known kinds or not.
    store!.addStep('issue-1', 'trash', { dir: '/w/.trash' });
    expect(store!.steps('issue-1').map((st) => st.step)).toEqual(['dependency-staging', 'trash']);
  });
});

describe('lane records', () => {
  it('changes a record in one read-modify-write, and not at all when it is gone', () => {
    const s = open();
    s.insertLane(lane('issue-1'), op('create', 1));
    expect(s.updateLane('issue-1', (r) => ({ ...r, agentPhase: 'implement', agentState: 'running' }))?.agentPhase).toBe(
      'implement',
    );
    expect(s.getLane('issue-1')).toMatchObject({ agentPhase: 'implement', agentState: 'running' });
    expect(s.updateLane('ghost', (r) => r)).toBeUndefined();
    s.restoreLane(lane('issue-0'));
    expect(s.listLanes().map((l) => l.name)).toEqual(['issue-0', 'issue-1']);
    expect(s.operationOf('issue-0')).toBeUndefined();
    expect(s.laneOnBranch('issue-1')).toBe('issue-1');
    expect(s.laneOnBranch('elsewhere')).toBeUndefined();
  });
});

describe('removed-lane history', () => {
  it('lists only the branches removals had to leave, until they are forgotten', () => {
    const s = open();
    s.recordRemoved('issue-1', 'issue-1', false);
    s.recordRemoved('issue-2', 'issue-2', true);
    s.recordRemoved('issue-3', 'issue-3', false, 'd'.repeat(40));
    expect(s.leftBranches()).toEqual([{ name: 'issue-3', branch: 'issue-3', tip: 'd'.repeat(40) }]);
    s.forgetLeftBranch('issue-3');
    expect(s.leftBranches()).toEqual([]);
  });
});

describe('agent runs', () => {
  const started = '2026-01-02T00:00:00.000Z';
  const newRun = (s: StateStore, laneName: string, startedAt = started) =>
    s.insertRun({
      lane: laneName,
      phase: 'implement',
      agent: 'claude',
      adapter: 'claude',
      model: 'm',
      runner: 'headless',
      runDir: '',
      startedAt,
    });

  it('records a run from starting to its end, and never changes a finished run', () => {
    const s = open();
    const id = newRun(s, 'issue-1');
    expect(s.getRun(id)).toMatchObject({
      id,
      lane: 'issue-1',
      status: 'starting',
      runDir: '',
      supervisorPid: null,
      endedAt: null,
      usage: null,
    });
    s.setRunDir(id, '/runs/1');
    expect(s.updateRun(id, { status: 'running', supervisorPid: 10, agentPid: 11 })).toBe(true);
    const usage = { m: { input: 5, output: 6, cacheRead: 0, cacheWrite: 1 } };
    expect(
      s.updateRun(id, {
        status: 'done',
        endedAt: '2026-01-02T00:01:00.000Z',
        exitCode: 0,
        sessionId: 'sess',
        usage,
        costUsd: 0.5,
        costSource: 'reported',
      }),
    ).toBe(true);
    expect(s.getRun(id)).toEqual({
      id,
      lane: 'issue-1',
      phase: 'implement',
      agent: 'claude',
      adapter: 'claude',
      model: 'm',
      runner: 'headless',
      status: 'done',
      runDir: '/runs/1',
      supervisorPid: 10,
      agentPid: 11,
      startedAt: started,
      endedAt: '2026-01-02T00:01:00.000Z',
      exitCode: 0,
      reason: null,
      sessionId: 'sess',
      usage,
      costUsd: 0.5,
      costSource: 'reported',
    });
    expect(s.updateRun(id, { status: 'failed', reason: 'late' })).toBe(false);
    expect(s.getRun(id)?.status).toBe('done');
    expect(s.updateRun(id, {})).toBe(false);
    expect(s.getRun(999)).toBeUndefined();
  });

  it("finds a lane's newest run, skipping runs of an earlier lane of the same name", () => {
    const s = open();
    const old = newRun(s, 'issue-1', '2025-06-01T00:00:00.000Z');
    const other = newRun(s, 'issue-2');
    const latest = newRun(s, 'issue-1');
    expect(s.latestRun('issue-1')?.id).toBe(latest);
    expect(s.latestRun('issue-1', '2026-01-01T00:00:00.000Z')?.id).toBe(latest);
    expect(s.latestRun('issue-1', '2027-01-01T00:00:00.000Z')).toBeUndefined();
    expect(s.runsOf('issue-1').map((r) => r.id)).toEqual([old, latest]);
    expect(s.runsOf().map((r) => r.id)).toEqual([old, other, latest]);
  });
});
