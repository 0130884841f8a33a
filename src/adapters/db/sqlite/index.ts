/**
 * SQLite branches: the lane gets its own copy of the main database file, at the same relative
 * path inside its worktree (so an app that opens the path from its config finds it) and in
 * DATABASE_URL as `file:<absolute path>`.
 *
 * The copy must be consistent even while the main app writes. In rollback-journal mode the file
 * is copied while holding a read transaction: SQLite's SHARED lock keeps every writer from
 * committing to the main file, so the copy is one committed state; it is a copy-on-write clone
 * where the filesystem has them (made by `cp`, see copyUnderReadLock), else a byte copy under that same lock (SQLite's
 * online backup
 * does the same page by page, but restarts whenever a writer commits between its steps: 16 s
 * instead of milliseconds against a busy writer, measured here). In WAL mode committed pages may
 * sit in the -wal file and a checkpoint may rewrite the main file despite readers, so the online
 * backup API copies a consistent snapshot. An unlocked byte copy is never taken: it tears.
 */
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { DbBranch, DbBranches, LaneTarget } from '../../../contracts/db-branches.js';
import { dbBranchName } from '../../../domain/db-naming.js';
import { InputError, ToolError, errorMessage } from '../../../domain/errors.js';
import { exec } from '../../../infra/exec.js';

export interface SqliteOptions {
  repoRoot: string;
  /** The main database file, relative to the repository. */
  path: string;
}

export type CopyMethod = 'clone' | 'copy' | 'backup';

function openDatabase(file: string, readonly: boolean): BetterSqlite3.Database {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return new Database(file, { readonly, fileMustExist: readonly, timeout: 30_000 });
}

/**
 * Copies a live SQLite database consistently. Returns how: 'clone' (copy-on-write) or 'copy'
 * (bytes), both under a read lock in rollback-journal mode, or 'backup' (online backup, WAL mode).
 */
export async function copySqliteDatabase(source: string, target: string): Promise<CopyMethod> {
  const db = openDatabase(source, true);
  try {
    const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (mode !== 'wal') return await copyUnderReadLock(db, source, target);
    // One step per whole database: each step is one read transaction, so a concurrent writer
    // cannot make the backup restart forever, and the result is one committed state.
    await db.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 100) });
    return 'backup';
  } finally {
    db.close();
  }
}

/**
 * SQLite's locks are POSIX record locks, which belong to the process: closing ANY descriptor of
 * the file in this process drops them all (a torn copy was caught by the tests when copyFileSync
 * opened and closed the source). So under the lock the file is read only through one descriptor
 * kept open until the transaction ends, and a copy-on-write clone is made by a child process
 * (`cp --reflink=always`, `cp -c` on macOS), whose descriptors are not ours.
 */
async function copyUnderReadLock(db: BetterSqlite3.Database, source: string, target: string): Promise<CopyMethod> {
  let fd: number | undefined;
  // A read transaction holds SQLite's SHARED lock: writers cannot commit until it ends.
  db.exec('BEGIN');
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    fd = openSync(source, 'r');
    const cloneArgs =
      process.platform === 'linux'
        ? ['--reflink=always', source, target]
        : process.platform === 'darwin'
          ? ['-c', source, target]
          : undefined;
    if (cloneArgs) {
      const res = await exec('cp', cloneArgs, { check: false, timeoutMs: 600_000 }).catch(() => undefined);
      if (res?.exitCode === 0) return 'clone';
      rmSync(target, { force: true });
    }
    const out = openSync(target, 'wx');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let pos = 0; ;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        writeSync(out, buf, 0, n);
        pos += n;
      }
    } finally {
      closeSync(out);
    }
    return 'copy';
  } finally {
    db.exec('COMMIT');
    if (fd !== undefined) closeSync(fd);
  }
}

/** The main file and the files SQLite keeps beside it. */
function sqliteFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

export function sqliteBranches(opts: SqliteOptions): DbBranches & { lastMethod?: CopyMethod } {
  const rel = opts.path;
  if (isAbsolute(rel) || relative(opts.repoRoot, resolve(opts.repoRoot, rel)).startsWith('..')) {
    throw new InputError(
      `database.path ${JSON.stringify(rel)} is outside the repository; accepted: a path relative to the repository root, e.g. "data/app.db"`,
    );
  }
  const source = join(opts.repoRoot, rel);
  const adapter: DbBranches & { lastMethod?: CopyMethod } = {
    provider: 'sqlite',
    nameFor: (lane) => dbBranchName(opts.repoRoot, lane),
    async create(target: LaneTarget): Promise<DbBranch> {
      let stat;
      try {
        stat = statSync(source);
      } catch {
        throw new InputError(
          `database.path ${JSON.stringify(rel)}: no such file at ${source}; accepted: an existing SQLite database file relative to the repository`,
        );
      }
      if (!stat.isFile())
        throw new InputError(`database.path ${JSON.stringify(rel)} is not a file; accepted: a SQLite database file`);
      const file = join(target.path, rel);
      mkdirSync(dirname(file), { recursive: true });
      // A tracked copy checked out with the worktree is replaced by the live one.
      for (const f of sqliteFiles(file)) rmSync(f, { force: true });
      try {
        adapter.lastMethod = await copySqliteDatabase(source, file);
      } catch (err) {
        for (const f of sqliteFiles(file)) rmSync(f, { force: true });
        if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
          throw new InputError(
            `database.path ${JSON.stringify(rel)} is not a SQLite database; accepted: a SQLite database file`,
            { cause: err },
          );
        }
        throw new ToolError(`could not copy SQLite database ${source}: ${errorMessage(err)}`, { cause: err });
      }
      return { name: adapter.nameFor(target.lane), url: `file:${file}`, handle: file };
    },
    async drop(branch: DbBranch): Promise<void> {
      const file = branch.handle;
      if (!file) return;
      for (const f of sqliteFiles(file)) rmSync(f, { force: true });
    },
    // The copies live inside the lanes' worktrees and go with them; an orphan worktree is reported as such.
    async list(): Promise<string[]> {
      return [];
    },
  };
  return adapter;
}
