#!/usr/bin/env node
// @ts-check
// Dependency warm-up benchmark: `lanes new` (worktree + node_modules cloned from the main worktree)
// against the same worktree + `npm ci` with a warm cache, and against the same worktree + a plain
// `cp -a` of node_modules. The fixture is a real npm project (this repository's own lockfile plus
// a second copy of jira.js, installed offline from the npm cache) with at least 20,000 files in
// node_modules. Runs are alternated and each round's ratios are printed side by side.
// Usage: npm run build && node bench/deps-warmup.mjs [rounds=3]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lanesBin = join(here, '..', 'dist', 'lanes.js');
const rounds = Number(process.argv[2] ?? 3);
// LANES_BENCH_DIR puts the run on another disk, e.g. a tmpfs (the notes: ext4 slows down after many 20,000-file trees).
const dir = mkdtempSync(join(process.env.LANES_BENCH_DIR ?? tmpdir(), 'lanes-bench-deps-'));
const app = join(dir, 'app');
const env = {
  ...process.env,
  npm_config_ignore_scripts: 'true',
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
  LANES_STATE_HOME: join(dir, 'lanes-state'),
};
/** @type {(file: string, args: readonly string[], cwd?: string) => string} */
const run = (file, args, cwd = app) =>
  execFileSync(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).toString();
/** @type {(fn: () => void) => number} seconds */
const time = (fn) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

/**
 * The parts of package.json and package-lock.json (lockfile v3) the fixture reads and rewrites.
 * @typedef {{ dependencies?: Record<string, string>, devDependencies?: Record<string, string> }} PackageJson
 * @typedef {{ name?: string, version?: string, resolved?: string, dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> }} LockedPackage
 * @typedef {{ name: string, packages: Record<string, LockedPackage> }} PackageLock
 */

/** @returns {number} the number of files in the fixture's node_modules */
function fixture() {
  mkdirSync(join(app, 'issues'), { recursive: true });
  /** @type {PackageJson} */
  const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
  /** @type {PackageLock} */
  const lock = JSON.parse(readFileSync(join(here, '..', 'package-lock.json'), 'utf8'));
  for (const [k, v] of Object.entries(lock.packages)) {
    if (!k) continue;
    const name = v.name ?? k.slice(k.lastIndexOf('node_modules/') + 13);
    v.resolved ??= `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${v.version}.tgz`;
    // An optional dependency the registry answered 404 for (see the notes): npm ci would fail on it.
    if (v.optionalDependencies) delete v.optionalDependencies['napi-windows-process-start-time'];
  }
  const jira = lock.packages['node_modules/jira.js'];
  if (!jira?.resolved) throw new Error('package-lock.json has no resolved jira.js to copy');
  const deps = { ...pkg.dependencies, ...pkg.devDependencies, 'jira-copy': jira.resolved };
  const manifest = { name: 'bench-app', version: '1.0.0', private: true, dependencies: deps };
  lock.name = 'bench-app';
  lock.packages[''] = { name: 'bench-app', version: '1.0.0', dependencies: deps };
  lock.packages['node_modules/jira-copy'] = { ...jira, name: 'jira.js' };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
  writeFileSync(join(app, '.gitignore'), 'node_modules/\n.env*\n');
  writeFileSync(join(app, 'lanes.config.json'), JSON.stringify({ dependencies: { enabled: true } }));
  for (let i = 1; i <= rounds; i++) writeFileSync(join(app, 'issues', `${i}.md`), `# Bench ${i}\n`);
  run('git', ['init', '-q', '-b', 'main']);
  run('git', ['add', '-A']);
  run('git', ['commit', '-q', '-m', 'fixture']);
  process.stderr.write('installing the fixture (npm ci, offline)…\n');
  const first = time(() => run('npm', ['ci']));
  const files = Number(run('sh', ['-c', 'find node_modules -type f | wc -l']).trim());
  process.stderr.write(`fixture: ${files} files in node_modules (first npm ci ${first.toFixed(1)} s)\n`);
  if (files < 20_000) throw new Error(`fixture has only ${files} files`);
  return files;
}

/** @typedef {'lanes' | 'npm ci' | 'cp -a'} Method */
/** @type {Record<Method, (round: number) => number>} seconds a method takes in a round */
const methods = {
  lanes: (i) => time(() => run(process.execPath, [lanesBin, 'new', String(i), '--no-agent', '--json'])),
  'npm ci': (i) =>
    time(() => {
      run('git', ['worktree', 'add', '-q', '-b', `npm-${i}`, join(dir, `npm-${i}`), 'main']);
      run('npm', ['ci'], join(dir, `npm-${i}`));
    }),
  'cp -a': (i) =>
    time(() => {
      run('git', ['worktree', 'add', '-q', '-b', `cp-${i}`, join(dir, `cp-${i}`), 'main']);
      run('cp', ['-a', join(app, 'node_modules'), join(dir, `cp-${i}`, 'node_modules')]);
    }),
};

try {
  const files = fixture();
  /** @type {Record<Method, number>[]} */
  const rows = [];
  for (let i = 1; i <= rounds; i++) {
    // Alternate the order so no method always runs on a warmer (or more fragmented) disk.
    /** @type {Method[]} */
    const order = i % 2 ? ['lanes', 'npm ci', 'cp -a'] : ['cp -a', 'npm ci', 'lanes'];
    /** @type {Record<Method, number>} */
    const r = { lanes: NaN, 'npm ci': NaN, 'cp -a': NaN };
    for (const m of order) r[m] = methods[m](i);
    rows.push(r);
    console.log(
      `round ${i}: lanes ${r.lanes.toFixed(2)} s, npm ci ${r['npm ci'].toFixed(2)} s, cp -a ${r['cp -a'].toFixed(2)} s | npm ci / lanes = ${(r['npm ci'] / r.lanes).toFixed(1)}x, lanes / cp -a = ${(r.lanes / r['cp -a']).toFixed(2)}x`,
    );
  }
  const med = (/** @type {number[]} */ xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const speedup = med(rows.map((r) => r['npm ci'] / r.lanes));
  const vsCp = med(rows.map((r) => r.lanes / r['cp -a']));
  console.log(`\n${files} files. Each time includes git worktree add. Median of ${rounds} paired rounds:`);
  console.log(
    `  lanes vs npm ci (warm cache): ${speedup.toFixed(1)}x faster (target >= 10x) ${speedup >= 10 ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `  lanes vs cp -a:               ${vsCp.toFixed(2)}x the time (target <= 1.5x) ${vsCp <= 1.5 ? 'OK' : 'MISSED'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
