#!/usr/bin/env node
// @ts-check
// `lanes ls --json` with 50 lanes vs a sequential loop of `git status --porcelain` over the same
// 50 worktrees (spawned from Node one after another, as a shell loop would), runs alternated.
// Target: lanes at most 0.75x the loop.
//
//   node bench/lifecycle-ls.mjs      BENCH_PAIRS=10  BENCH_LANES=50  BENCH_FILES=20000  BENCH_NO_TMPFS=1
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { alternate, envInt, header, pairPrinter, report, requireBuiltCli, run, time } from './lib/harness.mjs';
import { generateRepo, lanesEnv, writeIssues } from './lib/repo.mjs';
import { makeWorkDir } from './lib/workdir.mjs';

const NAME = 'lifecycle-ls';
const TARGET = 0.75;
const pairs = envInt('BENCH_PAIRS', 10);
const laneCount = envInt('BENCH_LANES', 50);
const files = envInt('BENCH_FILES', 20_000);

const lanes = requireBuiltCli();
// Each 20,000-file worktree takes ~100 MB on tmpfs (a page per file).
const wd = makeWorkDir('ls', { sizeMb: Math.max(2048, Math.ceil(((laneCount + 2) * files * 6) / 1024)) });
const repo = join(wd.dir, 'repo');
const gen = generateRepo(repo, { files });
const ids = Array.from({ length: laneCount }, (_, i) => String(i + 1));
writeIssues(repo, ids);
const env = lanesEnv(wd.dir);

const made = time(() => run(process.execPath, [lanes, 'new', ...ids, '--no-agent', '--json'], { cwd: repo, env }));
/** @type {{ lanes: { name: string, path: string }[], failed: { lane: string, error: string }[] }} what `lanes new --json` prints */
const created = JSON.parse(made.value.stdout);
if (created.failed.length > 0)
  throw new Error(`lanes new failed for ${created.failed.map((f) => `${f.lane}: ${f.error}`).join('; ')}`);
const paths = created.lanes.map((l) => l.path);

// Git treats files written in the same second as the index as "racily clean" and re-reads them on
// every status until the index is rewritten later; wait, then let one status per worktree rewrite
// it, so both sides measure the steady state a user sees.
await new Promise((r) => setTimeout(r, 1100));
for (const p of paths) run('git', ['status', '--porcelain'], { cwd: p, env });

header(
  NAME,
  `A = lanes ls --json, B = git status --porcelain in each of the ${laneCount} worktrees, one after another`,
  {
    repository: `${files} tracked files per worktree (generated in ${(gen.ms / 1000).toFixed(1)} s)`,
    lanes: `${paths.length} (made by one lanes new in ${(made.ms / 1000).toFixed(1)} s)`,
    filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir} (not tmpfs: rely on the alternation)`,
    pairs: `${pairs} (+1 warm-up)`,
  },
);

const res = alternate({
  pairs,
  warmup: 1,
  onPair: pairPrinter(),
  a: {
    run: () => {
      const r = run(process.execPath, [lanes, 'ls', '--json'], { cwd: repo, env });
      const n = JSON.parse(r.stdout).length;
      if (n !== paths.length) throw new Error(`lanes ls listed ${n} lanes, expected ${paths.length}`);
      return r.ms;
    },
  },
  b: {
    run: () => {
      const start = process.hrtime.bigint();
      for (const p of paths) {
        const r = spawnSync('git', ['status', '--porcelain'], { cwd: p, env, stdio: ['ignore', 'pipe', 'pipe'] });
        if (r.status !== 0) throw new Error(`git status in ${p} failed: ${r.stderr}`);
      }
      return Number(process.hrtime.bigint() - start) / 1e6;
    },
  },
});

report(
  NAME,
  { aLabel: 'lanes ls --json', bLabel: `sequential git status --porcelain x${paths.length}`, target: TARGET },
  res,
);
