// The dashboard in a real browser: Chromium driven by playwright-core against `lanes ui` serving
// lanes the real CLI made in a temporary repository, with the real Claude Code CLI and the fake
// model server behind the agent runs. The security checks are plain HTTP requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAgentRepo, startModelEndpoint, until, writeAndCommit, type AgentRepo } from '../helpers/agents.js';
import type { ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing, chromiumPath } from '../helpers/requirements.js';
import { CLI, ROOT } from '../helpers/repo.js';
import { commitInLane, finding, insertVerdict, openStore, worktreeOf } from '../helpers/verdicts.js';

const browserPath = chromiumPath();
const skip = agentsMissing() || browserPath === undefined;
/** LANES_SCREENSHOTS=1 writes docs/ui-board.png and docs/ui-lane.png (the README shows them). */
const screenshots = process.env.LANES_SCREENSHOTS === '1';

const FINDING_MESSAGE = 'The greeting ignores an empty name.';
const COMMENT_TEXT = 'Please name this function greetUser.';

let repo: AgentRepo;
let endpoint: ModelEndpoint;
let ui: ChildProcess | undefined;
let url: string;
let origin: string;
let browser: Browser | undefined;

/** Starts `lanes ui --port 0 --json` and reads the address it prints. */
async function startUi(r: AgentRepo): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'ui', '--port', '0', '--json'], {
    cwd: r.root,
    env: { ...r.env, ...r.agentEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const printed = await until(
    `lanes ui to print its address (stderr: ${err})`,
    () => {
      if (child.exitCode !== null) throw new Error(`lanes ui exited ${child.exitCode}: ${err}`);
      try {
        return JSON.parse(out) as { url: string; port: number };
      } catch {
        return undefined;
      }
    },
    20_000,
  );
  return { child, url: printed.url };
}

/** A raw request, so the Host header can be anything. */
function rawGet(path: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function lanePage(name: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  // As a person gets there: from the board, by the lane's card.
  await page.locator(`[data-lane="${name}"]`).click();
  await page.locator('.lane h1').waitFor();
  return page;
}

describe.skipIf(skip)('lanes ui in Chromium', () => {
  beforeAll(async () => {
    const fixer = {
      turns: [
        {
          kind: 'answer' as const,
          json: {
            answers: [
              { id: 'R1-1', status: 'deferred', commit: null, reason: 'belongs to a later issue' },
              { id: 'C1', status: 'deferred', commit: null, reason: 'renamed in the next issue' },
            ],
          },
        },
      ],
    };
    endpoint = await startModelEndpoint(fixer, { 'issue-3': writeAndCommit({ delayMs: 1500 }) });
    repo = makeAgentRepo({ endpoint, issues: 3 });
    const made = await repo.run(['new', '1', '2', '3', '--no-agent']);
    expect(made.code, made.stderr).toBe(0);
    commitInLane(
      repo,
      'issue-1',
      'greet.ts',
      'export function greet(name: string) {\n  return `hi ${name}`;\n}\n',
      'Add greet',
    );
    insertVerdict(repo, 'issue-1', {
      findings: [finding('R1-1', { severity: 'major', file: 'greet.ts', line: 2, message: FINDING_MESSAGE })],
    });
    // Work lanes rm must not lose: an untracked file in lane 2.
    repo.write('../app-worktrees/issue-2/notes.txt', 'mine\n');
    const started = await startUi(repo);
    ui = started.child;
    url = started.url;
    origin = new URL(url).origin;
    browser = await chromium.launch({ executablePath: browserPath!, args: ['--no-sandbox'] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    ui?.kill('SIGTERM');
    if (ui && ui.exitCode === null) await new Promise((r) => ui!.once('exit', r));
    await repo?.dispose();
    await endpoint?.close();
  });

  it('refuses a request without the token, from a foreign origin or for a foreign host', async () => {
    const token = new URL(url).searchParams.get('token')!;
    expect((await fetch(`${origin}/api/board`)).status).toBe(401);
    expect((await fetch(`${origin}/api/board?token=wrong`)).status).toBe(401);
    expect((await fetch(`${origin}/api/board?token=${token}`)).status).toBe(200);
    const foreign = await fetch(`${origin}/api/board?token=${token}`, { headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const post = await fetch(`${origin}/api/lanes/issue-2/actions/rm?token=${token}`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(403);
    // No Origin at all: not from the page either.
    const bare = await fetch(`${origin}/api/lanes/issue-2/actions/rm?token=${token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(bare.status).toBe(403);
    // From the page's origin, a comment that names no line is bad input, said in one line.
    const bad = await fetch(`${origin}/api/lanes/issue-1/comments?token=${token}`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ file: 'greet.ts', body: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'a comment needs "line": a line number of 1 or more', exitCode: 2 });
    // The token becomes an HttpOnly, SameSite=Strict cookie and leaves the address.
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    expect(first.headers.get('set-cookie')).toMatch(/^lanes-ui-\d+=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const port = new URL(origin).port;
    expect(await rawGet(`/api/board?token=${token}`, { Host: `rebound.example:${port}` })).toBe(403);
    expect(await rawGet(`/api/board?token=${token}`, { Host: `localhost:${port}` })).toBe(200);
    // Only the built front end's files: no path reaches the file system.
    const cookie = `lanes-ui-${port}=${token}`;
    expect(await rawGet('/index.html', { Host: `127.0.0.1:${port}`, Cookie: cookie })).toBe(200);
    expect(await rawGet('/../../package.json', { Host: `127.0.0.1:${port}`, Cookie: cookie })).toBe(404);
    expect(await rawGet('/%2e%2e/%2e%2e/package.json', { Host: `127.0.0.1:${port}`, Cookie: cookie })).toBe(404);
    expect(openStore(repo).getLane('issue-2')).toBeDefined();
  });

  it('shows the lanes on the board, each in its column', async () => {
    const page = await browser!.newPage({ viewport: { width: 1500, height: 800 } });
    await page.goto(url);
    // The token left the address for the cookie.
    expect(page.url()).toBe(`${origin}/`);
    await page.locator('[data-lane="issue-1"]').waitFor();
    expect(await page.locator('[data-column="queued"] [data-lane]').count()).toBe(3);
    await expect.poll(() => page.locator('[data-lane="issue-2"]').textContent()).toContain('Issue number 2');
    await page.close();
  });

  it('shows a finding inline in the diff, and a comment on selected lines becomes a finding of the next fix', async () => {
    const page = await lanePage('issue-1');
    const inline = page.locator('[data-file="greet.ts"] [data-testid="inline-finding"]');
    await inline.waitFor();
    expect(await inline.textContent()).toContain(FINDING_MESSAGE);
    expect(await inline.textContent()).toContain('claude');

    await page.locator('[data-file="greet.ts"] td[data-line="1"]').click();
    await page.locator('[data-file="greet.ts"] td[data-line="2"]').click({ modifiers: ['Shift'] });
    await page.locator('.comment-form textarea').fill(COMMENT_TEXT);
    await page.locator('.comment-form button[type="submit"]').click();
    await page.locator('[data-testid="inline-comment"]').waitFor();
    if (screenshots) await page.screenshot({ path: join(ROOT, 'docs', 'ui-lane.png'), fullPage: true });
    await page.close();

    const store = openStore(repo);
    const comments = store.comments.commentsOf('issue-1');
    store.close();
    expect(comments).toMatchObject([{ id: 'C1', file: 'greet.ts', line: 1, endLine: 2, body: COMMENT_TEXT }]);

    const fixed = await repo.run(['fix', 'issue-1', '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const fixRun = repo.runs().find((r) => r.phase === 'fix')!;
    const prompt = readFileSync(join(fixRun.runDir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('**C1**');
    expect(prompt).toContain(COMMENT_TEXT);
    const after = openStore(repo);
    const answers = after.reviews.answersOf('issue-1');
    after.close();
    expect(answers.map((a) => [a.finding, a.status])).toEqual([
      ['R1-1', 'deferred'],
      ['C1', 'deferred'],
    ]);
  }, 60_000);

  it('refuses in the page to remove a lane with uncommitted work', async () => {
    const page = await lanePage('issue-2');
    page.on('dialog', (d) => void d.accept());
    await page.locator('[data-action="rm"]').click();
    const outcome = page.locator('[data-testid="outcome"]');
    await outcome.waitFor();
    expect(await outcome.textContent()).toContain('refusing to remove lane issue-2');
    await page.close();
    const store = openStore(repo);
    expect(store.getLane('issue-2')).toBeDefined();
    store.close();
    expect(readFileSync(join(worktreeOf(repo, 'issue-2'), 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('shows a live agent log line and a notification when the run finishes', async () => {
    const page = await lanePage('issue-3');
    await page.locator('[data-testid="log"]').waitFor();
    const started = await repo.run(['start', 'issue-3']);
    expect(started.code, started.stderr).toBe(0);
    await expect
      .poll(() => page.locator('[data-testid="log"]').textContent(), { timeout: 30_000 })
      .toContain('Writing work.txt.');
    await expect
      .poll(() => page.locator('[data-testid="toast"]').allTextContents(), { timeout: 30_000 })
      .toContainEqual('issue-3: the implement run finished');
    await page.close();

    // A rule lanes heal applied (as heal stores it) is listed on the stats page with what it stands on.
    const rules = openStore(repo);
    const at = new Date().toISOString();
    rules.rules.put({
      id: 'H-test0001',
      status: 'active',
      direction: 'implementer',
      category: 'missing-test',
      text: 'Add a regression test with every bug fix.',
      scope: [],
      group: 'g1',
      citations: [
        { key: '1:R1-1', lane: 'issue-1', round: 1, id: 'R1-1', file: null, line: null, message: 'no test' },
        { key: '2:R1-1', lane: 'issue-2', round: 1, id: 'R1-1', file: null, line: null, message: 'no test either' },
      ],
      runId: null,
      createdAt: at,
      activatedAt: at,
      retiredAt: null,
      retiredWhy: null,
      applied: null,
      removed: null,
    });
    rules.close();

    // The stats page charts what lanes stats reports: the run's model under cost per model.
    const stats = await browser!.newPage({ viewport: { width: 1400, height: 800 } });
    await stats.goto(url);
    await stats.locator('a.nav').click();
    await stats.locator('.tiles').waitFor();
    expect(await stats.locator('.tiles').textContent()).toContain('first-review pass rate');
    await expect.poll(() => stats.locator('.bar-label').allTextContents()).toContain('claude-sonnet-4-5');
    expect(await stats.locator('[data-testid="healed-rules"]').textContent()).toMatch(
      /H-test0001\s*active\s*Add a regression test with every bug fix\. \(implementer · missing-test · 2 findings in 2 lanes\)/,
    );
    if (screenshots) await stats.screenshot({ path: join(ROOT, 'docs', 'ui-stats.png') });
    await stats.close();
    if (screenshots) {
      const board = await browser!.newPage({ viewport: { width: 1500, height: 620 } });
      await board.goto(url);
      await board.locator('[data-lane="issue-3"]').waitFor();
      await board.screenshot({ path: join(ROOT, 'docs', 'ui-board.png') });
      await board.close();
    }
  }, 60_000);
});
