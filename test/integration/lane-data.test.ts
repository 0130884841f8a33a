import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLanes } from '../../src/app/create-lane.js';
import { doctor } from '../../src/app/doctor.js';
import { removeLane } from '../../src/app/remove-lane.js';
import { warmDependencies, planWarmup } from '../../src/app/lane/warm-dependencies.js';
import { exec } from '../../src/infra/exec.js';
import { makeLaneRepo, type LaneRepo } from '../helpers/lane-repo.js';
import { npmProjectFiles } from '../helpers/npm-project.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { postgresBin } from '../helpers/requirements.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
let repo: LaneRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function makeSqlite(file: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = wal');
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('main')");
  db.close();
}

describe('lanes with a sqlite database and warm npm dependencies', () => {
  it('creates a lane with its own database copy, DATABASE_URL in the env file, cloned node_modules; rm removes it all', async () => {
    repo = await makeLaneRepo(
      { database: { provider: 'sqlite', path: 'data/app.db' } },
      npmProjectFiles(['picocolors', 'ms']),
    );
    makeSqlite(join(repo.root, 'data', 'app.db'));
    await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: repo.root, env: repo.env });
    // A symlink in node_modules must stay a symlink in the lane.
    symlinkSync('picocolors/package.json', join(repo.root, 'node_modules', 'link-to-pkg.json'));
    const ctx = repo.context();
    const res = await createLanes(ctx, ['1']);
    expect(res.failed).toEqual([]);
    const lane = res.created[0]!;
    expect(lane.database).toMatchObject({ provider: 'sqlite', url: `file:${join(lane.path, 'data', 'app.db')}` });
    expect(readFileSync(join(lane.path, '.env.local'), 'utf8')).toContain(
      `DATABASE_URL="file:${join(lane.path, 'data', 'app.db')}"`,
    );
    const copy = new Database(join(lane.path, 'data', 'app.db'));
    copy.exec("INSERT INTO t VALUES ('lane')");
    copy.close();
    const main = new Database(join(repo.root, 'data', 'app.db'), { readonly: true });
    expect(main.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    main.close();
    expect(existsSync(join(lane.path, 'node_modules', 'picocolors', 'package.json'))).toBe(true);
    expect(lstatSync(join(lane.path, 'node_modules', 'link-to-pkg.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(lane.path, 'node_modules', 'link-to-pkg.json'))).toBe('picocolors/package.json');
    // Not a hard link: a lane editing a file in place leaves the main worktree's alone.
    expect(lstatSync(join(lane.path, 'node_modules', 'ms', 'index.js')).ino).not.toBe(
      lstatSync(join(repo.root, 'node_modules', 'ms', 'index.js')).ino,
    );
    expect(repo.err.join('\n')).toMatch(/cloning node_modules from the main worktree/);
    // The lockfile is committed, so the clone ran beside the checkout and was moved in: no install,
    // no staging folder left behind.
    expect(repo.err.join('\n')).toMatch(/issue-1: node_modules ready \(cloned\)/);
    expect(repo.err.join('\n')).not.toMatch(/running npm ci/);
    expect(existsSync(join(dirname(lane.path), `.${lane.name}.lanes-deps`))).toBe(false);

    await removeLane(ctx, lane, {});
    expect(existsSync(lane.path)).toBe(false);
    ctx.close();
  });

  it('rolls back the database copy and the dependencies when a later step (database.afterBranch) fails', async () => {
    repo = await makeLaneRepo(
      { database: { provider: 'sqlite', path: 'data/app.db', afterBranch: 'echo migrating; exit 3' } },
      npmProjectFiles(['ms']),
    );
    makeSqlite(join(repo.root, 'data', 'app.db'));
    await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: repo.root, env: repo.env });
    const ctx = repo.context();
    const res = await createLanes(ctx, ['1']);
    expect(res.created).toEqual([]);
    expect(res.failed[0]?.error.message).toMatch(/database\.afterBranch "echo migrating; exit 3" failed \(exit 3\)/);
    const path = join(repo.dir, 'app-worktrees', 'issue-1');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(repo.dir, 'app-worktrees', '.issue-1.lanes-deps'))).toBe(false);
    expect((await ctx.store()).listLanes()).toEqual([]);
    expect(await repo.git('branch', '--list', 'issue-1')).toBe('');
    ctx.close();
  });

  it('makes nothing when the main sqlite file is missing', async () => {
    repo = await makeLaneRepo({ database: { provider: 'sqlite', path: 'data/missing.db' } });
    const ctx = repo.context();
    const res = await createLanes(ctx, ['1']);
    expect(res.failed[0]?.error.message).toMatch(/^database\.path "data\/missing\.db": no such file/);
    expect(res.failed[0]?.error.exitCode).toBe(2);
    expect(existsSync(join(repo.dir, 'app-worktrees', 'issue-1'))).toBe(false);
    expect((await ctx.store()).listLanes()).toEqual([]);
    ctx.close();
  });

  it('runs npm ci in the lane when its lockfile differs, and a failing install is a warning that keeps the lane usable', async () => {
    repo = await makeLaneRepo({}, npmProjectFiles(['ms']));
    await exec('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: repo.root, env: repo.env });
    const lanePath = join(repo.dir, 'lane-a');
    mkdirSync(lanePath);
    const files = npmProjectFiles(['ms', 'picocolors']);
    writeFileSync(join(lanePath, 'package.json'), files['package.json']);
    writeFileSync(join(lanePath, 'package-lock.json'), files['package-lock.json']);
    const ctx = repo.context({ npm_config_offline: 'true' });
    const cfg = { enabled: true, install: true };
    const results = await warmDependencies(ctx, 'lane-a', repo.root, lanePath, planWarmup(lanePath, cfg), cfg);
    expect(results).toMatchObject([{ manager: 'npm', method: 'install' }]);
    expect(existsSync(join(lanePath, 'node_modules', 'picocolors'))).toBe(true);

    // A lockfile that names a package the cache cannot supply: npm ci fails, the result is a warning.
    const broken = join(repo.dir, 'lane-b');
    mkdirSync(broken);
    writeFileSync(
      join(broken, 'package.json'),
      JSON.stringify({ name: 'b', version: '1.0.0', dependencies: { 'no-such-package-lanes-test': '1.0.0' } }),
    );
    writeFileSync(
      join(broken, 'package-lock.json'),
      JSON.stringify({
        name: 'b',
        version: '1.0.0',
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { 'no-such-package-lanes-test': '1.0.0' } },
          'node_modules/no-such-package-lanes-test': {
            version: '1.0.0',
            resolved: 'https://registry.npmjs.org/no-such-package-lanes-test/-/no-such-package-lanes-test-1.0.0.tgz',
          },
        },
      }),
    );
    const failed = await warmDependencies(ctx, 'lane-b', repo.root, broken, planWarmup(broken, cfg), cfg);
    expect(failed[0]?.method).toBe('failed');
    expect(failed[0]?.warning).toMatch(/^npm ci --no-audit --no-fund failed \(exit \d+\) in .*lane-b: .*ENOTCACHED/);
    ctx.close();
  });
});

