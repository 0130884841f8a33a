/**
 * The built supervisor (`node dist/supervisor.js <runDir>`, run `npm run build` first) given a
 * launch.json that is cut short, from another version or edited: the run is failed with one line
 * naming what is wrong, instead of a crash that leaves it "starting".
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/infra/store.js';
import { ROOT } from '../helpers/repo.js';

const SUPERVISOR = join(ROOT, 'dist', 'supervisor.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanes-supervisor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A recorded run, "starting", and its folder holding `launch` as launch.json. */
function runWith(launch: string | ((runId: number) => unknown)): { runId: number; runDir: string } {
  const store = StateStore.open(dir);
  try {
    const runId = store.insertRun({
      lane: 'issue-1',
      phase: 'implement',
      agent: 'claude',
      adapter: 'claude',
      model: null,
      runner: 'headless',
      runDir: '',
      startedAt: new Date().toISOString(),
    });
    const runDir = join(dir, 'runs', `${runId}`);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'launch.json'), typeof launch === 'string' ? launch : JSON.stringify(launch(runId)));
    return { runId, runDir };
  } finally {
    store.close();
  }
}

function supervise(runDir: string) {
  return spawnSync(process.execPath, [SUPERVISOR, runDir], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
}

function runOf(runId: number) {
  const store = StateStore.open(dir);
  try {
    return store.getRun(runId)!;
  } finally {
    store.close();
  }
}

const goodLaunch = (runId: number) => ({
  commonDir: dir,
  runId,
  lane: 'issue-1',
  adapter: 'command',
  model: null,
  timeoutMs: 60_000,
  launch: { file: 'sh', args: ['-c', 'echo hi'], cwd: dir, env: {}, stdin: 'closed', files: [] },
});

describe('the supervisor reading launch.json', () => {
  it('fails the run with the field that is wrong instead of crashing', () => {
    const { runId, runDir } = runWith((id) => ({
      ...goodLaunch(id),
      launch: { ...goodLaunch(id).launch, args: 'echo hi' },
    }));
    const res = supervise(runDir);
    expect(res.status).toBe(1);
    const problem = `${join(runDir, 'launch.json')} is not a valid launch: launch.args must be a list of strings`;
    expect(res.stderr).toBe(`lanes supervisor: ${problem}\n`);
    expect(runOf(runId)).toMatchObject({ status: 'failed', reason: problem });
    expect(runOf(runId).endedAt).not.toBeNull();
  });

  it('names an unknown adapter and the ones accepted', () => {
    const { runId, runDir } = runWith((id) => ({ ...goodLaunch(id), adapter: 'copilot' }));
    expect(supervise(runDir).status).toBe(1);
    expect(runOf(runId).reason).toMatch(
      /is not a valid launch: adapter must be one of claude, codex, gemini, opencode, command$/,
    );
  });

  it('says a launch.json cut short is not JSON, leaving the run to be reconciled', () => {
    const { runId, runDir } = runWith('{"commonDir": "/x", "runId"');
    const res = supervise(runDir);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^lanes supervisor: cannot read .*launch\.json: it is not JSON \(.+\)\n$/);
    expect(runOf(runId).status).toBe('starting');
  });

  it('runs a valid launch to its end', () => {
    const { runId, runDir } = runWith(goodLaunch);
    const res = supervise(runDir);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(runOf(runId)).toMatchObject({ status: 'done', exitCode: 0 });
  });
});
