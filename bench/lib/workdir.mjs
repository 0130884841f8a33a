// @ts-check
// A scratch directory for a benchmark: a fresh tmpfs mount when running as root and
// `mount -t tmpfs` works (ext4 here slows down after many big worktrees; see
// shared/notes/packages-and-data.md), else a plain temp dir (the alternation of the runs then
// keeps the comparison fair). Cleanup (unmount, delete) runs at exit, on Ctrl-C / SIGTERM and
// after an uncaught error. BENCH_NO_TMPFS=1 forces the plain temp dir.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {(() => void)[]} */
const cleanups = [];
let installed = false;

function runCleanups() {
  for (let fn = cleanups.pop(); fn !== undefined; fn = cleanups.pop()) {
    try {
      fn();
    } catch (err) {
      process.stderr.write(`bench: cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  // 'exit' also fires after an uncaught exception or rejection (exit code 1).
  process.on('exit', runCleanups);
  /** @type {[NodeJS.Signals, number][]} */
  const signals = [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ];
  for (const [sig, num] of signals) {
    process.on(sig, () => {
      runCleanups();
      process.exit(128 + num);
    });
  }
}

/**
 * Registers a function to run once at exit (in reverse order of registration).
 * @param {() => void} fn
 */
export function atExit(fn) {
  install();
  cleanups.push(fn);
}

/**
 * Returns { dir, kind: 'tmpfs' | 'tempdir', cleanup() }.
 * @param {string} label part of the folder's name
 * @param {{ sizeMb?: number }} [options] the tmpfs's size limit
 * @returns {{ dir: string, kind: 'tmpfs' | 'tempdir', cleanup: () => void }}
 */
export function makeWorkDir(label, { sizeMb = 4096 } = {}) {
  install();
  const dir = mkdtempSync(join(tmpdir(), `lanes-bench-${label}-`));
  /** @type {'tmpfs' | 'tempdir'} */
  let kind = 'tempdir';
  if (process.getuid?.() === 0 && process.env.BENCH_NO_TMPFS !== '1') {
    const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'lanes-bench', dir], {
      encoding: 'utf8',
    });
    if (res.status === 0) kind = 'tmpfs';
  }
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    if (kind === 'tmpfs') {
      let res = spawnSync('umount', [dir], { encoding: 'utf8' });
      // Something still holds it (a child killed mid-run): detach it lazily so nothing leaks.
      if (res.status !== 0) res = spawnSync('umount', ['-l', dir], { encoding: 'utf8' });
      if (res.status !== 0) process.stderr.write(`bench: could not unmount ${dir}: ${res.stderr}\n`);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  cleanups.push(cleanup);
  return { dir, kind, cleanup };
}