const bin = await postgresBin();
describe.skipIf(!bin)('lanes with a postgres database', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster(bin!);
    await cluster.sql('CREATE DATABASE app');
  }, 60_000);
  afterAll(async () => cluster?.stop());

  async function databases(): Promise<string[]> {
    const c = new pg.Client({ connectionString: cluster.url() });
    await c.connect();
    const rows = (
      await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'lanes%' ORDER BY 1")
    ).rows;
    await c.end();
    return rows.map((r) => r.datname);
  }

  it('branches on lanes new, shows it in the env, drops it on lanes rm', async () => {
    repo = await makeLaneRepo({ database: { provider: 'postgres', url: cluster.url(), template: 'app' } });
    const ctx = repo.context();
    const { created } = await createLanes(ctx, ['1']);
    const lane = created[0]!;
    expect(lane.database?.url).toBe(cluster.url(lane.database!.name));
    expect(await databases()).toEqual([lane.database!.name]);
    expect(readFileSync(join(lane.path, '.env.local'), 'utf8')).toContain(
      `DATABASE_URL="${cluster.url(lane.database!.name)}"`,
    );
    await removeLane(ctx, lane, {});
    expect(await databases()).toEqual([]);
    ctx.close();
  });

  it('a failing later step leaves no database behind; doctor finds and drops a database whose lane is gone', async () => {
    repo = await makeLaneRepo({
      database: { provider: 'postgres', url: cluster.url(), template: 'app' },
      hooks: { postCreate: ['exit 1'] },
    });
    const ctx = repo.context();
    const res = await createLanes(ctx, ['1']);
    expect(res.failed).toHaveLength(1);
    expect(await databases()).toEqual([]);
    ctx.close();

    // A database of this repository that no lane owns (e.g. left by a killed process).
    const c = new pg.Client({ connectionString: cluster.url() });
    await c.connect();
    const { dbBranchName } = await import('../../src/domain/db-naming.js');
    const orphan = dbBranchName(repo.root, 'issue-9');
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(orphan)} TEMPLATE app`);
    await c.end();
    const ctx2 = repo.context();
    const found = await doctor(ctx2, { fix: false });
    expect(found).toContainEqual(expect.objectContaining({ kind: 'orphan-database', fixed: false }));
    const fixed = await doctor(ctx2, { fix: true });
    expect(fixed).toContainEqual(expect.objectContaining({ kind: 'orphan-database', fixed: true }));
    expect(await databases()).toEqual([]);
    ctx2.close();
  });

  it('an unreachable server fails lane creation with a clear error and makes nothing', async () => {
    repo = await makeLaneRepo({
      database: { provider: 'postgres', url: 'postgres://x@127.0.0.1:1/postgres', template: 'app' },
    });
    const ctx = repo.context();
    const res = await createLanes(ctx, ['1']);
    expect(res.failed[0]?.error.message).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:1/);
    expect(existsSync(join(repo.dir, 'app-worktrees', 'issue-1'))).toBe(false);
    ctx.close();
  });
});
