import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, ROOT, type CliResult, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo | undefined;
let mounted: string | undefined;
let locker: ChildProcess | undefined;
afterEach(() => {
  locker?.kill('SIGKILL');
  locker = undefined;
  if (mounted) spawnSync('umount', ['-l', mounted]);
  mounted = undefined;
  repo?.cleanup();
  repo = undefined;
});

const isRoot = process.getuid?.() === 0;

function lanesDir(r: TempRepo): string {
  return join(r.root, '.git', 'lanes');
}

function stateFile(r: TempRepo): string {
  return join(lanesDir(r), 'state.db');
}

/** A repository with lanes for issues 1 and 2, made through the CLI. */
function repoWithTwoLanes(): TempRepo {
  const r = makeRepo();
  addIssue(r, 1, 'first');
  addIssue(r, 2, 'second');
  r.commitAll('issues');
  const made = lanes(r, ['new', '1', '2', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  return r;
}

/** One line on stderr that names the state file, and no stack trace. */
function expectOneLineNaming(res: CliResult, file: string, says: RegExp): void {
  expect(res.code, res.stderr).toBe(1);
  const lines = res.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^lanes: base /.test(l));
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(says);
  expect(res.stderr).not.toMatch(/\n\s+at |unexpected error|SqliteError/);
}

describe('a damaged state database', () => {
  it('makes every command fail with one line naming the file and lanes doctor --rebuild-state when it holds garbage', () => {
    repo = repoWithTwoLanes();
    writeFileSync(stateFile(repo), Buffer.alloc(8192, 0x5a));
    for (const args of [
      ['ls'],
      ['ls', '--json'],
      ['new', '2', '--no-agent'],
      ['rm', 'issue-1'],
      ['doctor'],
      ['doctor', '--fix'],
      ['port', 'issue-1'],
      ['env', 'issue-1'],
      ['stop', 'issue-1'],
    ]) {
      expectOneLineNaming(lanes(repo, args), stateFile(repo), /damaged \(SQLITE_NOTADB.*lanes doctor --rebuild-state/);
    }
  });

  it('fails with one line when the file was truncated', () => {
    repo = repoWithTwoLanes();
    const file = stateFile(repo);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expectOneLineNaming(lanes(repo, ['ls']), file, /damaged \(SQLITE_CORRUPT.*lanes doctor --rebuild-state/);
  });

  it('rebuilds both lanes with their ports, keeps the old file and the backups, and rm works on them again', () => {
    repo = repoWithTwoLanes();
    addIssue(repo, 3, 'third');
    repo.commitAll('issue 3');
    // A removed dirty lane leaves a backup, which the rebuild must leave in place and list.
    expect(lanes(repo, ['new', '3', '--no-agent']).code).toBe(0);
    writeFileSync(join(repo.parent, 'app-worktrees', 'issue-3', 'notes.txt'), 'work');
    expect(lanes(repo, ['rm', '--force', 'issue-3']).code).toBe(0);
    const backups = readdirSync(join(lanesDir(repo), 'backups'));
    expect(backups.length).toBeGreaterThan(0);

    const before = json<{ name: string; ports: Record<string, number>; issue: { id: string; title: string } }[]>(
      lanes(repo, ['ls', '--json']),
    );
    expect(before.map((l) => l.name)).toEqual(['issue-1', 'issue-2']);
    writeFileSync(
      stateFile(repo),
      'this is not a database, it is a text file that got written over the state\n'.repeat(100),
    );
    expect(lanes(repo, ['ls']).code).toBe(1);

    const rebuilt = lanes(repo, ['doctor', '--rebuild-state', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const result = json<{
      movedAside: string[];
      lanes: { name: string; ports: Record<string, number>; portsChanged: string[] }[];
      backups: string[];
      notRecovered: string[];
    }>(rebuilt);
    expect(result.lanes.map((l) => [l.name, l.ports, l.portsChanged])).toEqual(
      before.map((l) => [l.name, l.ports, []]),
    );
    expect(result.backups).toEqual(backups.map((b) => join(lanesDir(repo!), 'backups', b)));
    expect(result.notRecovered.join(' ')).toMatch(/approvals/);
    // The damaged file is kept beside the new one, byte for byte.
    expect(result.movedAside).toHaveLength(1);
    expect(result.movedAside[0]).toMatch(/state\.db\.broken-/);
    expect(readFileSync(result.movedAside[0]!, 'utf8')).toMatch(/^this is not a database/);
    expect(readdirSync(join(lanesDir(repo), 'backups'))).toEqual(backups);

    const after = json<typeof before>(lanes(repo, ['ls', '--json']));
    expect(after.map((l) => ({ name: l.name, ports: l.ports, issue: l.issue }))).toEqual(
      before.map((l) => ({ name: l.name, ports: l.ports, issue: l.issue })),
    );
    expect(json<{ problems: unknown[] }>(lanes(repo, ['doctor', '--json'])).problems).toEqual([]);

    // rm judges the rebuilt lanes as before: a dirty one is refused, a clean one goes.
    writeFileSync(join(repo.parent, 'app-worktrees', 'issue-2', 'work.txt'), 'unsaved');
    const refused = lanes(repo, ['rm', 'issue-2']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-2', 'work.txt'))).toBe(true);
    const removed = lanes(repo, ['rm', 'issue-1']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json<{ name: string }[]>(lanes(repo, ['ls', '--json'])).map((l) => l.name)).toEqual(['issue-2']);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
  });

  it('skips worktrees that are not lanes and keeps an edited copied file counted as work', () => {
    repo = makeRepo();
    writeFileSync(join(repo.root, '.env'), 'A=1\n');
    addIssue(repo, 1, 'first');
    repo.commitAll('issue');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    writeFileSync(join(repo.parent, 'app-worktrees', 'issue-1', '.env'), 'A=2\n');
    const byHand = join(repo.parent, 'app-worktrees', 'by-hand');
    repo.git('worktree', 'add', '-q', '-b', 'something-else', byHand);
    writeFileSync(stateFile(repo), Buffer.alloc(4096, 7));
    const result = json<{ lanes: { name: string }[]; skipped: { path: string; reason: string }[] }>(
      lanes(repo, ['doctor', '--rebuild-state', '--json']),
    );
    expect(result.lanes.map((l) => l.name)).toEqual(['issue-1']);
    expect(result.skipped).toEqual([
      { path: byHand, reason: "its branch something-else is not lane by-hand's branch by-hand" },
    ]);
    const refused = lanes(repo, ['rm', 'issue-1']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/\.env/);
  });

  it('gives a lane a new port when its old one was taken meanwhile, and says so', () => {
    repo = repoWithTwoLanes();
    const [one, two] = json<{ name: string; ports: { web: number } }[]>(lanes(repo, ['ls', '--json']));
    // As if issue-2's env file had been edited to name issue-1's port.
    const env2 = join(repo.parent, 'app-worktrees', 'issue-2', '.env.local');
    writeFileSync(env2, readFileSync(env2, 'utf8').replaceAll(String(two!.ports.web), String(one!.ports.web)));
    writeFileSync(stateFile(repo), Buffer.alloc(4096, 1));
    const result = json<{ lanes: { name: string; ports: { web: number }; portsChanged: string[] }[] }>(
      lanes(repo, ['doctor', '--rebuild-state', '--json']),
    );
    expect(result.lanes[0]).toEqual(
      expect.objectContaining({ name: 'issue-1', ports: { web: one!.ports.web }, portsChanged: [] }),
    );
    expect(result.lanes[1]).toEqual(expect.objectContaining({ name: 'issue-2', portsChanged: ['web'] }));
    const newPort = result.lanes[1]!.ports.web;
    expect(newPort).not.toBe(one!.ports.web);
    // The env file now agrees with the lease.
    expect(readFileSync(env2, 'utf8')).toContain(`PORT="${newPort}"`);
  });

  it('refuses to rebuild a sound state database that holds lanes unless forced', () => {
    repo = repoWithTwoLanes();
    const res = lanes(repo, ['doctor', '--rebuild-state']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/is sound and holds 2 lane\(s\).*--force/);
    expect(readdirSync(lanesDir(repo)).filter((f) => f.includes('broken'))).toEqual([]);
    const forced = lanes(repo, ['doctor', '--rebuild-state', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(json<{ lanes: unknown[] }>(forced).lanes).toHaveLength(2);
  });

  it('reports a lock held by another process past the busy timeout in one line, and does not rebuild over it', async () => {
    repo = repoWithTwoLanes();
    const file = stateFile(repo);
    // Another process takes the database for itself (exclusive locking mode) and keeps it.
    const script = `
      const Database = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
      const db = new Database(process.argv[1]);
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.prepare("INSERT INTO approvals (command, approved_at) VALUES ('held', 'now')").run();
      process.stdout.write('locked\\n');
      setTimeout(() => {}, 60000);`;
    locker = spawn(process.execPath, ['-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      locker!.stdout!.once('data', () => resolve());
      locker!.once('exit', (code) => reject(new Error(`locker exited ${code}`)));
    });
    const env = { LANES_STATE_BUSY_TIMEOUT_MS: '300' };
    for (const args of [['ls'], ['new', '2', '--no-agent'], ['doctor', '--rebuild-state']]) {
      expectOneLineNaming(lanes(repo, args, { env }), file, /is locked by another process \(waited 0\.3 s\)/);
    }
    expect(readdirSync(lanesDir(repo)).filter((f) => f.includes('broken'))).toEqual([]);
    locker.kill('SIGKILL');
    locker = undefined;
    expect(json<unknown[]>(lanes(repo, ['ls', '--json']))).toHaveLength(2);
  });

  it('rejects a LANES_STATE_BUSY_TIMEOUT_MS that is not a number of milliseconds', () => {
    repo = makeRepo();
    const res = lanes(repo, ['ls'], { env: { LANES_STATE_BUSY_TIMEOUT_MS: '2s' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/LANES_STATE_BUSY_TIMEOUT_MS must be a whole number of milliseconds, got "2s"/);
  });
});

// Root ignores file permissions, so read-only is made real: a read-only bind mount of .git/lanes,
// and the immutable attribute (chattr +i) on the file.
describe.skipIf(!isRoot)('a read-only state database', () => {
  it('fails writes with one line naming the file when .git/lanes is a read-only mount, and makes nothing', () => {
    repo = repoWithTwoLanes();
    addIssue(repo, 3, 'third');
    repo.commitAll('issue 3');
    const dir = lanesDir(repo);
    const bind = spawnSync('mount', ['--bind', dir, dir]);
    if (bind.status !== 0) return void console.warn(`skipped: cannot bind-mount (${String(bind.stderr)})`);
    mounted = dir;
    expect(spawnSync('mount', ['-o', 'remount,ro,bind', dir]).status).toBe(0);
    for (const args of [
      ['new', '3', '--no-agent'],
      ['rm', 'issue-1'],
      ['doctor', '--rebuild-state', '--force'],
    ]) {
      expectOneLineNaming(lanes(repo, args), stateFile(repo), /cannot be written|cannot move .* aside/);
    }
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-3'))).toBe(false);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(true);
    expect(repo.git('branch', '--list', 'issue-3')).toBe('');
  });

  it('fails writes with one line when the file is immutable (chattr +i)', () => {
    repo = repoWithTwoLanes();
    const file = stateFile(repo);
    if (spawnSync('chattr', ['+i', file]).status !== 0)
      return void console.warn('skipped: chattr +i is not supported here');
    try {
      expectOneLineNaming(lanes(repo, ['rm', 'issue-1']), file, /cannot be written \(SQLITE_READONLY/);
      expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(true);
    } finally {
      spawnSync('chattr', ['-i', file]);
    }
  });

  it('says the disk is full, in one line, when the state cannot grow, and does not rebuild over it', () => {
    repo = repoWithTwoLanes();
    const dir = lanesDir(repo);
    const saved = readFileSync(stateFile(repo));
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
    if (mount.status !== 0) return void console.warn(`skipped: cannot mount tmpfs (${String(mount.stderr)})`);
    mounted = dir;
    writeFileSync(stateFile(repo), saved);
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // Filled up: that is the point.
    }
    for (const args of [['ls'], ['doctor', '--rebuild-state']]) {
      expectOneLineNaming(
        lanes(repo, args),
        stateFile(repo),
        /no space left to write state database .*free disk space/,
      );
    }
    expect(readdirSync(dir).filter((f) => f.includes('broken'))).toEqual([]);
  });
});
