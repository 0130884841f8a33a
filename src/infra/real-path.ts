/**
 * Paths compared the way the file system resolves them. A worktrees folder reached through a
 * symlink, a template with `..`, `//` or a trailing `/`, all name the same folder as git's own
 * spelling of it; comparing strings would call the lane missing and skip every safety check.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * The real path of `path`; for a path that does not exist (yet), its deepest existing ancestor's real path plus the
 * rest.
 */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync.native(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return resolve(canonicalPath(parent), basename(abs));
  }
}

export function samePath(a: string, b: string): boolean {
  return canonicalPath(a) === canonicalPath(b);
}

/** Whether `path` is `dir` or inside it (both canonical). */
export function isInside(path: string, dir: string): boolean {
  const p = canonicalPath(path);
  const d = canonicalPath(dir);
  return p === d || p.startsWith(d.endsWith('/') ? d : `${d}/`);
}
