/**
 * Copies a folder tree for a lane: copy-on-write clones where the filesystem has them, a plain
 * copy where not, symlinks kept as symlinks, and never hard links (a lane editing a file in place
 * would change the main worktree's). On Linux and macOS the system `cp` does this fastest (GNU
 * `--reflink=auto`, macOS `-c` clonefile) through the process gateway; elsewhere, or when that cp
 * refuses the flags (busybox), a walker with a bounded number of files open at once does it.
 */
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, ToolError } from '../domain/errors.js';
import { exec } from './exec.js';

export interface CopyTreeOptions {
  signal?: AbortSignal;
  /** Files open at once in the walker; default 64. */
  maxOpen?: number;
  /** Force a method (tests, benchmarks). */
  method?: 'cp' | 'walk';
  platform?: NodeJS.Platform;
  /** Told why the system cp was not used, before the walker starts. */
  onFallback?: (reason: string) => void;
}

export async function copyTree(from: string, to: string, opts: CopyTreeOptions = {}): Promise<'cp' | 'walk'> {
  const platform = opts.platform ?? process.platform;
  const useCp = opts.method ? opts.method === 'cp' : platform === 'linux' || platform === 'darwin';
  if (useCp) {
    const args =
      platform === 'darwin'
        ? ['-c', '-R', '-p', '-P', from, to]
        : ['-a', '--reflink=auto', '--no-target-directory', from, to];
    const res = await exec('cp', args, { signal: opts.signal, timeoutMs: 30 * 60_000, check: false }).catch(
      (err: unknown) => ({ exitCode: -1, stderr: errorMessage(err), stdout: '' }),
    );
    if (res.exitCode === 0) return 'cp';
    if (opts.method === 'cp') throw new ToolError(`cp ${args.join(' ')} failed: ${res.stderr.trim()}`);
    opts.onFallback?.(`cp ${args.join(' ')} failed (exit ${res.exitCode}): ${res.stderr.trim().split('\n')[0] ?? ''}`);
    await fs.rm(to, { recursive: true, force: true });
  }
  await walkCopy(from, to, opts.maxOpen ?? 64, opts.signal);
  return 'walk';
}

/** A small semaphore: at most `limit` filesystem operations that hold a descriptor at once. */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function walkCopy(from: string, to: string, maxOpen: number, signal?: AbortSignal): Promise<void> {
  const run = limiter(maxOpen);
  async function dir(src: string, dst: string): Promise<void> {
    signal?.throwIfAborted();
    const st = await fs.stat(src);
    await fs.mkdir(dst, { mode: st.mode & 0o7777 });
    const entries = await run(() => fs.readdir(src, { withFileTypes: true }));
    await Promise.all(
      entries.map(async (e) => {
        const s = join(src, e.name);
        const d = join(dst, e.name);
        if (e.isDirectory()) return dir(s, d);
        if (e.isSymbolicLink()) return run(async () => fs.symlink(await fs.readlink(s), d));
        if (e.isFile()) {
          return run(async () => {
            await fs.copyFile(s, d, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
            const fst = await fs.stat(s);
            // Build tools (cargo, make) compare times: keep them as they were.
            await fs.utimes(d, fst.atime, fst.mtime);
          });
        }
        // Sockets, FIFOs and devices have no place in a dependency folder: skipped.
        return undefined;
      }),
    );
  }
  await dir(from, to);
}
