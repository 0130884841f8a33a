#!/usr/bin/env node
// @ts-check
// `lanes new <id> --no-agent` vs plain `git worktree add -b <branch> <path> <base>` on a generated
// repository of 20,000 tracked files, runs alternated (A, B, A, B…), each lane / worktree removed
// after its run outside the timed region. Target: lanes at most 1.5x git.
//
//   node bench/lifecycle-new.mjs            BENCH_PAIRS=10  BENCH_FILES=20000  BENCH_NO_TMPFS=1
import { join } from 'node:path';
import { alternate, envInt, header, pairPrinter, report, requireBuiltCli, run } from './lib/harness.mjs';
import { generateRepo, gitSync, lanesEnv, writeIssues } from './lib/repo.mjs';
import { makeWorkDir } from './lib/workdir.mjs';

const NAME = 'lifecycle-new';
const TARGET = 1.5;
const pairs = envInt('BENCH_PAIRS', 10);
const warmup = 1;
const files = envInt('BENCH_FILES', 20_000);

const lanes = requireBuiltCli();
const wd = makeWorkDir('new');
const repo = join(wd.dir, 'repo');
const gen = generateRepo(repo, { files });
const ids = Array.from({ length: pairs + warmup }, (_, i) => String(i + 1));
/** The issue id of run i (the alternation's runs count from 0). */
const idOf = (/** @type {number} */ i) => String(i + 1);
writeIssues(repo, ids);
const plainRoot = join(wd.dir, 'plain-worktrees');
const env = lanesEnv(wd.dir);

header(NAME, 'A = lanes new <id> --no-agent, B = git worktree add -b <branch> <path> main', {
  repository: `${files} tracked files (generated in ${(gen.ms / 1000).toFixed(1)} s)`,
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir} (not tmpfs: rely on the alternation)`,
  pairs: `${pairs} (+${warmup} warm-up)`,
});

const res = alternate({
  pairs,
  warmup,
  onPair: pairPrinter(),
  a: {
    run: (i) => run(process.execPath, [lanes, 'new', idOf(i), '--no-agent'], { cwd: repo, env }).ms,
    cleanup: (i) => run(process.execPath, [lanes, 'rm', `issue-${idOf(i)}`], { cwd: repo, env }),
  },
  b: {
    run: (i) =>
      run('git', ['worktree', 'add', '-q', '-b', `plain-${i}`, join(plainRoot, `plain-${i}`), 'main'], {
        cwd: repo,
        env,
      }).ms,
    cleanup: (i) => {
      gitSync(repo, ['worktree', 'remove', '--force', join(plainRoot, `plain-${i}`)]);
      gitSync(repo, ['branch', '-q', '-D', `plain-${i}`]);
    },
  },
});

report(NAME, { aLabel: 'lanes new --no-agent', bLabel: 'git worktree add -b', target: TARGET }, res);
