#!/usr/bin/env node
// @ts-check
// The dashboard with 50 lanes. Two measurements, runs alternated:
// 1. the board's data (GET /api/board from a running `lanes ui`) vs `lanes ls --json` (the same
//    lanes and git facts, from a new process): target at most 1.0x, the page's first render asks
//    for nothing more than ls computes;
// 2. a live update: from starting `lanes new <id> --no-agent` in another process to the server's
//    event and a board that lists the new lane, vs that command's own wall time: target, the update
//    reaches the page at most 1000 ms after the command (median of A - B).
//
//   node bench/ui-board.mjs      BENCH_PAIRS=8  BENCH_LANES=50  BENCH_FILES=2000  BENCH_NO_TMPFS=1
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { envInt, header, median, pairPrinter, report, requireBuiltCli, run } from './lib/harness.mjs';
import { generateRepo, lanesEnv, writeIssues } from './lib/repo.mjs';
import { atExit, makeWorkDir } from './lib/workdir.mjs';

const NAME = 'ui-board';
const pairs = envInt('BENCH_PAIRS', 8);
const laneCount = envInt('BENCH_LANES', 50);
const files = envInt('BENCH_FILES', 2000);

const lanes = requireBuiltCli();
const wd = makeWorkDir('ui', { sizeMb: 2048 });
const repo = join(wd.dir, 'repo');
generateRepo(repo, { files });
const ids = Array.from({ length: laneCount + pairs + 2 }, (_, i) => String(i + 1));
writeIssues(repo, ids);
const env = lanesEnv(wd.dir);
run(process.execPath, [lanes, 'new', ...ids.slice(0, laneCount), '--no-agent', '--json'], { cwd: repo, env });

const ui = spawn(process.execPath, [lanes, 'ui', '--port', '0', '--json'], {
  cwd: repo,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
atExit(() => ui.kill('SIGKILL'));
const url = await new Promise((resolve, reject) => {
  let out = '';
  ui.stdout.on('data', (d) => {
    out += d;
    try {
      resolve(/** @type {{ url: string }} */ (JSON.parse(out)).url);
    } catch {
      // Not all of it yet.
    }
  });
  ui.on('exit', (code) => reject(new Error(`lanes ui exited ${code}`)));
});
const origin = new URL(url).origin;
const token = new URL(url).searchParams.get('token') ?? '';
const api = (/** @type {string} */ path) => `${origin}${path}?token=${encodeURIComponent(token)}`;

/** @returns {Promise<number>} */
async function boardMs() {
  const start = process.hrtime.bigint();
  const res = await fetch(api('/api/board'));
  const body = /** @type {{ lanes: unknown[] }} */ (await res.json());
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (body.lanes.length < laneCount) throw new Error(`the board listed ${body.lanes.length} lanes`);
  return ms;
}

function lsMs() {
  const r = run(process.execPath, [lanes, 'ls', '--json'], { cwd: repo, env });
  return r.ms;
}

header(NAME, `A = GET /api/board of lanes ui, B = lanes ls --json, ${laneCount} lanes`, {
  repository: `${files} tracked files per worktree`,
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir}`,
  pairs: `${pairs} (+1 warm-up)`,
});
await boardMs();
lsMs();
const board = {
  a: /** @type {number[]} */ ([]),
  b: /** @type {number[]} */ ([]),
  ratios: /** @type {number[]} */ ([]),
};
const print = pairPrinter();
for (let p = 0; p < pairs; p++) {
  const a = await boardMs();
  const b = lsMs();
  board.a.push(a);
  board.b.push(b);
  board.ratios.push(a / b);
  print(p, a, b);
}
report(NAME, { aLabel: 'GET /api/board', bLabel: 'lanes ls --json', target: 1.0 }, board);

// Live updates: the event feed, read as the page reads it.
const feed = await fetch(api('/api/events'));
if (!feed.body) throw new Error('no event stream');
const reader = feed.body.getReader();
let buffered = '';
/** Resolves at the next `state` event. */
async function nextState() {
  for (;;) {
    const at = buffered.indexOf('event: state');
    if (at >= 0) {
      const end = buffered.indexOf('\n\n', at);
      if (end >= 0) {
        buffered = buffered.slice(end + 2);
        return;
      }
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffered += new TextDecoder().decode(value);
  }
}
header(`${NAME}-live`, 'A = lanes new in another process until the board lists the lane, B = that command alone', {});
const live = { a: /** @type {number[]} */ ([]), b: /** @type {number[]} */ ([]), ratios: /** @type {number[]} */ ([]) };
for (let p = 0; p < pairs; p++) {
  const id = ids[laneCount + p] ?? '';
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [lanes, 'new', id, '--no-agent'], { cwd: repo, env, stdio: 'ignore' });
  const exited = new Promise((resolve) =>
    child.on('exit', () => resolve(Number(process.hrtime.bigint() - start) / 1e6)),
  );
  let a;
  for (;;) {
    await nextState();
    const body = /** @type {{ lanes: { name: string }[] }} */ (await (await fetch(api('/api/board'))).json());
    if (body.lanes.some((l) => l.name === `issue-${id}`)) {
      a = Number(process.hrtime.bigint() - start) / 1e6;
      break;
    }
  }
  const b = /** @type {number} */ (await exited);
  live.a.push(a);
  live.b.push(b);
  live.ratios.push(a / b);
  print(p, a, b);
}
const delay = median(live.a.map((a, i) => a - (live.b[i] ?? NaN)));
console.log(`   median A = ${median(live.a).toFixed(1)} ms, B = ${median(live.b).toFixed(1)} ms`);
console.log(
  `${delay <= 1000 ? 'PASS' : 'MISS'} ${NAME}-live: the board had the new lane ${delay.toFixed(0)} ms after the command (median A - B) vs target <= 1000 ms`,
);
await reader.cancel();
ui.kill('SIGTERM');
spawnSync('sleep', ['0.2']);
wd.cleanup();
