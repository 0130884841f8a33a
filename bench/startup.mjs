#!/usr/bin/env node
// @ts-check
// `node dist/lanes.js --version` vs `node -e 0`, runs alternated. Target: at most 1.5x.
//
//   node bench/startup.mjs      BENCH_PAIRS=30
import { alternate, envInt, header, pairPrinter, report, requireBuiltCli, run } from './lib/harness.mjs';

const NAME = 'startup';
const TARGET = 1.5;
const pairs = envInt('BENCH_PAIRS', 30);
const lanes = requireBuiltCli();

header(NAME, 'A = node dist/lanes.js --version, B = node -e 0', {
  node: `${process.execPath} ${process.version}`,
  pairs: `${pairs} (+3 warm-up)`,
});

const res = alternate({
  pairs,
  warmup: 3,
  onPair: pairPrinter(),
  a: { run: () => run(process.execPath, [lanes, '--version']).ms },
  b: { run: () => run(process.execPath, ['-e', '0']).ms },
});

report(NAME, { aLabel: 'node dist/lanes.js --version', bLabel: 'node -e 0', target: TARGET }, res);
