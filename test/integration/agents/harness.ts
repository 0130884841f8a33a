/**
 * Runs a real agent CLI (installed in test/agents) the way lanes will: the adapter's launch
 * (argv, env, files, prompt file as stdin), inside a temporary git repository with a fresh HOME,
 * against a fake model server. Test code only: it spawns directly instead of through lanes'
 * process gateway, which belongs to the lifecycle core.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentAdapter, AgentEvent, AgentLaunch, AgentRunRequest } from '../../../src/contracts/agent-adapter.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const AGENTS_BIN = join(root, 'test/agents/node_modules/.bin');

export function agentBin(name: string): string {
  return join(AGENTS_BIN, name);
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Lane Agent',
  GIT_AUTHOR_EMAIL: 'agent@lanes.test',
  GIT_COMMITTER_NAME: 'Lane Agent',
  GIT_COMMITTER_EMAIL: 'agent@lanes.test',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

export interface Sandbox {
  dir: string;
  repo: string;
  home: string;
  runDir: string;
  git(...args: string[]): string;
  cleanup(): void;
}

/** A temporary repository with one commit, an empty home and a run directory. */
export function makeSandbox(prefix: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), `lanes-agent-${prefix}-`));
  const repo = join(dir, 'repo');
  const home = join(dir, 'home');
  const runDir = join(dir, 'run');
  for (const d of [repo, home, runDir]) mkdirSync(d, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ...GIT_IDENTITY },
    }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# sample\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  return { dir, repo, home, runDir, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentRun {
  launch: AgentLaunch;
  exitCode: number | null;
  events: AgentEvent[];
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  prompt?: string;
  model?: string;
  /** The user's environment as lanes would pass it to the adapter (LANES_AGENT_BASE_URL …). */
  env: Record<string, string>;
  resumeSessionId?: string;
  timeoutMs?: number;
  /** A reviewer's run: read-only, a schema for the final answer, nothing left to resume. */
  review?: Pick<AgentRunRequest, 'readOnly' | 'outputSchemaFile' | 'ephemeral'>;
}

export async function runAgent(adapter: AgentAdapter, box: Sandbox, opts: RunOptions): Promise<AgentRun> {
  const promptFile = join(box.runDir, 'prompt.md');
  writeFileSync(promptFile, opts.prompt ?? 'Create hello.txt saying hello, then commit it.\n');
  const request: AgentRunRequest = {
    promptFile,
    lane: 'issue-1',
    worktree: box.repo,
    runDir: box.runDir,
    agentHome: box.home,
    env: opts.env,
    bin: agentBin(adapter.defaultBin),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.resumeSessionId ? { resumeSessionId: opts.resumeSessionId } : {}),
    ...opts.review,
  };
  const launch = adapter.launch(request);
  for (const f of launch.files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content);
  }
  // Only PATH (for node, git, bash) and the git identity come from outside: nothing of the
  // developer's own environment (API keys, HOME, XDG dirs) reaches the agent.
  // TMPDIR inside the sandbox: CLIs leave files there (Gemini CLI's error reports) that go with it.
  const tmp = join(box.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TMPDIR: tmp,
    ...GIT_IDENTITY,
    ...launch.env,
  };
  const stdinFd = launch.stdin === 'closed' ? undefined : openSync(launch.stdin.file, 'r');
  const started = Date.now();
  const child = spawn(launch.file, launch.args, { cwd: launch.cwd, env, stdio: [stdinFd ?? 'ignore', 'pipe', 'pipe'] });
  if (stdinFd !== undefined) closeSync(stdinFd);
  const parser = adapter.createParser();
  const events: AgentEvent[] = [];
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (l) => {
    stdout += l + '\n';
    events.push(...parser.push(l));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
  const exitCode = await new Promise<number | null>((res) => child.once('close', (code) => res(code)));
  clearTimeout(timer);
  events.push(...parser.end());
  return { launch, exitCode, events, stdout, stderr, durationMs: Date.now() - started };
}

/** Printed when a run does not go as the test expects: the agent's own words say why. */
export function describeRun(run: AgentRun): string {
  return `exit ${run.exitCode} after ${run.durationMs} ms\n$ ${run.launch.file} ${run.launch.args.join(' ')}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`;
}
