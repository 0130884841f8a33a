import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBranches } from '../../src/adapters/db/postgres/index.js';
import { InputError, ToolError } from '../../src/domain/errors.js';
import { freePort, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { postgresBin } from '../helpers/requirements.js';

const bin = await postgresBin();

describe.skipIf(!bin)('postgres database branches', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster(bin!);
    await cluster.sql('CREATE DATABASE app');
    await cluster.sql(
      "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one'), (2, 'two')",
      'app',
    );
  }, 60_000);
  afterAll(async () => cluster?.stop());

  const adapter = (over: Partial<Parameters<typeof postgresBranches>[0]> = {}) =>
    postgresBranches({
      repoRoot: '/repo/a',
      url: cluster.url(),
      template: 'app',
      terminateConnections: false,
      ...over,
    });

  async function query(url: string, sql: string): Promise<unknown[]> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  }

  it("creates a branch with the template data, lists it as this repository's, and drops it", async () => {
    const db = adapter();
    const branch = await db.create({ lane: 'issue-1', path: '/nowhere' });
    expect(branch.name).toMatch(/^lanes_[0-9a-f]{6}_issue_1_[0-9a-f]{6}$/);
    expect(await query(branch.url, 'SELECT name FROM items ORDER BY id')).toEqual([{ name: 'one' }, { name: 'two' }]);
    expect(await db.list()).toContain(branch.name);
    // Another clone of the repository on the same server sees none of them.
    expect(await adapter({ repoRoot: '/repo/b' }).list()).toEqual([]);
    await db.drop(branch);
    await db.drop(branch);
    expect(await db.list()).not.toContain(branch.name);
  });

  it('copies the template with STRATEGY FILE_COPY by default, and WAL_LOG when configured', async () => {
    const byDefault = await adapter().create({ lane: 'issue-strategy-a', path: '/nowhere' });
    const walLog = await adapter({ strategy: 'wal_log' }).create({ lane: 'issue-strategy-b', path: '/nowhere' });
    const log = readFileSync(cluster.log, 'utf8');
    expect(log).toContain(`CREATE DATABASE "${byDefault.name}" TEMPLATE "app" STRATEGY FILE_COPY`);
    expect(log).toContain(`CREATE DATABASE "${walLog.name}" TEMPLATE "app" STRATEGY WAL_LOG`);
    expect(await query(walLog.url, 'SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
    await adapter().drop(byDefault);
    await adapter().drop(walLog);
  });

  it('quotes hostile lane names and keeps them within 63 bytes', async () => {
    const db = adapter();
    const lane = `a"; DROP DATABASE app; --${'x'.repeat(100)}`;
    const branch = await db.create({ lane, path: '/nowhere' });
    expect(Buffer.byteLength(branch.name)).toBeLessThanOrEqual(63);
    expect(await query(cluster.url(), "SELECT datname FROM pg_database WHERE datname = 'app'")).toHaveLength(1);
    await db.drop(branch);
  });

  it('names the open connections on the template and makes nothing', async () => {
    const holder = new pg.Client({ connectionString: cluster.url('app'), application_name: 'the-app' });
    await holder.connect();
    try {
      const db = adapter();
      const err = await db.create({ lane: 'issue-2', path: '/nowhere' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolError);
      expect((err as Error).message).toMatch(
        /cannot branch database "app": 1 open connection\(s\) on it: pid \d+ \(user lanes, the-app/,
      );
      expect(await db.list()).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('terminates connections on the template when the config says so', async () => {
    const holder = new pg.Client({ connectionString: cluster.url('app') });
    holder.on('error', () => undefined);
    await holder.connect();
    const db = adapter({ terminateConnections: true });
    const branch = await db.create({ lane: 'issue-3', path: '/nowhere' });
    expect(await db.list()).toContain(branch.name);
    await db.drop(branch);
    await holder.end().catch(() => undefined);
  });

  it('refuses a template that does not exist, naming it', async () => {
    await expect(adapter({ template: 'nope' }).create({ lane: 'issue-4', path: '/x' })).rejects.toThrow(InputError);
    await expect(adapter({ template: 'nope' }).create({ lane: 'issue-4', path: '/x' })).rejects.toThrow(
      /database\.template "nope" does not exist/,
    );
  });

  it('refuses to create over an existing database of the same name', async () => {
    const db = adapter();
    const branch = await db.create({ lane: 'issue-5', path: '/x' });
    await expect(db.create({ lane: 'issue-5', path: '/x' })).rejects.toThrow(/already exists/);
    await db.drop(branch);
  });

  it("never drops a database outside this repository's prefix", async () => {
    await expect(adapter().drop({ name: 'app', url: '' })).rejects.toThrow(/refusing to drop database "app"/);
    expect(await query(cluster.url(), "SELECT datname FROM pg_database WHERE datname = 'app'")).toHaveLength(1);
  });

  it('reports an unreachable server in one line, naming host and port', async () => {
    const port = await freePort();
    const db = postgresBranches({
      repoRoot: '/repo/a',
      url: `postgres://u:secret@127.0.0.1:${port}/postgres`,
      template: 'app',
      terminateConnections: false,
      connectTimeoutMs: 2000,
    });
    const err = await db.create({ lane: 'issue-6', path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}`));
    expect((err as Error).message).not.toContain('secret');
  });

  it('rejects a URL that is not PostgreSQL', () => {
    expect(() =>
      postgresBranches({ repoRoot: '/r', url: 'mysql://x@y/z', template: 'app', terminateConnections: false }),
    ).toThrow(InputError);
  });
});
