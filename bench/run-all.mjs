#!/usr/bin/env node
// @ts-check
// Runs every benchmark in bench/ (each *.mjs at the top level except this file; helpers live in
// bench/lib/), one after another, streaming their output, then prints a summary of their
// PASS / MISS / SKIP lines. A new bench/<name>.mjs is picked up by that glob: today startup,
// lifecycle-new, lifecycle-ls, rm-lane, deps-warmup, agents-parallel and pg-branch. A MISS never
// fails the run (timings must not fail CI); only a benchmark that crashes makes the exit code non-zero.
//
//   node bench/run-all.mjs                 all of them
//   node bench/run-all.mjs startup ls      only those whose file name contains "startup" or "ls"
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BENCH_DIR } from './lib/harness.mjs';

const self = basename(new URL(import.meta.url).pathname);
const filters = process.argv.slice(2);
const scripts = readdirSync(BENCH_DIR, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.mjs') && e.name !== self)
  .map((e) => e.name)
  .filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)))
  .sort();

/**
 * @typedef {{ name: string, code: number | null, signal: NodeJS.Signals | null, verdicts: string[], seconds: number }} ScriptResult
 * @param {string} name a file in bench/
 * @returns {Promise<ScriptResult>}
 */
function runScript(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(BENCH_DIR, name)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    // Forward Ctrl-C / SIGTERM so a benchmark can unmount its tmpfs before we go.
    const forward = (/** @type {NodeJS.Signals} */ sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      const verdicts = out.split('\n').filter((l) => /^(PASS|MISS|SKIP) /.test(l));
      resolve({ name, code, signal, verdicts, seconds: (Date.now() - started) / 1000 });
    });
  });
}

console.log(`bench: running ${scripts.length} benchmark(s): ${scripts.join(', ')}`);
const results = [];
for (const name of scripts) results.push(await runScript(name));

console.log('\n== summary');
let crashed = 0;
for (const r of results) {
  const ok = r.code === 0;
  if (!ok) crashed++;
  const lines =
    r.verdicts.length > 0
      ? r.verdicts
      : [ok ? 'no PASS/MISS/SKIP line printed' : `FAILED (exit ${r.code ?? r.signal})`];
  for (const l of lines) console.log(`   ${r.name.padEnd(24)} ${l}   [${r.seconds.toFixed(0)} s]`);
}
if (crashed > 0) {
  console.log(`bench: ${crashed} benchmark(s) failed to run (a timing MISS alone never fails)`);
  process.exitCode = 1;
}
