import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

// A full disk is made real with a tiny tmpfs mounted where the worktrees go (root only).
const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

let repo: TempRepo | undefined;
let mounted: string | undefined;
afterEach(() => {
  if (mounted) spawnSync('umount', ['-l', mounted]);
  mounted = undefined;
  repo?.cleanup();
});

describe.skipIf(!canMount)('a full disk during lanes new', () => {
  it('fails with one clear line and leaves no lane, branch, directory or lease', () => {
    repo = makeRepo({ files: { 'big.bin': 'x'.repeat(3 * 1024 * 1024) } });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const worktrees = join(repo.parent, 'app-worktrees');
    mkdirSync(worktrees);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', worktrees]);
    if (mount.status !== 0) return void console.warn(`skipped: cannot mount tmpfs (${String(mount.stderr)})`);
    mounted = worktrees;
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/No space left on device|unable to write/i);
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
    expect(repo.git('branch', '--list', 'issue-1')).toBe('');
    expect(readdirSync(worktrees)).toEqual([]);
    expect(existsSync(join(worktrees, 'issue-1'))).toBe(false);
    expect(json<{ problems: unknown[] }>(lanes(repo, ['doctor', '--json'])).problems).toEqual([]);
  });
});
