/**
 * Copies the gitignored files a lane needs (`.env`, local config) from the main worktree, keeping
 * symlinks as symlinks (a relative one re-aimed so it reaches the same file from the lane) and
 * names byte for byte, and records a hash of each so removal can tell
 * whether the user edited them since (an edited `.env` is work, too).
 */
import { createHash } from 'node:crypto';
import { constants, copyFileSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CopiedFile } from '../../domain/lane.js';
import { removeEnvBlock } from '../../domain/env-block.js';

export function copyIntoLane(fromRoot: string, toRoot: string, relPaths: readonly string[]): CopiedFile[] {
  const copied: CopiedFile[] = [];
  for (const rel of relPaths) {
    const from = join(fromRoot, rel);
    const to = join(toRoot, rel);
    const stat = lstatSync(from);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) {
      symlinkSync(laneLinkTarget(fromRoot, toRoot, rel, relPaths), to);
    } else if (stat.isFile()) {
      // A copy-on-write clone where the filesystem has one, else a plain copy; never a hard link.
      copyFileSync(from, to, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    } else continue;
    copied.push({ path: rel, sha256: fileHash(to) });
  }
  return copied;
}

/**
 * Where the lane's copy of the symlink `rel` points. A relative link is resolved against the lane's
 * folder, not the main worktree's: `.env -> ../shared/.env` would dangle there or reach another
 * file. It stays as it is when its target has a counterpart in the lane (a tracked file, or one
 * copied along), so the lane uses its own copy like the main worktree does; otherwise it becomes
 * the absolute path of the file the main worktree's link reaches. Absolute links stay as they are.
 */
function laneLinkTarget(fromRoot: string, toRoot: string, rel: string, relPaths: readonly string[]): string {
  const target = readlinkSync(join(fromRoot, rel));
  if (isAbsolute(target)) return target;
  const resolved = resolve(dirname(join(fromRoot, rel)), target);
  const inside = relative(fromRoot, resolved);
  const insideMain = inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside);
  if (insideMain && (relPaths.includes(inside) || lexists(join(toRoot, inside)))) return target;
  return resolved;
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
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
