// The host-side scripts run for real under this machine's `sh` (what ssh would hand the host), with
// a base folder and URL full of shell syntax: nothing in them runs, the lane's worktree is made at
// the start commit, the variable block reaches the agent, and the exit line follows its output.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/helpers/repo.js';
import {
  agentScript,
  baseWord,
  envBlock,
  prepareScript,
  remoteCommand,
  resultScript,
  writeFileScript,
  type RemoteLayout,
} from './remote-scripts.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs a remote command string the way sshd does: the login shell parses it. */
function onHost(command: string, input = '', env: Record<string, string> = {}) {
  const res = spawnSync('sh', ['-c', command], { input, encoding: 'utf8', env: { ...testEnv(dir!), ...env } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the scripts run on an SSH host', () => {
  it('prepare, copy, run and result keep hostile names literal', () => {
    dir = mkdtempSync(join(tmpdir(), 'lanes-ssh-scripts-'));
    const env = testEnv(dir);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
    const hostile = join(dir, `base $(touch pwned) '"; touch pwned2`);
    const remote = join(dir, `remote '$(touch pwned3)'.git`);
    git('init', '-q', '--bare', remote);
    git('init', '-q', '-b', 'main', join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
    execFileSync('git', ['add', '-A'], { cwd: join(dir, 'src'), env });
    execFileSync('git', ['commit', '-q', '-m', 'a'], { cwd: join(dir, 'src'), env });
    execFileSync('git', ['push', '-q', remote, 'main:refs/heads/issue-1'], { cwd: join(dir, 'src'), env });
    const start = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: join(dir, 'src'), env, encoding: 'utf8' }).trim();

    const layout: RemoteLayout = { base: hostile, repoKey: 'app-0123456789', lane: 'issue-1' };
    const prepared = onHost(remoteCommand(prepareScript(layout, remote, 'issue-1', start), { LANG: 'C' }));
    expect(prepared.stderr).toBe('');
    expect(prepared.stdout.trim()).toBe(hostile);
    const wt = join(hostile, 'app-0123456789', 'lanes', 'issue-1');
    expect(readFileSync(join(wt, 'a.txt'), 'utf8')).toBe('a\n');

    const prompt = 'the prompt, with $(touch pwned4) and `backticks`\n';
    expect(onHost(remoteCommand(writeFileScript(layout, 'prompt.md')), prompt).code).toBe(0);
    const script = agentScript(layout, {
      file: 'sh',
      args: ['-c', 'printf "%s|%s|" "$KEY" "$(cat)"; echo "$1"', 'sh', "an 'arg' $(x)"],
      stdinFile: 'prompt.md',
      envEnd: 'END-abc',
      exitMarker: 'EXIT-xyz',
    });
    const run = onHost(remoteCommand(script), envBlock({ KEY: "se'cr\net $(touch pwned5)" }, 'END-abc'));
    expect(run.stdout).toBe(`se'cr\net $(touch pwned5)|${prompt.trimEnd()}|an 'arg' $(x)\nEXIT-xyz 0\n`);
    // The pid file is gone once the agent ended.
    expect(existsSync(join(hostile, 'app-0123456789', 'runs', 'issue-1', 'agent.pid'))).toBe(false);

    // A commit in the host worktree is what result reports, under lanes' ref.
    mkdirSync(join(wt, 'b'), { recursive: true });
    writeFileSync(join(wt, 'b', 'b.txt'), 'b\n');
    execFileSync('git', ['add', '-A'], { cwd: wt, env });
    execFileSync('git', ['commit', '-q', '-m', 'b'], { cwd: wt, env });
    const head = onHost(remoteCommand(resultScript(layout))).stdout.trim();
    expect(head).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: wt, env, encoding: 'utf8' }).trim());

    // Preparing again resets the worktree to the start commit.
    writeFileSync(join(wt, 'left-over.txt'), 'x');
    expect(onHost(remoteCommand(prepareScript(layout, remote, 'issue-1', start))).code).toBe(0);
    expect(existsSync(join(wt, 'left-over.txt'))).toBe(false);
    expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: wt, env, encoding: 'utf8' }).trim()).toBe(start);

    for (const n of ['pwned', 'pwned2', 'pwned3', 'pwned4', 'pwned5'])
      for (const where of [dir, wt, join(dir, 'src')]) expect(existsSync(join(where, n))).toBe(false);
  });

  it('expands ~ in the base folder only as the leading part', () => {
    expect(baseWord('~/.lanes-runner')).toBe('"$HOME"/.lanes-runner');
    expect(baseWord('~')).toBe('"$HOME"');
    expect(baseWord('/srv/a b')).toBe("'/srv/a b'");
    expect(baseWord('~x/y')).toBe("'~x/y'");
  });
});
