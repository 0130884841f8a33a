#!/usr/bin/env node
// @ts-check
// Profiling aid, not a benchmark: summarises a V8 .cpuprofile (from `node --cpu-prof`) as the
// functions with the most self time, and self time by file and by package, so "where does the
// time of `lanes new` go" has an answer in a terminal. Idle time (the process waiting on a child
// process or the disk) shows as (idle) / (program); it is time git or the file system spends.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/lanes.js new 1 --no-agent
//   node bench/lib/profile-summary.mjs /tmp/prof/*.cpuprofile [top=25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './harness.mjs';

/**
 * The parts of V8's profile format read here.
 * @typedef {{ functionName: string, url: string, lineNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} CpuProfile
 */

/**
 * Self time in ms of every node, from the samples and the time between them.
 * @param {CpuProfile} profile
 * @returns {Map<number, number>}
 */
function selfTimes(profile) {
  /** @type {Map<number, number>} */
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    // The delta after a sample is the time spent in it (the last sample gets none).
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (id !== undefined) self.set(id, (self.get(id) ?? 0) + next / 1000);
  }
  return self;
}

/**
 * Where a script's URL belongs: a package under node_modules, lanes' bundle, or node itself.
 * @param {string} url
 */
function packageOf(url) {
  if (!url) return '(native or idle)';
  if (url.startsWith('node:')) return 'node: built-ins';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.includes('/dist/')) return 'lanes (dist)';
  return url;
}

/**
 * @param {Map<string, number>} totals
 * @param {number} top
 * @param {number} all total ms, for the share column
 */
function printTable(totals, top, all) {
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, ms] of rows) console.log(`  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${name}`);
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top=25]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
/** @type {CpuProfile} */
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = selfTimes(profile);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const all = (profile.endTime - profile.startTime) / 1000;

/** @type {Map<string, number>} */
const byFunction = new Map();
/** @type {Map<string, number>} */
const byFile = new Map();
/** @type {Map<string, number>} */
const byPackage = new Map();
/** @param {Map<string, number>} m @param {string} k @param {number} v */
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
for (const [id, ms] of self) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url ? `${frame.url.startsWith('file://') ? relative(ROOT, new URL(frame.url).pathname) : frame.url}:${frame.lineNumber + 1}` : '';
  add(byFunction, `${frame.functionName || '(anonymous)'} ${where}`.trim(), ms);
  add(byFile, frame.url ? where.replace(/:\d+$/, '') : frame.functionName, ms);
  add(byPackage, frame.url ? packageOf(frame.url) : frame.functionName, ms);
}

console.log(`${file}: ${all.toFixed(1)} ms profiled, ${profile.samples.length} samples`);
console.log(`\nself time by function (top ${top}):`);
printTable(byFunction, top, all);
console.log(`\nself time by file (top ${top}):`);
printTable(byFile, top, all);
console.log('\nself time by package:');
printTable(byPackage, top, all);
