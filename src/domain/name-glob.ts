/**
 * Matching file names (one path component) against git `:(glob)` pathspecs that hold no `/`:
 * such a pattern only ever matches an entry of the top folder, so a `readdir` can stand in for
 * `git ls-files` walking the whole tree. Only `*` and `\` escapes are handled; `?` and `[...]`
 * compare bytes in git but UTF-16 units here, so patterns using them answer undefined (not simple).
 */

/** A matcher for a name-only glob, or undefined when the glob needs git to match it. */
export function nameGlob(glob: string): ((name: string) => boolean) | undefined {
  if (glob === '' || glob.includes('/') || glob.includes('?') || glob.includes('[') || glob.startsWith(':'))
    return undefined;
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '\\') {
      const next = glob[++i];
      if (next === undefined) return undefined;
      source += escapeRegExp(next);
    } else source += escapeRegExp(c);
  }
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

/** Names matching some include glob and no exclude glob; undefined when any glob is not name-only. */
export function nameFilter(
  include: readonly string[],
  exclude: readonly string[],
): ((name: string) => boolean) | undefined {
  const inc = include.map(nameGlob);
  const exc = exclude.map(nameGlob);
  if (inc.some((m) => m === undefined) || exc.some((m) => m === undefined)) return undefined;
  return (name) => inc.some((m) => m!(name)) && !exc.some((m) => m!(name));
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|-]/.test(c) ? `\\${c}` : c;
}
