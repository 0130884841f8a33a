/**
 * The install-time guard of dependency installs: an install whose command text is not approved
 * when it would run (lanes new asked in its plan, but a clone that failed falls back to an
 * install, or a caller skipped the plan) is skipped with a warning, and the repository's
 * scripts do not run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { composeAdapters } from '../../src/cli/compose.js';
import { planWarmup, plannedInstalls, warmDependencies } from '../../src/app/lane/warm-dependencies.js';
import { makeLaneRepo, type LaneRepo } from '../helpers/lane-repo.js';

let repo: LaneRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const files = {
  'package.json': JSON.stringify({
    name: 'a',
    version: '1.0.0',
    private: true,
    scripts: { postinstall: "node -e \"require('fs').writeFileSync('postinstall-ran', '')\"" },
  }),
  'package-lock.json': JSON.stringify({
    name: 'a',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'a', version: '1.0.0' } },
  }),
};

function contextWithoutYes(r: LaneRepo) {
  const err: string[] = [];
  const ctx = createContext({
    cwd: r.root,
    env: { ...r.env, npm_config_offline: 'true' },
    signal: new AbortController().signal,
    io: { out: () => undefined, err: (t) => void err.push(t), interactive: false, confirm: async () => undefined },
    yes: false,
    packageRoot: process.cwd(),
    adapters: composeAdapters(),
  });
  return { ctx, err };
}

describe('dependency installs at the moment they would run', () => {
  it('skips an unapproved install with a warning and runs it once approved', async () => {
    repo = await makeLaneRepo({}, files);
    const lane = join(repo.dir, 'lane');
    mkdirSync(lane);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(lane, name), text);
    const { ctx, err } = contextWithoutYes(repo);
    const cfg = { enabled: true, install: true };
    const skipped = await warmDependencies(ctx, 'lane', repo.root, lane, planWarmup(lane, cfg), cfg);
    expect(skipped).toMatchObject([{ manager: 'npm', method: 'skipped' }]);
    expect(skipped[0]?.warning).toMatch(/^npm ci --no-audit --no-fund is not approved, so it did not run/);
    expect(err.join('\n')).toContain('lanes: warning: lane: npm ci --no-audit --no-fund is not approved');
    expect(existsSync(join(lane, 'postinstall-ran'))).toBe(false);

    (await ctx.store()).approve('npm ci --no-audit --no-fund');
    const installed = await warmDependencies(ctx, 'lane', repo.root, lane, planWarmup(lane, cfg), cfg);
    expect(installed).toMatchObject([{ manager: 'npm', method: 'install' }]);
    expect(existsSync(join(lane, 'postinstall-ran'))).toBe(true);
    ctx.close();
  });

  it("predicts an install per detected manager, joining a manager's commands into one approval text", async () => {
    repo = await makeLaneRepo({}, { ...files, 'requirements.txt': 'six==1.16.0\n', 'go.sum': '' });
    const { ctx } = contextWithoutYes(repo);
    const head = (await repo.git('rev-parse', 'HEAD')).trim();
    expect(await plannedInstalls(ctx, repo.root, head, { enabled: true, install: true })).toEqual([
      { manager: 'npm', lockfile: 'package-lock.json', command: 'npm ci --no-audit --no-fund' },
      {
        manager: 'pip',
        lockfile: 'requirements.txt',
        command: 'python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt',
      },
      { manager: 'go', lockfile: 'go.sum', command: 'go mod download' },
    ]);
    expect(await plannedInstalls(ctx, repo.root, head, { enabled: true, install: false })).toEqual([]);
    expect(await plannedInstalls(ctx, repo.root, head, { enabled: false, install: true })).toEqual([]);
    // With node_modules installed in the main worktree and the same lockfile, npm clones instead.
    mkdirSync(join(repo.root, 'node_modules'));
    expect(
      (await plannedInstalls(ctx, repo.root, head, { enabled: true, install: true })).map((p) => p.manager),
    ).toEqual(['pip', 'go']);
    ctx.close();
  });
});
