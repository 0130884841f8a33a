/**
 * Package managers known by their lockfile: which folders hold what they install, and the
 * command that installs exactly the lockfile (never updating it). Pure data; detection reads
 * only the list of files present at the worktree's root.
 */
export interface PackageManager {
  id: 'npm' | 'pnpm' | 'yarn' | 'bun' | 'uv' | 'pip' | 'poetry' | 'cargo' | 'go';
  lockfile: string;
  /** Folders cloned from the main worktree when the lockfile matches. */
  dirs: string[];
  /** The frozen install, as argument arrays run in order. */
  install: string[][];
}

/** In precedence order: the first lockfile of an ecosystem wins (pnpm over npm when both are present, …). */
const TABLE: {
  ecosystem: string;
  when: (files: Set<string>) => boolean;
  pm: (files: Set<string>) => PackageManager;
}[] = [
  {
    ecosystem: 'node',
    when: (f) => f.has('pnpm-lock.yaml'),
    pm: () => ({
      id: 'pnpm',
      lockfile: 'pnpm-lock.yaml',
      dirs: ['node_modules'],
      install: [['pnpm', 'install', '--frozen-lockfile']],
    }),
  },
  {
    ecosystem: 'node',
    when: (f) => f.has('bun.lock') || f.has('bun.lockb'),
    pm: (f) => ({
      id: 'bun',
      lockfile: f.has('bun.lock') ? 'bun.lock' : 'bun.lockb',
      dirs: ['node_modules'],
      install: [['bun', 'install', '--frozen-lockfile']],
    }),
  },
  {
    ecosystem: 'node',
    when: (f) => f.has('yarn.lock'),
    // Yarn 2+ (a .yarnrc.yml) spells the frozen install --immutable; Yarn 1 --frozen-lockfile.
    pm: (f) => ({
      id: 'yarn',
      lockfile: 'yarn.lock',
      dirs: ['node_modules'],
      install: [f.has('.yarnrc.yml') ? ['yarn', 'install', '--immutable'] : ['yarn', 'install', '--frozen-lockfile']],
    }),
  },
  {
    ecosystem: 'node',
    when: (f) => f.has('package-lock.json') || f.has('npm-shrinkwrap.json'),
    pm: (f) => ({
      id: 'npm',
      lockfile: f.has('npm-shrinkwrap.json') ? 'npm-shrinkwrap.json' : 'package-lock.json',
      dirs: ['node_modules'],
      install: [['npm', 'ci', '--no-audit', '--no-fund']],
    }),
  },
  {
    ecosystem: 'python',
    when: (f) => f.has('uv.lock'),
    pm: () => ({ id: 'uv', lockfile: 'uv.lock', dirs: ['.venv'], install: [['uv', 'sync', '--frozen']] }),
  },
  {
    ecosystem: 'python',
    when: (f) => f.has('poetry.lock'),
    pm: () => ({
      id: 'poetry',
      lockfile: 'poetry.lock',
      dirs: ['.venv'],
      install: [['poetry', 'install', '--no-interaction']],
    }),
  },
  {
    ecosystem: 'python',
    when: (f) => f.has('requirements.txt'),
    pm: () => ({
      id: 'pip',
      lockfile: 'requirements.txt',
      dirs: ['.venv'],
      install: [
        ['python3', '-m', 'venv', '.venv'],
        ['.venv/bin/python', '-m', 'pip', 'install', '-r', 'requirements.txt'],
      ],
    }),
  },
  {
    ecosystem: 'rust',
    when: (f) => f.has('Cargo.lock'),
    pm: () => ({ id: 'cargo', lockfile: 'Cargo.lock', dirs: ['target'], install: [['cargo', 'fetch', '--locked']] }),
  },
  // Go keeps modules in a machine-wide cache: nothing to clone, downloading is the whole install.
  {
    ecosystem: 'go',
    when: (f) => f.has('go.sum'),
    pm: () => ({ id: 'go', lockfile: 'go.sum', dirs: [], install: [['go', 'mod', 'download']] }),
  },
];

/** The package managers a worktree uses, at most one per ecosystem, from the names of its root files. */
export function detectPackageManagers(rootFiles: Iterable<string>): PackageManager[] {
  const files = new Set(rootFiles);
  const seen = new Set<string>();
  const found: PackageManager[] = [];
  for (const row of TABLE) {
    if (seen.has(row.ecosystem) || !row.when(files)) continue;
    seen.add(row.ecosystem);
    found.push(row.pm(files));
  }
  return found;
}

/** Folders that are Python virtual environments: their scripts name their own absolute path. */
export function isVirtualEnv(dir: string): boolean {
  return dir === '.venv' || dir === 'venv' || dir.endsWith('/.venv');
}
