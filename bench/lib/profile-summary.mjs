#!/usr/bin/env node
// @ts-check
// Profiling aid, not a benchmark: summarises a V8 .cpuprofile (from `node --cpu-prof`) as the
// functions with the most self time, and self time by file and by package, so "where does the
// time of `lanes new` go" has an answer in a terminal. Idle time (the process waiting on a child
// process or the disk) shows as (idle) / (program); it is time git or the file system spends.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/lanes.js new 1 --no-agent
//   node bench/lib/profile-summary.mjs /tmp/prof/*.cpuprofile [top=25] [--timeline[=ms]]
//
// --timeline adds, per slice of time (10 ms by default), the innermost lanes (dist/) or package
// function on the stack of most of its samples: what the process was doing when, to line up with
// bench/lib/trace-spawn.mjs's child-process log (both count from the process's start).
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
  for (const [name, ms] of rows)
    console.log(`  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${name}`);
}

const args = process.argv.slice(2);
const timelineArg = args.find((a) => a.startsWith('--timeline'));
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top=25] [--timeline[=ms]]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const slice = timelineArg?.includes('=') ? Number(timelineArg.split('=')[1]) : timelineArg ? 10 : 0;
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
  const where = frame.url
    ? `${frame.url.startsWith('file://') ? relative(ROOT, new URL(frame.url).pathname) : frame.url}:${frame.lineNumber + 1}`
    : '';
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

if (slice > 0) {
  /** @type {Map<number, number>} child id -> parent id */
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  /**
   * The innermost frame of lanes' bundle or a package on a sample's stack, else its top frame.
   * @param {number} id
   */
  const label = (id) => {
    const topFrame = byId.get(id)?.callFrame;
    for (let at = /** @type {number | undefined} */ (id); at !== undefined; at = parentOf.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f && (f.url.includes('/dist/') || f.url.includes('node_modules/'))) {
        return `${f.functionName || '(anonymous)'} ${relative(ROOT, new URL(f.url).pathname)}:${f.lineNumber + 1}`;
      }
    }
    return topFrame ? `${topFrame.functionName || '(anonymous)'}${topFrame.url ? ` ${topFrame.url}` : ''}` : '?';
  };
  console.log(`\ntimeline (${slice} ms slices from the profile's start; the label most samples had, and its share):`);
  let t = 0;
  /** @type {Map<string, number>} */
  let bucket = new Map();
  let bucketStart = 0;
  const flush = () => {
    const total = [...bucket.values()].reduce((x, y) => x + y, 0);
    const best = [...bucket.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best && total > 0)
      console.log(
        `  ${bucketStart.toFixed(0).padStart(6)} ms  ${((100 * best[1]) / total).toFixed(0).padStart(3)}%  ${best[0]}`,
      );
    bucket = new Map();
  };
  for (let i = 0; i < profile.samples.length; i++) {
    t += (profile.timeDeltas[i] ?? 0) / 1000;
    if (t - bucketStart >= slice) {
      flush();
      bucketStart = Math.floor(t / slice) * slice;
    }
    const id = profile.samples[i];
    if (id !== undefined) add(bucket, label(id), (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  flush();
}
