/**
 * Commands from a repository run only after approval: hooks and dependency installs (`npm ci`
 * runs the project's and the packages' lifecycle scripts). The project here has no dependencies,
 * so npm ci needs no network; its postinstall script writes a marker file, which shows whether
 * the repository's code ran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

const NPM_CI = 'npm ci --no-audit --no-fund';
const packageJson = JSON.stringify(
  {
    name: 'fixture-app',
    version: '1.0.0',
    private: true,
    scripts: { postinstall: "node -e \"require('fs').writeFileSync('postinstall-ran', '')\"" },
  },
  null,
  2,
);
const packageLock = JSON.stringify(
  {
    name: 'fixture-app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'fixture-app', version: '1.0.0' } },
  },
  null,
  2,
);

function npmRepo(config: Record<string, unknown> = {}): TempRepo {
  const r = makeRepo({
    files: {
      'package.json': packageJson,
      'package-lock.json': packageLock,
      'lanes.config.json': JSON.stringify(config),
    },
  });
  addIssue(r, 1, 'first');
  addIssue(r, 2, 'second');
  r.commitAll('project');
  return r;
}

const lanePath = (r: TempRepo, lane: string) => join(r.parent, 'app-worktrees', lane);
// npm finds its cache under HOME, which the test isolates; offline keeps it from the network.
const npmEnv = { npm_config_offline: 'true', npm_config_update_notifier: 'false' };

describe('dependency installs need approval', () => {
  it('refuses an unapproved npm ci without a terminal, naming the command, before anything is made', () => {
    repo = npmRepo();
    const res = lanes(repo, ['new', '1', '--no-agent'], { env: npmEnv });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr.trim()).toBe(
      `lanes: the dependency install (npm, package-lock.json) "${NPM_CI}" is not approved yet`,
    );
    expect(existsSync(lanePath(repo, 'issue-1'))).toBe(false);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
  });

  it('runs npm ci with its lifecycle scripts after --yes, and remembers the approval for the next lane', () => {
    repo = npmRepo();
    const first = lanes(repo, ['new', '1', '--no-agent', '--yes'], { env: npmEnv });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`running ${NPM_CI}`);
    expect(existsSync(join(lanePath(repo, 'issue-1'), 'postinstall-ran'))).toBe(true);
    const second = lanes(repo, ['new', '2', '--no-agent'], { env: npmEnv });
    expect(second.code, second.stderr).toBe(0);
    expect(existsSync(join(lanePath(repo, 'issue-2'), 'postinstall-ran'))).toBe(true);
  });

  it('skips installs without asking when dependencies.install is false', () => {
    repo = npmRepo({ dependencies: { install: false } });
    const res = lanes(repo, ['new', '1', '--no-agent'], { env: npmEnv });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('npm ci');
    expect(existsSync(lanePath(repo, 'issue-1'))).toBe(true);
    expect(existsSync(join(lanePath(repo, 'issue-1'), 'postinstall-ran'))).toBe(false);
  });

  it('needs no approval to clone node_modules from the main worktree when the lockfile matches', () => {
    repo = npmRepo();
    mkdirSync(join(repo.root, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(repo.root, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n');
    const res = lanes(repo, ['new', '1', '--no-agent'], { env: npmEnv });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('npm ci');
    expect(existsSync(join(lanePath(repo, 'issue-1'), 'node_modules', 'left-pad', 'index.js'))).toBe(true);
    expect(existsSync(join(lanePath(repo, 'issue-1'), 'postinstall-ran'))).toBe(false);
  });

  it("asks again when the main worktree's lockfile differs from the base, so the lane would install", () => {
    repo = npmRepo();
    mkdirSync(join(repo.root, 'node_modules'), { recursive: true });
    writeFileSync(join(repo.root, 'package-lock.json'), packageLock.replace('"1.0.0"', '"1.0.1"'));
    const res = lanes(repo, ['new', '1', '--no-agent'], { env: npmEnv });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`"${NPM_CI}" is not approved yet`);
    expect(existsSync(lanePath(repo, 'issue-1'))).toBe(false);
  });

  it('remembers approvals per exact command text: an approved hook does not approve npm ci', () => {
    repo = npmRepo({ hooks: { postCreate: ['true'] }, dependencies: { install: false } });
    expect(lanes(repo, ['new', '1', '--no-agent', '--yes'], { env: npmEnv }).code).toBe(0);
    writeFileSync(join(repo.root, 'lanes.config.json'), JSON.stringify({ hooks: { postCreate: ['true'] } }));
    const res = lanes(repo, ['new', '2', '--no-agent'], { env: npmEnv });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`"${NPM_CI}" is not approved yet`);
  });
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs the CLI on a pseudo-terminal (util-linux `script`), answering the prompt with `answer`. */
function lanesOnTerminal(r: TempRepo, args: string[], answer: string): { code: number; output: string } {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const res = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: r.root,
    env: { ...r.env, ...npmEnv },
    input: answer,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status ?? 1, output: res.stdout };
}

describe.skipIf(!hasScript)('the approval prompt on a terminal', () => {
  it('shows a carriage return and an ESC sequence hidden in a hook as escapes, and runs nothing when refused', () => {
    const hidden = 'touch pwned\r\x1b[2Knpm test';
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: [hidden] } }) } });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const res = lanesOnTerminal(repo, ['new', '1', '--no-agent'], 'n\n');
    expect(res.code, res.output).toBe(2);
    expect(res.output).toContain('lanes: hooks.postCreate wants to run: touch pwned\\r\\x1b[2Knpm test');
    // The hidden part never reaches the terminal as a control sequence.
    expect(res.output).not.toContain('\x1b[2K');
    expect(res.output).toContain('"touch pwned\\r\\x1b[2Knpm test" was not approved; nothing was changed');
    expect(existsSync(lanePath(repo, 'issue-1'))).toBe(false);
  });

  it('asks for npm ci, saying it runs install scripts; yes runs it and is remembered', () => {
    repo = npmRepo();
    const res = lanesOnTerminal(repo, ['new', '1', '--no-agent'], 'y\n');
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain(`lanes: the dependency install (npm, package-lock.json) wants to run: ${NPM_CI}`);
    expect(res.output).toContain('It runs code from the repository and its packages (install scripts)');
    expect(existsSync(join(lanePath(repo, 'issue-1'), 'postinstall-ran'))).toBe(true);
    const again = lanes(repo, ['new', '2', '--no-agent'], { env: npmEnv });
    expect(again.code, again.stderr).toBe(0);
  });
});
