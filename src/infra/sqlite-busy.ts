/**
 * A SQLite file that other lanes processes open and write at the same moment. Switching a new file to
 * WAL, the first migration and some writes can meet SQLITE_BUSY at once, without SQLite's busy
 * handler waiting (it declines to wait where waiting could deadlock): ten `lanes new` in a fresh
 * repository did. Such a call failed whole (an autocommit statement, or a transaction SQLite rolled
 * back), so it is retried, with short pauses, until the busy timeout is spent.
 */
export function retryWhileBusy<T>(attempt: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      pauseSync(Math.min(20 * tries, 200) + Math.floor(Math.random() * 20));
    }
  }
}

function isBusy(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return true;
    if ((e as { problem?: unknown }).problem === 'locked') return true;
  }
  return false;
}

/** A synchronous pause: opening the store is synchronous (better-sqlite3), so the wait is too. */
function pauseSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
