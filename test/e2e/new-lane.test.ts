import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

interface LaneJson {
  name: string;
  issue: { id: string; title: string; source: string; url: string };
  branch: string;
  base: string;
  path: string;
  ports: Record<string, number>;
  database: { provider: string; name: string | null; url: string | null };
  phase: string;
  agentState: string;
  createdAt: string;
  ahead: number;
  behind: number;
  dirty: number;
}

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function laneList(r: TempRepo): LaneJson[] {
  return json<LaneJson[]>(lanes(r, ['ls', '--json']));
}

function nothingMade(r: TempRepo, lane: string): void {
  expect(laneList(r)).toEqual([]);
  expect(r.git('branch', '--list', lane)).toBe('');
  expect(existsSync(join(r.parent, 'app-worktrees', lane))).toBe(false);
  expect(r.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
}

describe('lanes new', () => {
  it('creates lane issue-123: branch from the base, worktree beside the repo, port 4299, env block', () => {
    repo = makeRepo();
    addIssue(repo, 123, 'Add login page', { labels: ['feature'] });
    repo.commitAll('issue');
    const res = lanes(repo, ['new', '123', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('base main (');
    const [lane] = laneList(repo);
    expect(lane).toMatchObject({
      name: 'issue-123',
      branch: 'issue-123',
      base: 'main',
      path: join(repo.parent, 'app-worktrees', 'issue-123'),
      ports: { web: 4299 },
      database: { provider: 'none', name: null, url: null },
      phase: 'ready',
      agentState: 'none',
      issue: { id: '123', title: 'Add login page', source: 'local' },
      ahead: 0,
      behind: 0,
      dirty: 0,
    });
    expect(repo.git('-C', lane!.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('issue-123');
    const env = readFileSync(join(lane!.path, '.env.local'), 'utf8');
    expect(env).toContain('LANE="issue-123"');
    expect(env).toContain('PORT="4299"');
    expect(env).toContain('PORT_WEB="4299"');
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('copies gitignored .env files but not .env.example, keeping symlinks, non-ASCII names and the rest of the env file', () => {
    repo = makeRepo({ files: { '.env.example': 'EXAMPLE=1\n' } });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    writeFileSync(join(repo.root, '.env'), 'SECRET=1\n');
    writeFileSync(join(repo.root, '.env.local'), 'MINE=keep\n');
    writeFileSync(join(repo.root, '.env.çafé'), 'UNICODE=1\n');
    symlinkSync('.env', join(repo.root, '.env.link'));
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(join(wt, '.env.çafé'), 'utf8')).toBe('UNICODE=1\n');
    expect(lstatSync(join(wt, '.env.link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(wt, '.env.link'))).toBe('.env');
    const local = readFileSync(join(wt, '.env.local'), 'utf8');
    expect(local.startsWith('MINE=keep\n')).toBe(true);
    expect(local).toContain('LANE="issue-1"');
    // .env.example is tracked: it arrives through git, not by copying.
    expect(readFileSync(join(wt, '.env.example'), 'utf8')).toBe('EXAMPLE=1\n');
    expect(readFileSync(join(repo.root, '.env.local'), 'utf8')).toBe('MINE=keep\n');
  });

  it('creates several lanes at once with distinct ports', () => {
    repo = makeRepo();
    for (const id of [12, 13, 14]) addIssue(repo, id, `Issue ${id}`);
    const res = lanes(repo, ['new', '12', '13', '14', '--no-agent', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const out = json<{ lanes: LaneJson[] }>(res);
    expect(out.lanes.map((l) => l.name)).toEqual(['issue-12', 'issue-13', 'issue-14']);
    expect(new Set(out.lanes.map((l) => l.ports.web)).size).toBe(3);
  });

  it('gives a hostile title its lane without running anything', () => {
    repo = makeRepo();
    const marker = join(repo.parent, 'pwned');
    const title = `../../x "q" 'q' $(touch ${marker}) \`touch ${marker}\` 🎉 ${'long '.repeat(60)}`;
    const add = lanes(repo, ['issue', 'add', title, '--label', 'bug']);
    expect(add.code, add.stderr).toBe(0);
    const res = lanes(repo, ['new', add.stdout.trim(), '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    const [lane] = laneList(repo);
    expect(lane!.name).toBe('issue-1');
    expect(lane!.issue.title).toBe(title);
    expect(existsSync(marker)).toBe(false);
  });

  it('puts the title slug in names when the template asks, always as a safe ref and path', () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ templates: { lane: '{ref}-{slug}', branch: 'feature/{lane}' } }) },
    });
    addIssue(repo, 7, '../Fix "login" $(rm -rf ~) bug\nnow');
    const res = lanes(repo, ['new', '7', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    const [lane] = laneList(repo);
    expect(lane!.name).toBe('issue-7-fix-login-rm-rf-bug-now');
    expect(lane!.branch).toBe('feature/issue-7-fix-login-rm-rf-bug-now');
    expect(lane!.path).toBe(join(repo.parent, 'app-worktrees', lane!.name));
  });

  it('refuses an unknown issue with exit 2 and makes nothing', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '999', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('unknown issue "999"');
    nothingMade(repo, 'issue-1');
  });

  it('refuses a base that does not exist with exit 2 and makes nothing', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '--base', 'no-such-branch', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('base ref "no-such-branch" does not exist');
    nothingMade(repo, 'issue-1');
  });

  it('starts from an explicit base and prints it', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    repo.git('checkout', '-q', '-b', 'develop');
    repo.write('dev.txt', 'dev');
    const dev = repo.commitAll('dev');
    repo.git('checkout', '-q', 'main');
    const res = lanes(repo, ['new', '1', '--base', 'develop', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`base develop (${dev.slice(0, 12)})`);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1', 'dev.txt'))).toBe(true);
  });

  it('refuses a lane that already exists with exit 2', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const again = lanes(repo, ['new', '1', '--no-agent']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('lane "issue-1" already exists');
    expect(laneList(repo)).toHaveLength(1);
  });

  it('refuses a config typo with exit 2, naming the key and the nearest valid one', () => {
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ prots: { base: 5000 } }) } });
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('lanes: lanes.config.json: unknown key "prots"; did you mean "ports"?');
    // Every command refuses the broken config (lanes ls too); without it, the state shows nothing made.
    expect(lanes(repo, ['ls']).code).toBe(2);
    rmSync(join(repo.root, 'lanes.config.json'));
    nothingMade(repo, 'issue-1');
  });

  it('runs from inside a lane against the same state', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    addIssue(repo, 2, 'y');
    repo.commitAll('issues');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const inside = join(repo.parent, 'app-worktrees', 'issue-1');
    const res = lanes(repo, ['new', '2', '--no-agent'], { cwd: inside });
    expect(res.code, res.stderr).toBe(0);
    expect(laneList(repo).map((l) => l.name)).toEqual(['issue-1', 'issue-2']);
    expect(lanes(repo, ['-C', inside, 'port', 'issue-2']).stdout.trim()).toMatch(/^\d+$/);
  });

  it('10 concurrent lanes new processes all succeed with distinct ports', async () => {
    repo = makeRepo();
    for (let i = 1; i <= 10; i++) addIssue(repo, i, `Issue ${i}`);
    // A tiny range forces the processes to compete for the same ports.
    repo.write('lanes.config.json', JSON.stringify({ ports: { base: 20000, range: 12 } }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => lanesAsync(repo, ['new', String(i + 1), '--no-agent'])),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const list = laneList(repo);
    expect(list).toHaveLength(10);
    const ports = list.map((l) => l.ports.web);
    expect(new Set(ports).size).toBe(10);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(20000);
  });
});

describe('ports', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('skips a port something on the machine listens on, and keeps the answer across restarts', async () => {
    repo = makeRepo();
    addIssue(repo, 123, 'x');
    server = createServer();
    await new Promise<void>((r) => server!.listen(4299, '127.0.0.1', r));
    const res = lanes(repo, ['new', '123', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(lanes(repo, ['port', 'issue-123']).stdout.trim()).toBe('4300');
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    // Freed on the machine, but leased: the lane keeps the port it was given.
    expect(lanes(repo, ['port', 'issue-123']).stdout.trim()).toBe('4300');
    expect(lanes(repo, ['port', '123']).stdout.trim()).toBe('4300');
  });

  it('gives each named service its own base', () => {
    repo = makeRepo({
      files: {
        'lanes.config.json': JSON.stringify({
          ports: { services: { web: { base: 3000 }, api: { base: 8000, range: 100 } } },
        }),
      },
    });
    addIssue(repo, 123, 'x');
    expect(lanes(repo, ['new', '123', '--no-agent']).code).toBe(0);
    const api = 8000 + (parseInt(createHash('sha1').update('issue-123').digest('hex').slice(0, 4), 16) % 100);
    expect(json(lanes(repo, ['port', 'issue-123', '--json']))).toEqual({ web: 3299, api });
    expect(lanes(repo, ['port', 'issue-123', '--service', 'api']).stdout.trim()).toBe(String(api));
    const env = lanes(repo, ['env', 'issue-123']).stdout;
    expect(env).toContain('export PORT=3299\n');
    expect(env).toContain('export PORT_API=');
    const bad = lanes(repo, ['port', 'issue-123', '--service', 'db']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no service "db"');
  });

  it('refuses with exit 2 when the port range is full, and makes nothing', () => {
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ ports: { base: 21000, range: 1 } }) } });
    addIssue(repo, 1, 'x');
    addIssue(repo, 2, 'y');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const res = lanes(repo, ['new', '2', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('port range full for service "web"');
    expect(laneList(repo).map((l) => l.name)).toEqual(['issue-1']);
    expect(repo.git('branch', '--list', 'issue-2')).toBe('');
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-2'))).toBe(false);
  });
});
