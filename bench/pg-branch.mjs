#!/usr/bin/env node
// @ts-check
// PostgreSQL branching benchmark: CREATE DATABASE … TEMPLATE (what lanes' postgres provider runs,
// through pg) against pg_dump | psql into a new database, on a throwaway cluster (initdb + pg_ctl
// on a free port; as root the server runs as the postgres user) holding a database of >= 200 MB.
// Runs alternate; each round's ratio is printed. Usage: node bench/pg-branch.mjs [rounds=3]
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** @type {typeof import('pg')} */
const pg = createRequire(import.meta.url)('pg');
const rounds = Number(process.argv[2] ?? 3);
const root = '/usr/lib/postgresql';
/** @type {string | undefined} PostgreSQL's server binaries */
let bin;
try {
  bin = execFileSync('pg_config', ['--bindir']).toString().trim();
} catch {}
if (!bin || !existsSync(join(bin, 'initdb')))
  bin = existsSync(root)
    ? readdirSync(root)
        .map((v) => join(root, v, 'bin'))
        .find((b) => existsSync(join(b, 'initdb')))
    : undefined;
if (!bin) {
  console.error('no PostgreSQL server binaries (initdb): apt-get install -y postgresql');
  process.exit(2);
}
const binDir = bin;
const asRoot = userInfo().uid === 0;
/** @type {(file: string, args: readonly string[], opts?: import('node:child_process').ExecFileSyncOptions) => void} as the postgres user when root */
const sh = (file, args, opts = {}) =>
  void execFileSync(asRoot ? 'runuser' : file, asRoot ? ['-u', 'postgres', '--', file, ...args] : args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
/** @type {number} a free port for the cluster */
const port = await new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const a = s.address();
    const p = typeof a === 'object' && a ? a.port : 0;
    s.close(() => r(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), 'lanes-bench-pg-'));
if (asRoot)
  chownSync(
    dir,
    Number(execFileSync('id', ['-u', 'postgres']).toString()),
    Number(execFileSync('id', ['-g', 'postgres']).toString()),
  );
const data = join(dir, 'data');
const url = (/** @type {string} */ db) => `postgres://lanes@127.0.0.1:${port}/${db}`;
/** @type {(fn: () => Promise<unknown>) => Promise<number>} seconds */
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
/**
 * @param {string} db
 * @param {string} text
 * @returns {Promise<Record<string, unknown>[]>}
 */
async function sql(db, text) {
  const c = new pg.Client({ connectionString: url(db) });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

try {
  sh(join(bin, 'initdb'), ['-D', data, '-U', 'lanes', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  sh(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
  ]);
  await sql('postgres', 'CREATE DATABASE app');
  process.stderr.write('filling database app (>= 200 MB)…\n');
  await sql(
    'app',
    `CREATE TABLE items (id bigint PRIMARY KEY, name text, body text);
    INSERT INTO items SELECT g, 'item ' || g, repeat(md5(g::text), 6) FROM generate_series(1, 800000) g;
    CREATE INDEX items_name ON items (name); CHECKPOINT;`,
  );
  const [row] = await sql('postgres', "SELECT pg_database_size('app') AS size");
  const mb = Number(row?.size) / 1e6;
  console.log(`database app: ${mb.toFixed(0)} MB`);
  if (mb < 200) throw new Error('database smaller than 200 MB');
  /** @type {number[]} */
  const ratios = [];
  for (let i = 1; i <= rounds; i++) {
    // The statement lanes' postgres provider runs by default on PostgreSQL 15+ (database.strategy: file_copy).
    const template = async () =>
      sql('postgres', `CREATE DATABASE "lanes_bench_t${i}" TEMPLATE "app" STRATEGY FILE_COPY`);
    const dump = async () => {
      await sql('postgres', `CREATE DATABASE "lanes_bench_d${i}"`);
      execFileSync('sh', [
        '-c',
        `"${join(binDir, 'pg_dump')}" "${url('app')}" | "${join(binDir, 'psql')}" -q -v ON_ERROR_STOP=1 "${url(`lanes_bench_d${i}`)}" >/dev/null`,
      ]);
    };
    const r = { template: NaN, dump: NaN };
    /** @type {['template' | 'dump', () => Promise<unknown>][]} */
    const order =
      i % 2
        ? [
            ['template', template],
            ['dump', dump],
          ]
        : [
            ['dump', dump],
            ['template', template],
          ];
    for (const [name, fn] of order) r[name] = await time(fn);
    ratios.push(r.dump / r.template);
    console.log(
      `round ${i}: CREATE DATABASE TEMPLATE ${r.template.toFixed(2)} s, pg_dump | psql ${r.dump.toFixed(2)} s | ${(r.dump / r.template).toFixed(1)}x`,
    );
    await sql('postgres', `DROP DATABASE "lanes_bench_t${i}"`);
    await sql('postgres', `DROP DATABASE "lanes_bench_d${i}"`);
  }
  const med = ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? NaN;
  console.log(
    `\nmedian of ${rounds} paired rounds: template branching ${med.toFixed(1)}x faster than pg_dump | psql (target >= 5x) ${med >= 5 ? 'OK' : 'MISSED'}`,
  );
} finally {
  try {
    sh(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}
