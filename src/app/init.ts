/**
 * `lanes init`: writes `lanes.config.json` with `$schema` (when it can name one every clone has) and what could be
 * detected (base
 * branch, issue folder, package manager, installed agents). It never overwrites an existing file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../domain/errors.js';
import { CONFIG_FILE } from '../infra/config.js';
import { exec } from '../infra/exec.js';
import { writeFileAtomic } from '../infra/fs-atomic.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';

const LOCKFILES: [string, string][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lockb', 'bun'],
  ['bun.lock', 'bun'],
  ['package-lock.json', 'npm'],
  ['uv.lock', 'uv'],
  ['poetry.lock', 'poetry'],
  ['Cargo.lock', 'cargo'],
  ['go.sum', 'go'],
];
const AGENTS = ['claude', 'codex', 'gemini', 'opencode', 'aider'];

export interface InitResult {
  file: string;
  config: Record<string, unknown>;
  detected: { packageManager: string | null; agents: string[]; base: string | null };
}

/** Where the schema is when lanes is installed in the repository (a dev dependency): the same on every clone. */
export const INSTALLED_SCHEMA = './node_modules/lanes/schema/lanes.config.schema.json';

/**
 * The `$schema` to write into a file people commit: the path inside the repository's own
 * node_modules when lanes is installed there, else none (a path of this machine would be wrong on
 * every other one).
 */
export function schemaReference(repoRoot: string): string | undefined {
  return existsSync(join(repoRoot, INSTALLED_SCHEMA)) ? INSTALLED_SCHEMA : undefined;
}

export async function initConfig(ctx: Context, opts: { force?: boolean } = {}): Promise<InitResult> {
  const repo = await ctx.repo();
  const file = join(repo.mainRoot, CONFIG_FILE);
  if (existsSync(file) && !opts.force)
    throw new InputError(`${file} already exists; edit it, or pass --force to write a new one`);
  const base = await git.defaultBase(repo.mainRoot).catch(() => null);
  const packageManager = LOCKFILES.find(([lock]) => existsSync(join(repo.mainRoot, lock)))?.[1] ?? null;
  const agents = (
    await Promise.all(
      AGENTS.map(async (a) =>
        (await exec('sh', ['-c', 'command -v "$1"', 'sh', a], { check: false, env: ctx.env })).exitCode === 0
          ? a
          : null,
      ),
    )
  ).filter((a): a is string => a !== null);
  const schema = schemaReference(repo.mainRoot);
  if (!schema) {
    ctx.io.err(
      `lanes: no $schema written (lanes is not in this repository's node_modules); for editor completion, npm install --save-dev lanes and run lanes init --force, or point "$schema" at ${join(ctx.packageRoot, 'schema', 'lanes.config.schema.json')} in your own editor settings`,
    );
  }
  const config: Record<string, unknown> = {
    ...(schema ? { $schema: schema } : {}),
    ...(base ? { base } : {}),
    issues: { source: 'local', dir: 'issues' },
    envFile: '.env.local',
    copy: { include: ['.env*'], exclude: ['.env.example'] },
    ports: { base: 4000, range: 1000, services: { web: {} } },
    hooks: { postCreate: [], preRemove: [] },
    database: detectDatabase(repo.mainRoot),
    ...(agents[0] && agents[0] !== 'aider' ? { agent: agents[0] } : {}),
  };
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return { file, config, detected: { packageManager, agents, base } };
}

function detectDatabase(root: string): Record<string, unknown> {
  // Only a committed-looking SQLite path is suggested; anything else stays "none" until configured.
  for (const candidate of ['prisma/dev.db', 'db.sqlite3', 'data.db', 'dev.db']) {
    if (existsSync(join(root, candidate))) {
      const head = readFileSync(join(root, candidate)).subarray(0, 16).toString('latin1');
      if (head.startsWith('SQLite format 3')) return { provider: 'sqlite', path: candidate };
    }
  }
  return { provider: 'none' };
}
