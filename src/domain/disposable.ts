/**
 * Which ignored files in a lane are regenerable (and so not work `lanes rm` must protect): the
 * dependency folders lanes manages, build output and caches. Everything else a lane holds that git
 * ignores (a `.env.production.local`, notes in an ignored folder) counts as work.
 *
 * Globs follow gitignore's simple cases: a glob without `/` (a trailing `/` aside) matches any one
 * path segment, so `node_modules` covers `node_modules/` and `web/node_modules/x`; a glob with an
 * inner `/` is anchored at the worktree's root. `*` matches within a segment, `**` across segments.
 */
export const DEFAULT_DISPOSABLE: readonly string[] = [
  'node_modules',
  'dist',
  'build',
  'out',
  '.next',
  '.nuxt',
  '.svelte-kit',
  '.turbo',
  '.parcel-cache',
  '.vite',
  'coverage',
  'target',
  '.venv',
  '__pycache__',
  '*.pyc',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  '.gradle',
  '.cache',
  '.eslintcache',
  '*.tsbuildinfo',
  '.DS_Store',
];

/** A matcher over worktree-relative paths (`/`-separated; a folder may end with `/`). */
export function disposableMatcher(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.map(compileGlob);
  return (path) => {
    const segments = path.split('/').filter(Boolean);
    return matchers.some((m) => m(segments));
  };
}

function compileGlob(glob: string): (segments: string[]) => boolean {
  const trimmed = glob.replace(/^\/+|\/+$/g, '');
  const anchored = glob.startsWith('/') || trimmed.includes('/');
  if (!anchored) {
    const re = segmentRegExp(trimmed);
    return (segments) => segments.some((s) => re.test(s));
  }
  const re = new RegExp(`^${trimmed.split('/').map(pathPart).join('/')}(/.*)?$`, 's');
  return (segments) => re.test(segments.join('/'));
}

function segmentRegExp(glob: string): RegExp {
  return new RegExp(`^${globBody(glob)}$`, 's');
}

function pathPart(part: string): string {
  return part === '**' ? '.*' : globBody(part);
}

function globBody(glob: string): string {
  return glob
    .split('*')
    .map((piece) => piece.replace(/[\\^$.+?()[\]{}|]/g, '\\$&'))
    .join('[^/]*');
}
