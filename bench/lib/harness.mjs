// @ts-check
// Shared timing helpers for the bench/ scripts: run a command with an argument array and time it,
// alternate two sides run by run (A, B, A, B…), and report medians, per-pair ratios and a
// PASS/MISS line against a target. Nothing here ever fails the process because of a timing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const LANES_JS = join(ROOT, 'dist', 'lanes.js');

/** The built CLI, or a clear message: the benchmarks measure dist/, never the TypeScript sources. */
export function requireBuiltCli() {
  if (!existsSync(LANES_JS)) {
    console.error(`bench: ${LANES_JS} is missing; run \`npm run build\` first (npm run bench does it for you)`);
    process.exit(2);
  }
  return LANES_JS;
}

/**
 * An integer from the environment (BENCH_PAIRS etc.), or the default.
 * @param {string} name
 * @param {number} fallback
 * @returns {number}
 */
export function envInt(name, fallback) {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/**
 * @typedef {import('node:child_process').SpawnSyncOptions & { allowFailure?: boolean }} RunOptions
 *   spawnSync's options; `allowFailure` returns a non-zero exit instead of throwing.
 * @typedef {{ ms: number, status: number | null, stdout: string, stderr: string }} RunResult
 */

/**
 * Runs a command synchronously (argument array, no shell) and returns its wall time in ms.
 * A non-zero exit throws with the command's stderr: a benchmark of a failing command means nothing.
 * @param {string} file
 * @param {readonly string[]} args
 * @param {RunOptions} [opts]
 * @returns {RunResult}
 */
export function run(file, args, opts = {}) {
  const { allowFailure, ...spawnOpts } = opts;
  const start = process.hrtime.bigint();
  const res = spawnSync(file, args, {
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOpts,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.error) throw res.error;
  if (res.status !== 0 && !allowFailure) {
    throw new Error(
      `${[file, ...args].join(' ')} (cwd ${opts.cwd ?? process.cwd()}) exited ${res.status ?? res.signal}:\n${res.stderr}${res.stdout}`,
    );
  }
  return { ms, status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * Times a synchronous function in ms.
 * @template T
 * @param {() => T} fn
 * @returns {{ ms: number, value: T }}
 */
export function time(fn) {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/**
 * @param {readonly number[]} xs
 * @returns {number} the median, NaN for no values
 */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const at = (/** @type {number} */ i) => /** @type {number} */ (s[i]);
  return s.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/**
 * One side of a comparison: `run(i)` returns the measured ms of run i; `prepare(i)` and
 * `cleanup(i)` run before and after it, untimed.
 * @typedef {{ label?: string, prepare?: (i: number) => void, run: (i: number) => number, cleanup?: (i: number) => void }} Side
 * @typedef {{ a: number[], b: number[], ratios: number[] }} Alternation ms per pair of each side, and a[i] / b[i]
 */

/**
 * Alternates two sides: for each pair, A then B. Each side is { label, prepare?(i), run(i) -> ms,
 * cleanup?(i) }; prepare and cleanup are untimed. `warmup` pairs run first and are not reported.
 * Returns { a: ms[], b: ms[], ratios: number[] } with ratios[i] = a[i] / b[i].
 * @param {{ a: Side, b: Side, pairs: number, warmup?: number, onPair?: (pair: number, aMs: number, bMs: number) => void }} options
 * @returns {Alternation}
 */
export function alternate({ a, b, pairs, warmup = 1, onPair }) {
  /** @type {Alternation} */
  const out = { a: [], b: [], ratios: [] };
  let index = 0;
  /** @param {Side} side */
  const one = (side) => {
    const i = index;
    side.prepare?.(i);
    /** @type {number} */
    let ms;
    try {
      ms = side.run(i);
    } finally {
      side.cleanup?.(i);
    }
    return ms;
  };
  for (let w = 0; w < warmup; w++) {
    one(a);
    one(b);
    index++;
  }
  for (let p = 0; p < pairs; p++) {
    const am = one(a);
    const bm = one(b);
    index++;
    out.a.push(am);
    out.b.push(bm);
    out.ratios.push(am / bm);
    onPair?.(p, am, bm);
  }
  return out;
}

const fmtMs = (/** @type {number} */ ms) => ms.toFixed(1).padStart(9);
const fmtX = (/** @type {number} */ x) => `${x.toFixed(2)}x`;

/**
 * Prints the header line of a benchmark.
 * @param {string} name
 * @param {string} description
 * @param {Record<string, string | number>} [facts] printed one a line under the header
 */
export function header(name, description, facts = {}) {
  console.log(`\n== ${name}: ${description}`);
  for (const [k, v] of Object.entries(facts)) console.log(`   ${k}: ${v}`);
  console.log(`   ${'pair'.padStart(4)} ${'A (ms)'.padStart(9)} ${'B (ms)'.padStart(9)}  A/B`);
}

/**
 * A line per pair, printed as it is measured.
 * @returns {(pair: number, aMs: number, bMs: number) => void}
 */
export function pairPrinter() {
  return (p, am, bm) => console.log(`   ${String(p + 1).padStart(4)} ${fmtMs(am)} ${fmtMs(bm)}  ${fmtX(am / bm)}`);
}

/**
 * Prints medians and ratios and the verdict line. The verdict is the median of the per-pair
 * ratios against the target; a MISS is reported, never thrown (timings must not fail CI).
 * @param {string} name
 * @param {{ aLabel: string, bLabel: string, target: number }} labels
 * @param {Alternation} res
 */
export function report(name, { aLabel, bLabel, target }, res) {
  const ma = median(res.a);
  const mb = median(res.b);
  const mr = median(res.ratios);
  const min = Math.min(...res.ratios);
  const max = Math.max(...res.ratios);
  console.log(`   A = ${aLabel}: median ${ma.toFixed(1)} ms`);
  console.log(`   B = ${bLabel}: median ${mb.toFixed(1)} ms`);
  console.log(
    `   ratio of medians ${fmtX(ma / mb)}; per-pair ratios: median ${fmtX(mr)}, min ${fmtX(min)}, max ${fmtX(max)} (${res.ratios.length} pairs)`,
  );
  // What A costs on top of B, in ms: steadier than the ratio when load slows B down (git under
  // load takes 2x as long, the ratio shrinks, A's own cost does not).
  const extra = median(res.a.map((a, i) => a - (res.b[i] ?? NaN)));
  console.log(`   per-pair A - B: median ${extra.toFixed(1)} ms`);
  const verdict = mr <= target ? 'PASS' : 'MISS';
  console.log(`${verdict} ${name}: ${fmtX(mr)} (median of per-pair A/B) vs target <= ${fmtX(target)}`);
  return { name, verdict, medianA: ma, medianB: mb, medianRatio: mr, min, max, target };
}

/**
 * For a benchmark that cannot run here (missing tool, no permission): a SKIP line, exit 0.
 * @param {string} name
 * @param {string} reason
 */
export function skip(name, reason) {
  console.log(`SKIP ${name}: ${reason}`);
}
