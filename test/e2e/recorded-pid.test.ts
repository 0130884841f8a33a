import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

interface Problem {
  kind: string;
  lane: string | null;
  detail: string;
  fixed: boolean;
}

let repo: TempRepo | undefined;
let stranger: ChildProcess | undefined;
afterEach(() => {
  stranger?.kill('SIGKILL');
  stranger = undefined;
  repo?.cleanup();
  repo = undefined;
});

/** A process that has nothing to do with lanes, started now. */
async function startStranger(): Promise<number> {
  stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((resolve) => stranger!.once('spawn', resolve));
  return stranger.pid!;
}

function withState<T>(r: TempRepo, fn: (db: Database.Database) => T): T {
  const db = new Database(join(r.root, '.git', 'lanes', 'state.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function laneWithIssue(): TempRepo {
  const r = makeRepo();
  addIssue(r, 1, 'x');
  r.commitAll('issue');
  expect(lanes(r, ['new', '1', '--no-agent']).code).toBe(0);
  return r;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe.skipIf(!existsSync('/proc/self/stat'))('a recorded pid now held by another process', () => {
  it('doctor reports the operation as interrupted when its pid belongs to a process started after it', async () => {
    repo = laneWithIssue();
    const pid = await startStranger();
    withState(repo, (db) =>
      db
        .prepare("UPDATE lanes SET op_kind = 'remove', op_pid = ?, op_started = ? WHERE name = 'issue-1'")
        .run(pid, ago(60_000)),
    );
    const res = lanes(repo, ['doctor', '--json']);
    expect(json<{ problems: Problem[] }>(res).problems).toContainEqual(
      expect.objectContaining({ kind: 'interrupted-operation', lane: 'issue-1', fixed: false }),
    );
  });

  it('doctor still treats the lane as busy when the live process started before the operation was recorded', async () => {
    repo = laneWithIssue();
    const pid = await startStranger();
    withState(repo, (db) =>
      db
        .prepare("UPDATE lanes SET op_kind = 'remove', op_pid = ?, op_started = ? WHERE name = 'issue-1'")
        .run(pid, new Date().toISOString()),
    );
    const res = lanes(repo, ['doctor', '--json']);
    expect(json<{ problems: Problem[] }>(res).problems).toEqual([]);
  });

  it('marks an agent run failed when its supervisor pid now belongs to a newer process, and stop signals nothing', async () => {
    repo = laneWithIssue();
    const pid = await startStranger();
    const started = ago(60 * 60_000);
    withState(repo, (db) => {
      db.prepare(
        "UPDATE lanes SET data = json_set(data, '$.createdAt', ?, '$.agentState', 'running') WHERE name = 'issue-1'",
      ).run(started);
      db.prepare(
        "INSERT INTO runs (lane, phase, agent, adapter, runner, status, run_dir, supervisor_pid, agent_pid, started_at) VALUES ('issue-1', 'implement', 'claude', 'claude', 'headless', 'running', '', ?, ?, ?)",
      ).run(pid, pid, started);
    });
    const stop = lanes(repo, ['stop', 'issue-1']);
    expect(stop.code).not.toBe(0);
    expect(stranger!.exitCode).toBeNull();
    expect(stranger!.signalCode).toBeNull();
    const lane = json<{ agentState: string }[]>(lanes(repo, ['ls', '--json']))[0]!;
    expect(lane.agentState).toBe('failed');
    const run = withState(repo, (db) => db.prepare('SELECT status, reason FROM runs').get()) as {
      status: string;
      reason: string;
    };
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/supervisor is gone/);
  });
});
