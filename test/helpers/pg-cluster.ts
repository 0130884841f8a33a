/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temporary folder
 * on a free port, trust authentication on 127.0.0.1 and a socket in the folder. initdb refuses to
 * run as root, so as root the server runs as the `postgres` system user (runuser).
 */
import pg from 'pg';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../src/infra/exec.js';

export interface PgCluster {
  url: (database?: string) => string;
  /** Runs SQL statements on one database (default postgres) over a fresh connection. */
  sql: (text: string, database?: string) => Promise<unknown[]>;
  /** The server's log file (log_statement=all, so every statement lanes sends is in it). */
  log: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

// Tests do not call setBaseEnvironment for this helper: give each command a PATH of its own.
const env = { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin`, LC_ALL: 'C' };

export async function findPgBinDir(): Promise<string | undefined> {
  const res = await exec('pg_config', ['--bindir'], { check: false, env }).catch(() => undefined);
  const fromConfig = res?.exitCode === 0 ? res.stdout.trim() : undefined;
  if (fromConfig && existsSync(join(fromConfig, 'initdb'))) return fromConfig;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(bin: string): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lanes-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (file: string, args: string[]) =>
    asRoot
      ? exec('runuser', ['-u', 'postgres', '--', join(bin, file), ...args], { env })
      : exec(join(bin, file), args, { env });
  const data = join(dir, 'data');
  let port: number;
  try {
    if (asRoot)
      chownSync(
        dir,
        Number((await exec('id', ['-u', 'postgres'], { env })).stdout.trim()),
        Number((await exec('id', ['-g', 'postgres'], { env })).stdout.trim()),
      );
    await run('initdb', ['-D', data, '-U', 'lanes', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    port = await freePort();
    await run('pg_ctl', [
      '-D',
      data,
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c log_statement=all`,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
    ]);
  } catch (err) {
    // A cluster that did not start leaves nothing behind either.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = (database = 'postgres') => `postgres://lanes@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    log: join(dir, 'log'),
    url,
    async sql(text, database) {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        return (await client.query(text)).rows as unknown[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
