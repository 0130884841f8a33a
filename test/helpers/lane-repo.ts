/**
 * A temporary git repository with local issues and a lanes config, and a Context on it, for
 * tests of lane creation and removal. Fixed author and dates; HOME isolated.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type Context } from '../../src/app/context.js';
import type { Adapters } from '../../src/contracts/adapters.js';
import { composeAdapters } from '../../src/cli/compose.js';
import { exec, setBaseEnvironment } from '../../src/infra/exec.js';

export interface LaneRepo {
  root: string;
  dir: string;
  env: Record<string, string>;
  err: string[];
  /** A Context on the repository; `adapters` default to the CLI's own composition. */
  context(extraEnv?: Record<string, string>, adapters?: Adapters): Context;
  git(...args: string[]): Promise<string>;
  cleanup(): void;
}

export async function makeLaneRepo(
  config: Record<string, unknown>,
  files: Record<string, string> = {},
): Promise<LaneRepo> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'lanes-repo-')));
  const root = join(dir, 'app');
  mkdirSync(join(root, 'issues'), { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    TMPDIR: join(dir, 'tmp'),
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
    GIT_CONFIG_NOSYSTEM: '1',
    // HOME is isolated, the npm cache is not: the npm fixtures install offline from it.
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
  };
  mkdirSync(env.HOME!, { recursive: true });
  mkdirSync(env.TMPDIR!, { recursive: true });
  setBaseEnvironment(env);
  writeFileSync(join(root, 'lanes.config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(root, 'issues', '1.md'), '# Add a widget\n\nBody.\n');
  writeFileSync(join(root, 'issues', '2.md'), '# Another one\n\nBody.\n');
  writeFileSync(join(root, '.gitignore'), '.env*\nnode_modules/\n*.db\n*.db-*\n');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const git = async (...args: string[]) => (await exec('git', args, { cwd: root, env })).stdout;
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'init');
  const err: string[] = [];
  return {
    root,
    dir,
    env,
    err,
    git,
    context(extraEnv = {}, adapters = composeAdapters()) {
      return createContext({
        cwd: root,
        env: { ...env, ...extraEnv },
        signal: new AbortController().signal,
        io: { out: () => undefined, err: (t) => void err.push(t), interactive: false, confirm: async () => undefined },
        yes: true,
        packageRoot: process.cwd(),
        adapters,
      });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
