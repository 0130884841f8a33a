/**
 * The built CLI (`node dist/lanes.js`, run `npm run build` first) against the fake GitHub,
 * Linear and Jira servers, in temporary repositories with an isolated HOME and environment.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/infra/exec.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { deadUrl } from '../fakes/http-fake.js';
import { startFakeJira, type FakeJira } from '../fakes/jira-server.js';
import { startFakeLinear, type FakeLinear } from '../fakes/linear-server.js';

const CLI = resolve(import.meta.dirname, '../../dist/lanes.js');
const GITHUB_TOKEN = 'ghp_e2e_token';
const LINEAR_API_KEY = 'lin_api_e2e';
const JIRA = { JIRA_EMAIL: 'dev@acme.test', JIRA_API_TOKEN: 'jira_api_token' };

let gh: FakeGithub;
let linear: FakeLinear;
let jira: FakeJira;
const temps: string[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  [gh, linear, jira] = await Promise.all([
    startFakeGithub({ token: GITHUB_TOKEN }),
    startFakeLinear({ apiKey: LINEAR_API_KEY }),
    startFakeJira(),
  ]);
});
afterAll(async () => {
  await Promise.all([gh?.close(), linear?.close(), jira?.close()]);
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** A repository with one commit and the given lanes.config.json, in its own temporary folder. */
async function repoWith(config: Record<string, unknown>): Promise<{ repo: string; home: string }> {
  const root = mkdtempSync(join(tmpdir(), 'lanes-trackers-'));
  temps.push(root);
  const repo = join(root, 'app');
  const home = join(root, 'home');
  const env = { ...GIT_ENV, HOME: home, PATH: process.env.PATH };
  await exec('git', ['init', '-q', '-b', 'main', repo], { env });
  writeFileSync(join(repo, 'lanes.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(repo, '.gitignore'), '.env*\n');
  await exec('git', ['add', '-A'], { cwd: repo, env });
  await exec('git', ['commit', '-q', '-m', 'init'], { cwd: repo, env });
  return { repo, home };
}

async function lanes(
  where: { repo: string; home: string },
  args: string[],
  env: Record<string, string | undefined> = {},
) {
  const res = await exec(process.execPath, [CLI, '-C', where.repo, ...args], {
    check: false,
    timeoutMs: 60_000,
    env: {
      ...GIT_ENV,
      HOME: where.home,
      PATH: process.env.PATH,
      GH_CONFIG_DIR: join(where.home, 'gh'),
      NO_COLOR: '1',
      ...env,
    },
  });
  return { ...res, json: () => JSON.parse(res.stdout) as unknown };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('lanes with GitHub issues', () => {
  const config = () => ({
    issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url, writeBack: { onStart: true } },
  });

  it('lists issues as JSON, skipping pull requests', async () => {
    const r = await lanes(await repoWith(config()), ['issues', '--json', '--limit', '3'], { GITHUB_TOKEN });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect((r.json() as { id: string; key: string }[]).map((i) => [i.id, i.key])).toEqual([
      ['1', 'octo/app#1'],
      ['2', 'octo/app#2'],
      ['5', 'octo/app#5'],
    ]);
  });

  it('makes a lane for an issue and comments on it when write-back is on', async () => {
    const repo = await repoWith(config());
    const comments = gh.comments.length;
    const r = await lanes(repo, ['--json', 'new', '#1', '--no-agent'], { GITHUB_TOKEN });
    expect(r.exitCode).toBe(0);
    const out = r.json() as {
      lanes: { name: string; branch: string; issue: { id: string; source: string; url: string } }[];
    };
    expect(out.lanes[0]).toMatchObject({
      name: 'issue-1',
      branch: 'issue-1',
      issue: { id: '1', source: 'github', url: `${gh.url}/octo/app/issues/1` },
    });
    expect(gh.comments.slice(comments)).toEqual([
      { number: 1, body: 'lanes started work on this issue in lane `issue-1` (branch `issue-1`).' },
    ]);
    expect(r.stderr).not.toContain(GITHUB_TOKEN);
    // The token reaches neither the state, the config nor the lane's files.
    for (const dir of [join(repo.repo, '.git'), join(repo.repo, '..', 'app-worktrees', 'issue-1')]) {
      for (const file of filesUnder(dir)) expect(readFileSync(file).includes(GITHUB_TOKEN), file).toBe(false);
    }
  });

  it('warns when write-back is refused, and keeps the lane', async () => {
    const repo = await repoWith({
      issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url, writeBack: { moveTo: 'In Progress' } },
    });
    const r = await lanes(repo, ['new', '2', '--no-agent'], { GITHUB_TOKEN });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^issue-2\t/);
    expect(r.stderr).toContain(
      'lanes: warning: could not move issue 2 to "In Progress": issues.writeBack.moveTo "In Progress": GitHub issues are open or closed',
    );
  });

  it('refuses a closed issue unless --allow-closed, making nothing', async () => {
    const repo = await repoWith({ issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url } });
    const refused = await lanes(repo, ['new', '3', '--no-agent'], { GITHUB_TOKEN });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toBe('lanes: issue 3 (Old bug) is closed; lanes new makes lanes for open issues\n');
    expect((await exec('git', ['branch', '--list', 'issue-3'], { cwd: repo.repo })).stdout).toBe('');
    expect(existsSync(join(repo.repo, '..', 'app-worktrees', 'issue-3'))).toBe(false);

    const allowed = await lanes(repo, ['new', '3', '--no-agent', '--allow-closed'], { GITHUB_TOKEN });
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stderr).toContain(
      'lanes: warning: issue 3 (Old bug) is closed; continuing because of --allow-closed',
    );
    expect(allowed.stdout).toMatch(/^issue-3\t/);
  });

  it('refuses an issue of another repository and an unknown issue with exit 2', async () => {
    const repo = await repoWith(config());
    const other = await lanes(repo, ['new', 'someone/else#1', '--no-agent'], { GITHUB_TOKEN });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe(
      'lanes: issue "someone/else#1" belongs to someone/else, not to the configured repository octo/app\n',
    );
    const unknown = await lanes(repo, ['new', '999', '--no-agent'], { GITHUB_TOKEN });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe('lanes: unknown issue "999": GitHub has no issue #999 in octo/app\n');
  });

  it('names the missing token (exit 2) and a rejected one (exit 2)', async () => {
    const repo = await repoWith(config());
    const missing = await lanes(repo, ['issues']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe(
      'lanes: GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with gh auth login\n',
    );
    const rejected = await lanes(repo, ['issues'], { GITHUB_TOKEN: 'ghp_not_valid' });
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toMatch(/^lanes: GitHub rejected the token from GITHUB_TOKEN \(401 Bad credentials/);
    expect(rejected.stderr).not.toContain('ghp_not_valid');
  });

  it('reports an unreachable tracker in one line with exit 1', async () => {
    const url = await deadUrl();
    const r = await lanes(
      await repoWith({ issues: { source: 'github', repo: 'octo/app', baseUrl: url } }),
      ['new', '1', '--no-agent'],
      { GITHUB_TOKEN },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(`lanes: cannot reach GitHub at ${url}: connection refused\n`);
  });
});

describe('lanes with Linear issues', () => {
  it('makes lane eng-42 from ENG-42 and lists by label', async () => {
    const repo = await repoWith({ issues: { source: 'linear', team: 'ENG', apiUrl: `${linear.url}/graphql` } });
    const made = await lanes(repo, ['--json', 'new', 'ENG-42', '--no-agent'], { LINEAR_API_KEY });
    expect(made.exitCode).toBe(0);
    expect(
      (made.json() as { lanes: { name: string; issue: { id: string; source: string } }[] }).lanes[0],
    ).toMatchObject({ name: 'eng-42', issue: { id: 'ENG-42', source: 'linear' } });
    const listed = await lanes(repo, ['issues', '--json', '--label', 'bug'], { LINEAR_API_KEY });
    expect((listed.json() as { id: string }[]).map((i) => i.id)).toEqual(['ENG-42']);
  });

  it('refuses an issue of another team and names a missing key', async () => {
    const repo = await repoWith({ issues: { source: 'linear', team: 'ENG', apiUrl: `${linear.url}/graphql` } });
    const other = await lanes(repo, ['new', 'OPS-1', '--no-agent'], { LINEAR_API_KEY });
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe('lanes: issue "OPS-1" belongs to Linear team OPS, not to the configured team ENG\n');
    const missing = await lanes(repo, ['new', 'ENG-42', '--no-agent']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe('lanes: Linear needs an API key: set LINEAR_API_KEY\n');
  });
});

describe('lanes with Jira issues', () => {
  it('lists issues and makes lane proj-42 from a browse URL', async () => {
    const repo = await repoWith({ issues: { source: 'jira', host: jira.url, project: 'PROJ' } });
    const listed = await lanes(repo, ['issues', '--json', '--limit', '2'], JIRA);
    expect(listed.exitCode).toBe(0);
    expect((listed.json() as { id: string }[]).map((i) => i.id)).toEqual(['PROJ-42', 'PROJ-100']);
    const made = await lanes(repo, ['new', `${jira.url}/browse/PROJ-42`, '--no-agent'], JIRA);
    expect(made.exitCode).toBe(0);
    expect(made.stdout).toMatch(/^proj-42\t/);
  });

  it('uses --source jira over a local config, with JIRA_HOST from the environment', async () => {
    const repo = await repoWith({});
    const r = await lanes(repo, ['issues', '--source', 'jira', '--json', '--search', 'invoices'], {
      ...JIRA,
      JIRA_HOST: jira.url,
    });
    expect(r.exitCode).toBe(0);
    expect((r.json() as { id: string; source: string }[]).map((i) => [i.id, i.source])).toEqual([['PROJ-42', 'jira']]);
    const bad = await lanes(repo, ['issues', '--source', 'trello']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('lanes: --source "trello": accepted: local, github, linear, jira\n');
  });
});
