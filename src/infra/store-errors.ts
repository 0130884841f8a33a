/**
 * Turns the failures of the state database (SQLite's result codes, the file system's errno codes)
 * into a StateError: one line naming the file, what is wrong and the way out. Only the codes that
 * say the file or its disk is unusable are mapped; a constraint violation is the store's own logic
 * (a duplicate lane name) and passes through unchanged.
 *
 * `guardDatabase` wraps a better-sqlite3 handle so every call through it (prepare, run, get, all,
 * pragma, exec, transactions) maps its errors the same way, whether the failure comes while
 * opening or in the middle of a command.
 */
import { accessSync, constants, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StateError, type StateProblem } from '../domain/errors.js';

const SQLITE_PROBLEMS: Record<string, StateProblem> = {
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
  SQLITE_READONLY: 'read-only',
  SQLITE_PERM: 'read-only',
  SQLITE_AUTH: 'read-only',
  SQLITE_BUSY: 'locked',
  SQLITE_LOCKED: 'locked',
  SQLITE_PROTOCOL: 'locked',
  SQLITE_FULL: 'full',
  SQLITE_IOERR: 'io',
  SQLITE_NOLFS: 'io',
  SQLITE_CANTOPEN: 'cannot-open',
};

const ERRNO_PROBLEMS: Record<string, StateProblem> = {
  EROFS: 'read-only',
  EACCES: 'read-only',
  EPERM: 'read-only',
  ENOSPC: 'full',
  EDQUOT: 'full',
  EIO: 'io',
  ENOENT: 'cannot-open',
  ENOTDIR: 'cannot-open',
};

/** The problem an error shows, or undefined when it is not about the database file or its disk. */
export function stateProblemOf(err: unknown): StateProblem | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    // better-sqlite3 checks the folder itself and throws a plain TypeError.
    return err instanceof TypeError && /cannot open database/i.test(err.message) ? 'cannot-open' : undefined;
  }
  // Extended codes (SQLITE_IOERR_SHORT_READ, SQLITE_READONLY_DBMOVED, …) belong to their primary code's family.
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0];
  if (primary) return SQLITE_PROBLEMS[primary];
  return ERRNO_PROBLEMS[code];
}

export function stateError(err: unknown, file: string, busyTimeoutMs: number): StateError | undefined {
  if (err instanceof StateError) return err;
  let problem = stateProblemOf(err);
  if (!problem) return undefined;
  // SQLite says only "unable to open" when a WAL database sits on a read-only mount (it cannot make -shm).
  if (problem === 'cannot-open' && isReadOnlyDir(dirname(file))) problem = 'read-only';
  // A full disk often shows as an I/O error (SQLITE_IOERR_SHMSIZE: the -shm file cannot grow).
  if (problem === 'io' && isDiskFull(dirname(file))) problem = 'full';
  const code = (err as { code?: unknown }).code;
  const detail = `${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
  const message = {
    corrupt: `state database ${file} is damaged (${detail}); \`lanes doctor --rebuild-state\` moves it aside and rebuilds the lanes from git`,
    'read-only': `state database ${file} cannot be written (${detail}); make it and ${dirname(file)} writable again (permissions, chattr -i, a read-only mount), then retry`,
    locked: `state database ${file} is locked by another process (waited ${formatSeconds(busyTimeoutMs)}); retry once it finishes (\`fuser -v ${file}\` shows who holds it)`,
    full: `no space left to write state database ${file} (${detail}); free disk space, then retry`,
    io: `cannot read or write state database ${file} (${detail}); check the disk (free space, kernel errors), then retry; if the file stays unreadable, \`lanes doctor --rebuild-state --force\` rebuilds it from git`,
    'cannot-open': `cannot open state database ${file} (${detail}); check that ${dirname(file)} exists and is writable, then retry`,
  }[problem];
  return new StateError(message, { problem, file, cause: err });
}

function isReadOnlyDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
  }
}

/** Less than a megabyte free: too little for SQLite to grow its WAL and shared-memory files. */
function isDiskFull(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Runs `fn`, throwing a StateError in place of a database or disk failure. */
export function guarded<T>(fn: () => T, file: string, busyTimeoutMs: number): T {
  try {
    return fn();
  } catch (err) {
    throw stateError(err, file, busyTimeoutMs) ?? err;
  }
}

/** The same handle, with every call's database failures mapped (see the header). */
export function guardDatabase(db: BetterSqlite3.Database, file: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const call = <T>(fn: () => T): T => guarded(fn, file, busyTimeoutMs);
  const wrap = <O extends object>(target: O, wrapResult: (prop: PropertyKey, result: unknown) => unknown): O =>
    new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          wrapResult(
            prop,
            call(() => (value as (...a: unknown[]) => unknown).apply(t, args)),
          );
      },
    });
  const wrapStatement = (stmt: BetterSqlite3.Statement): BetterSqlite3.Statement => {
    const proxy: BetterSqlite3.Statement = wrap(stmt, (_prop, result) => (result === stmt ? proxy : result));
    return proxy;
  };
  // A transaction function is called directly or through .deferred/.immediate/.exclusive; BEGIN
  // itself can fail (SQLITE_BUSY when another process holds the write lock past the timeout).
  const wrapTransaction = (tx: BetterSqlite3.Transaction<(...a: unknown[]) => unknown>) => {
    const guardedTx = ((...args: unknown[]) => call(() => tx(...args))) as typeof tx;
    for (const variant of ['default', 'deferred', 'immediate', 'exclusive'] as const) {
      guardedTx[variant] = (...args: unknown[]) => call(() => tx[variant](...args));
    }
    return guardedTx;
  };
  const proxy: BetterSqlite3.Database = wrap(db, (prop, result) => {
    if (prop === 'prepare') return wrapStatement(result as BetterSqlite3.Statement);
    if (prop === 'transaction')
      return wrapTransaction(result as BetterSqlite3.Transaction<(...a: unknown[]) => unknown>);
    return result === db ? proxy : result;
  });
  return proxy;
}
