#!/usr/bin/env node
// @ts-check
// `lanes land <20 lanes> --dry-run --json` (the order and the pairwise conflict prediction: 190
// `git merge-tree` pairs) vs the floor a user's script would pay for the same prediction: one
// `git merge-tree --write-tree --name-only` call per pair, one after the other, runs alternated
// (A, B, A, B…). Each lane changes three files of its own; every fifth lane also changes the same
// line of one shared file, so some pairs conflict and the prediction has files to list. Nothing is
// written by either side but merge-tree's objects. Target: lanes at most 1.5x the plain loop
// (issue 14: "in seconds, not minutes").
//
//   node bench/land-dry-run.mjs      BENCH_PAIRS=5  BENCH_LANES=20  BENCH_FILES=2000  BENCH_NO_TMPFS=1
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, envInt, header, pairPrinter, report, requireBuiltCli, run, time } from './lib/harness.mjs';
import { generateRepo, gitSync, lanesEnv, writeIssues } from './lib/repo.mjs';
import { makeWorkDir } from './lib/workdir.mjs';

const NAME = 'land-dry-run';
const TARGET = 1.5;
const pairs = envInt('BENCH_PAIRS', 5);
const warmup = 1;
const laneCount = envInt('BENCH_LANES', 20);
const files = envInt('BENCH_FILES', 2_000);

const lanes = requireBuiltCli();
const wd = makeWorkDir('land', { sizeMb: 1024 });
const repo = join(wd.dir, 'repo');
const gen = generateRepo(repo, { files });
const ids = Array.from({ length: laneCount }, (_, i) => String(i + 1));
writeIssues(repo, ids);
const env = lanesEnv(wd.dir);

/** The i-th generated file (the layout of lib/repo.mjs). @param {number} i */
const filePath = (i) =>
  `packages/pkg${String(Math.floor(i / 1000)).padStart(2, '0')}/src/mod${Math.floor(i / 100) % 10}/file${String(i).padStart(5, '0')}.ts`;

const made = run(process.execPath, [lanes, 'new', ...ids, '--no-agent', '--json'], { cwd: repo, env });
/** @type {{ lanes: { name: string, path: string }[] }} */
const out = JSON.parse(made.stdout);
if (out.lanes.length !== laneCount) throw new Error(`lanes new made ${out.lanes.length} lanes:\n${made.stderr}`);
for (const [k, lane] of out.lanes.entries()) {
  const touched = [3 * k + 10, 3 * k + 11, 3 * k + 12].map(filePath);
  if (k % 5 === 0) touched.push(filePath(0));
  for (const rel of touched) {
    const p = join(lane.path, rel);
    const lines = readFileSync(p, 'utf8').split('\n');
    lines[1] = `export const changedBy = ${JSON.stringify(lane.name)};`;
    writeFileSync(p, lines.join('\n'));
  }
  gitSync(lane.path, ['commit', '-q', '-a', '-m', `Work of ${lane.name}`]);
}
const branches = out.lanes.map((l) => l.name);
const pairCount = (laneCount * (laneCount - 1)) / 2;

header(NAME, `A = lanes land <${laneCount} lanes> --dry-run --json, B = ${pairCount} git merge-tree calls in a row`, {
  repository: `${files} tracked files (generated in ${(gen.ms / 1000).toFixed(1)} s)`,
  lanes: `${laneCount}, 3 files each; every fifth also edits one shared line`,
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir} (not tmpfs: rely on the alternation)`,
  pairs: `${pairs} (+${warmup} warm-up)`,
});

let predicted = -1;
const res = alternate({
  pairs,
  warmup,
  onPair: pairPrinter(),
  a: {
    run: () => {
      const r = run(process.execPath, [lanes, 'land', ...branches, '--dry-run', '--json'], { cwd: repo, env });
      /** @type {{ order: unknown[], pairs: { conflicts: string[] }[] }} */
      const plan = JSON.parse(r.stdout);
      if (plan.order.length !== laneCount || plan.pairs.length !== pairCount)
        throw new Error(`lanes land --dry-run planned ${plan.order.length} lanes, ${plan.pairs.length} pairs`);
      predicted = plan.pairs.filter((p) => p.conflicts.length > 0).length;
      return r.ms;
    },
  },
  b: {
    run: () =>
      time(() => {
        let conflicting = 0;
        for (let i = 0; i < branches.length; i++)
          for (let j = i + 1; j < branches.length; j++) {
            const r = run(
              'git',
              [
                'merge-tree',
                '--write-tree',
                '--name-only',
                '--no-messages',
                '-z',
                branches[i] ?? '',
                branches[j] ?? '',
              ],
              { cwd: repo, env, allowFailure: true },
            );
            if (r.status === 1) conflicting++;
          }
        if (predicted >= 0 && conflicting !== predicted)
          throw new Error(`the loop found ${conflicting} conflicting pairs, lanes ${predicted}`);
      }).ms,
  },
});

console.log(`   conflicting pairs predicted: ${predicted} of ${pairCount}`);
report(
  NAME,
  { aLabel: `lanes land --dry-run (${laneCount} lanes)`, bLabel: `${pairCount} x git merge-tree`, target: TARGET },
  res,
);
