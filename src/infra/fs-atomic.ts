import { randomBytes } from 'node:crypto';
import { chmodSync, renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes a file by temp + rename, so a reader never sees half of it and a crash leaves the old one. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    // The umask may have narrowed the mode given to writeFileSync.
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // The temp file was never created; the original error is what matters.
    }
    throw err;
  }
}
