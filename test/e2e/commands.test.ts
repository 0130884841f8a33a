import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, addIssue, json, lanes, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

describe('hooks', () => {
  it('refuses an unapproved postCreate hook without a terminal, naming it, and makes nothing', () => {
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['touch hook-ran'] } }) } });
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('lanes: hooks.postCreate "touch hook-ran" is not approved yet');
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(false);
  });

  it('runs an approved hook in the lane with the lane env, and remembers the approval', () => {
    repo = makeRepo({
      files: {
        'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['printf "%s %s" "$LANE" "$PORT" > hook-ran'] } }),
      },
    });
    addIssue(repo, 1, 'x');
    addIssue(repo, 2, 'y');
    repo.commitAll('issues');
    expect(lanes(repo, ['new', '1', '--no-agent', '--yes']).code).toBe(0);
    expect(readFileSync(join(repo.parent, 'app-worktrees', 'issue-1', 'hook-ran'), 'utf8')).toMatch(/^issue-1 \d+$/);
    // Approved once: the next lane runs it without --yes.
    const second = lanes(repo, ['new', '2', '--no-agent']);
    expect(second.code, second.stderr).toBe(0);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-2', 'hook-ran'))).toBe(true);
  });

  it('rolls the lane back when a postCreate hook fails', () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['echo boom >&2; exit 7'] } }) },
    });
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '--no-agent', '--yes']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('hooks.postCreate "echo boom >&2; exit 7" failed (exit 7): boom');
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(false);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
  });

  it('rolls back and exits 130 when interrupted with Ctrl-C during creation', async () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ hooks: { postCreate: ['touch hook-started; sleep 20'] } }) },
    });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const run = lanesAsync(repo, ['new', '1', '--no-agent', '--yes']);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    for (let i = 0; i < 300 && !existsSync(join(wt, 'hook-started')); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(run.pid!, 'SIGINT');
    const res = await run;
    expect(res.code).toBe(130);
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
  });
});

