/**
 * Copies the gitignored files a lane needs (`.env`, local config) from the main worktree, keeping
 * symlinks as symlinks and names byte for byte, and records a hash of each so removal can tell
 * whether the user edited them since (an edited `.env` is work, too).
 */
import { createHash } from 'node:crypto';
import { constants, copyFileSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CopiedFile } from '../domain/lane.js';
import { removeEnvBlock } from '../domain/env-block.js';

export function copyIntoLane(fromRoot: string, toRoot: string, relPaths: readonly string[]): CopiedFile[] {
  const copied: CopiedFile[] = [];
  for (const rel of relPaths) {
    const from = join(fromRoot, rel);
    const to = join(toRoot, rel);
    const stat = lstatSync(from);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) {
      symlinkSync(readlinkSync(from), to);
    } else if (stat.isFile()) {
      // A copy-on-write clone where the filesystem has one, else a plain copy; never a hard link.
      copyFileSync(from, to, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    } else continue;
    copied.push({ path: rel, sha256: fileHash(to) });
  }
  return copied;
}

/** Content hash ignoring lanes' own env block, so lanes rewriting its block is not mistaken for a user edit. */
export function fileHash(path: string): string {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 'missing';
  }
  if (stat.isSymbolicLink()) return `link:${readlinkSync(path)}`;
  const text = readFileSync(path);
  const content = text.includes('# >>> lanes') ? Buffer.from(removeEnvBlock(text.toString('utf8'))) : text;
  return createHash('sha256').update(content).digest('hex');
}

/** The copied files whose content differs from what lanes copied in. */
export function editedFiles(root: string, copied: readonly CopiedFile[]): string[] {
  return copied.filter((f) => fileHash(join(root, f.path)) !== f.sha256).map((f) => f.path);
}
