import { mkdirSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function laneFile(r: TempRepo, rel: string): string {
  return join(r.parent, 'app-worktrees', 'issue-1', rel);
}

describe('symlinked env files copied into a lane', () => {
  it('re-aims a relative .env link whose target lies outside the repository so it reaches the same file', () => {
    repo = makeRepo();
    mkdirSync(join(repo.parent, 'shared'));
    writeFileSync(join(repo.parent, 'shared', '.env'), 'SECRET=1\n');
    symlinkSync('../shared/.env', join(repo.root, '.env'));
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    const link = laneFile(repo, '.env');
    expect(isAbsolute(readlinkSync(link))).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(repo.root, '.env')));
    expect(realpathSync(link)).toBe(join(repo.parent, 'shared', '.env'));
    // The copy is not mistaken for an edit: a clean lane still goes without --force.
    const rm = lanes(repo, ['rm', 'issue-1']);
    expect(rm.code, rm.stderr).toBe(0);
  });

  it('keeps a relative link to a file the lane has its own copy of, and an absolute link as it is', () => {
    repo = makeRepo();
    writeFileSync(join(repo.root, '.env.development'), 'PORT_HINT=dev\n');
    symlinkSync('.env.development', join(repo.root, '.env'));
    writeFileSync(join(repo.parent, 'abs.env'), 'X=1\n');
    symlinkSync(join(repo.parent, 'abs.env'), join(repo.root, '.env.abs'));
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(readlinkSync(laneFile(repo, '.env'))).toBe('.env.development');
    expect(realpathSync(laneFile(repo, '.env'))).toBe(laneFile(repo, '.env.development'));
    expect(readlinkSync(laneFile(repo, '.env.abs'))).toBe(join(repo.parent, 'abs.env'));
  });
});
