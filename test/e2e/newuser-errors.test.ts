/**
 * What a new user's first mistakes get (issue 9): a wrong -C directory, a config file that is not
 * JSON, and an unexpected failure must each end the process at once with one line and an exit code.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, lanes, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

// spawnSync in `lanes()` gives up after its timeout; a process that hangs shows as a signal exit.
const QUICK = { timeoutMs: 15_000 };

describe('-C <dir>', () => {
  it('rejects a directory that does not exist with one line naming it (exit 2)', () => {
    repo = makeRepo();
    const res = lanes(repo, ['-C', join(repo.parent, 'nonexistent'), 'ls']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`lanes: -C "${join(repo.parent, 'nonexistent')}": no such directory\n`);
  });

  it('rejects a file given as the directory, and exits promptly instead of hanging', () => {
    repo = makeRepo();
    const started = Date.now();
    const res = lanes(repo, ['-C', 'README.md', 'ls']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('lanes: -C "README.md": not a directory\n');
    expect(Date.now() - started).toBeLessThan(QUICK.timeoutMs);
  });

  it('runs in the directory it names', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const res = lanes(repo, ['-C', repo.root, 'issues', '--json'], { cwd: repo.parent });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toHaveLength(1);
  });
});

describe('a failing step ends the process', () => {
  it('exits 1 at once when a lane folder became a file (spawn fails synchronously)', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    rmSync(wt, { recursive: true, force: true });
    writeFileSync(wt, 'not a folder\n');
    const started = Date.now();
    const res = lanes(repo, ['diff', 'issue-1']);
    // Before: "unexpected error; this is a bug" and a 2-minute hang on git's timeout timer.
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`lanes: cannot run git in ${wt}: not a directory\n`);
    expect(Date.now() - started).toBeLessThan(QUICK.timeoutMs);
  });
});

describe('config validation', () => {
  const BROKEN = '{\n  "ports": {\n    "base": 4000,\n  }\n}\n';

  for (const args of [
    ['ls'],
    ['port', 'issue-1'],
    ['env', 'issue-1'],
    ['issues'],
    ['new', '1', '--no-agent'],
    ['doctor'],
    ['stop', '--all'],
  ]) {
    it(`lanes ${args.join(' ')} rejects a config that is not JSON with its line and column (exit 2)`, () => {
      repo = makeRepo();
      addIssue(repo, 1, 'x');
      repo.commitAll('issue');
      expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
      writeFileSync(join(repo.root, 'lanes.config.json'), BROKEN);
      const res = lanes(repo, args);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe('lanes: lanes.config.json:4:3: not valid JSON (expected double-quoted property name)\n');
    });
  }

  it('lanes ls rejects a config with an unknown key, naming the nearest one', () => {
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ prots: {} }) } });
    const res = lanes(repo, ['ls']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('lanes: lanes.config.json: unknown key "prots"; did you mean "ports"?\n');
  });

  it('lanes init --force still replaces a broken config', () => {
    repo = makeRepo({ files: { 'lanes.config.json': '{ nope' } });
    const res = lanes(repo, ['init', '--force']);
    expect(res.code, res.stderr).toBe(0);
    expect(lanes(repo, ['ls']).code).toBe(0);
  });
});

describe('an interrupted lanes new', () => {
  it('running it again says the lane is half-made and to run lanes doctor --fix; after that it works', async () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['echo started > hook-ran; sleep 5'] } }) },
    });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const run = lanesAsync(repo, ['new', '1', '--no-agent', '--yes']);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    for (let i = 0; i < 300 && !existsSync(join(wt, 'hook-ran')); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(run.pid!, 'SIGKILL');
    await run;
    const again = lanes(repo, ['new', '1', '--no-agent', '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'lanes: lane "issue-1" is half-made: an earlier lanes new was interrupted; run lanes doctor --fix to undo it, then lanes new again\n',
    );
    expect(lanes(repo, ['doctor', '--fix']).code).toBe(0);
    const fresh = lanes(repo, ['new', '1', '--no-agent', '--yes']);
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});