describe('shell integration', () => {
  function binDir(): string {
    const bin = join(repo.parent, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'lanes'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'lanes'), 0o755);
    return bin;
  }

  it('lanes cd changes directory in bash after eval "$(lanes shell-init bash)"', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const bin = binDir();
    const res = spawnSync(
      'bash',
      ['-c', 'eval "$(lanes shell-init bash)"; lanes cd issue-1 && pwd; lanes cd nope; echo "after=$?"; pwd'],
      {
        cwd: repo.root,
        env: { ...repo.env, PATH: `${bin}:${repo.env.PATH}` },
        encoding: 'utf8',
      },
    );
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    expect(res.stdout.split('\n')).toEqual([wt, 'after=2', wt, '']);
    expect(res.stderr).toContain('unknown lane "nope"');
  });

  it('prints integration for zsh, fish and pwsh, and refuses other shells with exit 2', () => {
    repo = makeRepo();
    for (const shell of ['zsh', 'fish', 'pwsh']) {
      const res = lanes(repo, ['shell-init', shell]);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('lanes');
    }
    expect(lanes(repo, ['shell-init', 'fish']).stdout).toContain('function lanes');
    expect(lanes(repo, ['shell-init', 'pwsh']).stdout).toContain('Set-Location -LiteralPath');
    const bad = lanes(repo, ['shell-init', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'tcsh' is invalid");
    expect(bad.stderr).toContain('bash, zsh, fish, pwsh');
  });

  it('quotes the cd hint so a path with quotes and $() is pasted literally', () => {
    repo = makeRepo({ name: "it's $(touch pwned) app" });
    addIssue(repo, 1, 'x');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    const hint = /cd into it with: (.*)$/m.exec(res.stderr)![1]!;
    const run = spawnSync('bash', ['-c', `${hint} && pwd`], { cwd: repo.parent, encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(join(repo.parent, "it's $(touch pwned) app-worktrees", 'issue-1'));
    expect(existsSync(join(repo.parent, 'pwned'))).toBe(false);
  });
});

describe('init, issues and usage', () => {
  it('lanes init writes no $schema when lanes is not installed in the repository, and says how to get completion', () => {
    repo = makeRepo();
    const res = lanes(repo, ['init']);
    expect(res.code, res.stderr).toBe(0);
    const text = readFileSync(join(repo.root, 'lanes.config.json'), 'utf8');
    const config = JSON.parse(text) as { $schema?: string; base: string };
    expect(config.$schema).toBeUndefined();
    // Nothing of this machine goes into a file people commit.
    expect(text).not.toContain(repo.parent);
    expect(text).not.toContain(ROOT);
    expect(res.stderr).toMatch(/^lanes: no \$schema written .*npm install --save-dev lanes.*lanes init --force/m);
    expect(config.base).toBe('main');
    expect(lanes(repo, ['ls']).code).toBe(0);
  });

  it('lanes init writes a config whose $schema is the installed package schema, a path that works on every clone', () => {
    repo = makeRepo();
    // lanes installed as a dev dependency of the repository (as npm would link or copy it).
    mkdirSync(join(repo.root, 'node_modules'));
    symlinkSync(ROOT, join(repo.root, 'node_modules', 'lanes'), 'dir');
    const res = lanes(repo, ['init']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('no $schema');
    const config = JSON.parse(readFileSync(join(repo.root, 'lanes.config.json'), 'utf8')) as {
      $schema: string;
      base: string;
    };
    expect(config.$schema).toBe('./node_modules/lanes/schema/lanes.config.schema.json');
    expect(existsSync(join(repo.root, config.$schema))).toBe(true);
    expect(config.base).toBe('main');
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'lanes.config.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['ports', 'templates', 'hooks', 'copy', 'issues', 'database']),
    );
    // The written config is valid: lanes accepts it.
    expect(lanes(repo, ['ls']).code).toBe(0);
    expect(lanes(repo, ['init']).code).toBe(2);
  });

  it('issue add and issues list local issues with labels, state filter and JSON', () => {
    repo = makeRepo();
    const body = join(repo.parent, 'body.md');
    writeFileSync(body, 'Users need to log in.\n\n## Acceptance criteria\n- a form\n- an error on a wrong password\n');
    expect(lanes(repo, ['issue', 'add', 'Add login page', '--label', 'feature', '--body', body]).stdout.trim()).toBe(
      '1',
    );
    expect(lanes(repo, ['issue', 'add', 'Fix crash', '--label', 'bug']).stdout.trim()).toBe('2');
    repo.write('issues/3-old.md', '---\ntitle: Old\nstate: closed\n---\n');
    const issues = json<{ id: string; title: string; labels: string[]; acceptanceCriteria: string[] }[]>(
      lanes(repo, ['issues', '--json']),
    );
    expect(issues.map((i) => i.id)).toEqual(['1', '2']);
    expect(issues[0]).toMatchObject({
      title: 'Add login page',
      labels: ['feature'],
      acceptanceCriteria: ['a form', 'an error on a wrong password'],
    });
    expect(json<{ id: string }[]>(lanes(repo, ['issues', '--label', 'bug', '--json'])).map((i) => i.id)).toEqual(['2']);
    expect(json<{ id: string }[]>(lanes(repo, ['issues', '--state', 'all', '--json']))).toHaveLength(3);
    expect(lanes(repo, ['issues']).stdout).toContain('Add login page');
    expect(lanes(repo, ['issues', '--limit', 'x']).code).toBe(2);
  });

  it('answers --help on every command and exit 2 on unknown commands and options', () => {
    repo = makeRepo();
    for (const cmd of ['init', 'issues', 'new', 'ls', 'port', 'env', 'cd', 'diff', 'rm', 'doctor', 'shell-init']) {
      const res = lanes(repo, [cmd, '--help']);
      expect(res.code, cmd).toBe(0);
      expect(res.stdout).toContain('Usage: lanes');
    }
    expect(lanes(repo, ['frobnicate']).code).toBe(2);
    expect(lanes(repo, ['ls', '--bogus']).code).toBe(2);
    const outside = spawnSync(process.execPath, [CLI, 'ls'], { cwd: repo.parent, encoding: 'utf8', env: repo.env });
    expect(outside.status).toBe(2);
    expect(outside.stderr.trim()).toBe(`lanes: not a git repository: ${repo.parent}`);
  });

  it('lanes diff shows committed and uncommitted changes against the base', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    writeFileSync(join(wt, 'a.txt'), 'committed\n');
    repo.git('-C', wt, 'add', 'a.txt');
    repo.git('-C', wt, 'commit', '-q', '-m', 'a');
    writeFileSync(join(wt, 'README.md'), 'edited\n');
    const diff = lanes(repo, ['diff', 'issue-1']).stdout;
    expect(diff).toContain('+committed');
    expect(diff).toContain('+edited');
  });
});
