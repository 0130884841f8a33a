/**
 * Temporary git repositories for tests: fixed author and date, an isolated HOME and git config,
 * and cleanup. Every test builds its own; nothing touches the developer's repositories.
 */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'lanes.js');

export interface TempRepo {
  /** Folder holding the repo and its `<repo>-worktrees` sibling. */
  parent: string;
  root: string;
  home: string;
  env: Record<string, string>;
  git(...args: string[]): string;
  write(rel: string, content: string): void;
  commitAll(message: string): string;
  cleanup(): void;
}

export function testEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_AUTHOR_NAME: 'Lane Tester',
    GIT_AUTHOR_EMAIL: 'tester@lanes.test',
    GIT_COMMITTER_NAME: 'Lane Tester',
    GIT_COMMITTER_EMAIL: 'tester@lanes.test',
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };
}

export function makeRepo(opts: { name?: string; files?: Record<string, string>; gitignore?: string } = {}): TempRepo {
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'lanes-test-')));
  const home = join(parent, 'home');
  mkdirSync(home);
  const root = join(parent, opts.name ?? 'app');
  mkdirSync(root);
  const env = testEnv(home);
  // The test's own temporary folder: what lanes and the agents it starts put in TMPDIR goes with the test.
  env.TMPDIR = join(parent, 'tmp');
  mkdirSync(env.TMPDIR);
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const write = (rel: string, content: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  git('init', '-q', '-b', 'main');
  write('README.md', '# app\n');
  write('.gitignore', opts.gitignore ?? '.env*\n!.env.example\nnode_modules/\n');
  for (const [rel, content] of Object.entries(opts.files ?? {})) write(rel, content);
  const commitAll = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  commitAll('initial');
  return {
    parent,
    root,
    home,
    env,
    git,
    write,
    commitAll,
    cleanup: () => rmSync(parent, { recursive: true, force: true }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, in `cwd`. */
export function lanes(
  repo: TempRepo,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): CliResult {
  const res: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? repo.root,
    env: { ...repo.env, ...opts.env },
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 120_000,
  });
  return { code: res.status ?? (res.signal ? 128 : 1), stdout: res.stdout, stderr: res.stderr };
}

/** Starts the CLI without waiting (for concurrency and signal tests). */
export function lanesAsync(
  repo: TempRepo,
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<CliResult> & { pid: number | undefined } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: repo.root,
    env: { ...repo.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
  return Object.assign(done, { pid: child.pid });
}

export function addIssue(
  repo: TempRepo,
  id: number | string,
  title: string,
  front: Record<string, unknown> = {},
  body = '',
): void {
  const lines = [
    '---',
    `title: ${JSON.stringify(title)}`,
    ...Object.entries(front).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
    '---',
    '',
    body,
  ];
  repo.write(`issues/${id}.md`, lines.join('\n'));
}

export function json<T = unknown>(res: CliResult): T {
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${res.code}):\n${res.stdout}\n--- stderr ---\n${res.stderr}`);
  }
}
