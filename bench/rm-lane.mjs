#!/usr/bin/env node
// @ts-check
// `lanes rm <lane>` of a clean lane whose node_modules holds 20,000 files vs `rm -rf` of a plain
// `git worktree add` folder holding the same node_modules, runs alternated (A, B, A, B…). Every
// folder is made before the first run, outside the timed region (A's lanes by `lanes new
// --no-agent`, B's by `git worktree add`, each given the same node_modules copied from one
// template with `cp -a`), then `sync`: on a disk, a folder made just before its delete would
// still be in the page cache, never written, and much cheaper to delete than one made earlier.
// B's git bookkeeping (prune, branch delete) happens after its run, untimed: `rm -rf` is the
// floor a user compares with. Target: lanes at most 1.5x rm -rf (issue 9).
//
// The lane is measured in its steady state: its index refreshed by a `git status` a second after
// the checkout, as any git command in the lane (the agent's commit, a status) leaves it. A lane
// removed right after `lanes new` has a "racily clean" index instead (files as new as the index),
// and the safety check's `git status` re-reads every tracked file: BENCH_RM_FRESH=1 measures that.
//
//   node bench/rm-lane.mjs      BENCH_PAIRS=10  BENCH_DEP_FILES=20000  BENCH_FILES=1000  BENCH_NO_TMPFS=1
//                               BENCH_RM_FRESH=1
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { alternate, envInt, header, pairPrinter, report, requireBuiltCli, run } from './lib/harness.mjs';
import { generateRepo, gitSync, lanesEnv, writeIssues } from './lib/repo.mjs';
import { makeWorkDir } from './lib/workdir.mjs';

const NAME = 'rm-lane';
const TARGET = 1.5;
const pairs = envInt('BENCH_PAIRS', 10);
const warmup = 1;
const depFiles = envInt('BENCH_DEP_FILES', 20_000);
const files = envInt('BENCH_FILES', 1_000);
const fresh = process.env.BENCH_RM_FRESH === '1';

const lanes = requireBuiltCli();
// Every lane and plain worktree exists from the start, and the template: ~6 KB a file on tmpfs.
const tmpfsMb = Math.ceil(((2 * (pairs + warmup) + 1) * (depFiles + files) * 6) / 1024);
const wd = makeWorkDir('rm', { sizeMb: Math.max(1024, tmpfsMb) });
const repo = join(wd.dir, 'repo');
const gen = generateRepo(repo, { files });
const ids = Array.from({ length: pairs + warmup }, (_, i) => String(i + 1));
/** The issue id of run i (the alternation's runs count from 0). */
const idOf = (/** @type {number} */ i) => String(i + 1);
writeIssues(repo, ids);
const plainRoot = join(wd.dir, 'plain-worktrees');
const template = join(wd.dir, 'node_modules-template');
const env = lanesEnv(wd.dir);

/**
 * Writes a node_modules-like tree of `count` files into `dir`: packages of 40 files each (a
 * package.json, an index.js and the rest under lib/ in two folders), so the delete walks folders
 * as well as files, as it would in a real install.
 * @param {string} dir
 * @param {number} count
 */
function writeNodeModules(dir, count) {
  const perPackage = 40;
  let written = 0;
  for (let p = 0; written < count; p++) {
    const pkg = join(dir, `pkg-${String(p).padStart(4, '0')}`);
    mkdirSync(join(pkg, 'lib', 'a'), { recursive: true });
    mkdirSync(join(pkg, 'lib', 'b'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: `pkg-${p}`, version: '1.0.0', main: 'index.js' }));
    written++;
    for (let f = 1; f < perPackage && written < count; f++, written++) {
      const rel = f === 1 ? 'index.js' : join('lib', f % 2 ? 'a' : 'b', `m${f}.js`);
      writeFileSync(join(pkg, rel), `// package ${p} file ${f}\nmodule.exports = ${p * perPackage + f};\n`);
    }
  }
}

writeNodeModules(template, depFiles);

/** @param {string} worktree */
const giveNodeModules = (worktree) => run('cp', ['-a', template, join(worktree, 'node_modules')]);

/** @type {Map<number, string>} the path of lane i, as `lanes new --json` reported it */
const lanePaths = new Map();

/** The plain worktree of run i (side B). */
const plainPath = (/** @type {number} */ i) => join(plainRoot, `plain-${i}`);

/**
 * Makes the folders of every run up front (prepare must be synchronous, and the index refresh
 * needs a wait): each with node_modules and, unless BENCH_RM_FRESH=1, the lanes' index refreshed
 * after a second.
 */
for (let i = 0; i < pairs + warmup; i++) {
  gitSync(repo, ['worktree', 'add', '-q', '-b', `plain-${i}`, plainPath(i), 'main']);
  giveNodeModules(plainPath(i));
  const made = run(process.execPath, [lanes, 'new', idOf(i), '--no-agent', '--json'], { cwd: repo, env });
  /** @type {{ lanes: { name: string, path: string }[] }} */
  const out = JSON.parse(made.stdout);
  const lane = out.lanes[0];
  if (!lane) throw new Error(`lanes new made no lane:\n${made.stdout}${made.stderr}`);
  lanePaths.set(i, lane.path);
  giveNodeModules(lane.path);
}
if (!fresh) {
  await sleep(1100);
  for (const path of lanePaths.values()) gitSync(path, ['status', '--porcelain']);
}
run('sync', []);

header(NAME, 'A = lanes rm <lane> (clean lane), B = rm -rf of a plain worktree, both with the same node_modules', {
  repository: `${files} tracked files (generated in ${(gen.ms / 1000).toFixed(1)} s)`,
  node_modules: `${depFiles} files (ignored, disposable)`,
  lane: fresh
    ? 'removed as lanes new left it (racily clean index: BENCH_RM_FRESH=1)'
    : 'index refreshed before the run (steady state)',
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir} (not tmpfs: rely on the alternation)`,
  pairs: `${pairs} (+${warmup} warm-up)`,
});

const res = alternate({
  pairs,
  warmup,
  onPair: pairPrinter(),
  a: {
    run: (i) => {
      const r = run(process.execPath, [lanes, 'rm', `issue-${idOf(i)}`], { cwd: repo, env });
      if (lanePaths.has(i) && gitSync(repo, ['worktree', 'list', '--porcelain']).includes(`${lanePaths.get(i)}\n`)) {
        throw new Error(`lanes rm left the worktree of issue-${idOf(i)} registered`);
      }
      return r.ms;
    },
  },
  b: {
    run: (i) => run('rm', ['-rf', '--', plainPath(i)]).ms,
    cleanup: (i) => {
      gitSync(repo, ['worktree', 'prune']);
      gitSync(repo, ['branch', '-q', '-D', `plain-${i}`]);
    },
  },
});

report(NAME, { aLabel: 'lanes rm <lane>', bLabel: 'rm -rf <worktree>', target: TARGET }, res);
