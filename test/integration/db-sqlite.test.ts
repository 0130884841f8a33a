import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { copySqliteDatabase, sqliteBranches } from '../../src/adapters/db/sqlite/index.js';
import { dbBranchName } from '../../src/domain/db-naming.js';
import { InputError } from '../../src/domain/errors.js';
import { exec } from '../../src/infra/exec.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lanes-sqlite-'));
  dirs.push(d);
  return d;
}

function makeDb(file: string, mode: string): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${mode}`);
  db.exec(`CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
           INSERT INTO accounts VALUES (1, 500), (2, 500);
           CREATE TABLE log (id INTEGER PRIMARY KEY, amount INTEGER, pad TEXT);`);
  db.close();
}

function check(file: string): { integrity: string; sum: number; rows: number } {
  const db = new Database(file, { readonly: true, timeout: 30_000 });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      sum: (db.prepare('SELECT sum(balance) AS s FROM accounts').get() as { s: number }).s,
      rows: (db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n,
    };
  } finally {
    db.close();
  }
}

describe('sqlite database branches', () => {
  for (const mode of ['wal', 'delete']) {
    it(`copies a database that another process writes continuously without tearing it (${mode} journal)`, async () => {
      const dir = tempDir();
      const main = join(dir, 'main.db');
      makeDb(main, mode);
      const writer = new AbortController();
      const running = exec(process.execPath, [join(import.meta.dirname, '../helpers/sqlite-writer.mjs'), main, mode], {
        signal: writer.signal,
        timeoutMs: 120_000,
      }).catch((e: unknown) => e);
      try {
        // Wait until the writer is well under way.
        for (let i = 0; i < 200 && check(main).rows < 100; i++) await new Promise((r) => setTimeout(r, 25));
        expect(check(main).rows).toBeGreaterThanOrEqual(100);
        for (let n = 0; n < 3; n++) {
          const copy = join(dir, `copy-${n}.db`);
          const method = await copySqliteDatabase(main, copy);
          expect(method).toEqual(mode === 'wal' ? 'backup' : expect.stringMatching(/^(clone|copy)$/));
          const got = check(copy);
          expect(got.integrity).toBe('ok');
          expect(got.sum).toBe(1000);
          expect(got.rows).toBeGreaterThan(0);
        }
      } finally {
        writer.abort();
        await running;
      }
    });
  }

  it('puts the copy at the same relative path in the lane and drops it with its side files', async () => {
    const dir = tempDir();
    const repo = join(dir, 'repo');
    const lane = join(dir, 'lane');
    mkdirSync(join(repo, 'data'), { recursive: true });
    mkdirSync(lane);
    makeDb(join(repo, 'data', 'app.db'), 'wal');
    const db = sqliteBranches({ repoRoot: repo, path: 'data/app.db' });
    const branch = await db.create({ lane: 'issue-1', path: lane });
    expect(branch.url).toBe(`file:${join(lane, 'data', 'app.db')}`);
    expect(branch.name).toBe(dbBranchName(repo, 'issue-1'));
    expect(check(join(lane, 'data', 'app.db')).sum).toBe(1000);
    expect(await db.list()).toEqual([]);
    await db.drop(branch);
    await db.drop(branch);
    expect(existsSync(join(lane, 'data', 'app.db'))).toBe(false);
  });

  it('refuses a missing main database file with a one-line error naming database.path', async () => {
    const dir = tempDir();
    const db = sqliteBranches({ repoRoot: dir, path: 'nope.db' });
    const err = await db.create({ lane: 'issue-1', path: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^database\.path "nope\.db": no such file/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a database.path outside the repository', () => {
    expect(() => sqliteBranches({ repoRoot: '/tmp/x', path: '../etc/passwd' })).toThrow(InputError);
    expect(() => sqliteBranches({ repoRoot: '/tmp/x', path: '/etc/passwd' })).toThrow(InputError);
  });

  it('refuses a file that is not a SQLite database and leaves nothing in the lane', async () => {
    const dir = tempDir();
    const lane = join(dir, 'lane');
    mkdirSync(lane);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'bad.db'), 'this is not a database'.repeat(100));
    const db = sqliteBranches({ repoRoot: dir, path: 'bad.db' });
    await expect(db.create({ lane: 'issue-1', path: lane })).rejects.toThrow(/bad\.db/);
    expect(existsSync(join(lane, 'bad.db'))).toBe(false);
  });
});

describe('database branch names', () => {
  it('stay within 63 bytes, carry the repository prefix and differ for lanes that map alike', () => {
    const hostile = ['issue-1', 'a"; DROP DATABASE postgres; --', 'x'.repeat(300), '💥💥', 'a-b', 'a_b', 'A.B'];
    const names = hostile.map((l) => dbBranchName('/repo/one', l));
    for (const n of names) {
      expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^lanes_[0-9a-f]{6}_[a-z0-9_]+$/);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(dbBranchName('/repo/one', 'issue-1')).not.toBe(dbBranchName('/repo/two', 'issue-1'));
  });
});
