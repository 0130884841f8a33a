#!/usr/bin/env node
// @ts-check
// Reviews of five lanes at once vs one after another: five `lanes review <lane> --again` started
// together (B) against the same five run in turn (A), runs alternated (A, B, A, B…). Each review is
// the real Claude Code CLI (from test/agents) as a read-only reviewer in its own checkout, against
// the scripted model server answering each turn after a fixed delay: a reviewer mostly waits on the
// model, as real ones do, so five at once should take little more than one. The lanes (one commit
// each) are made once, untimed; `--again` reviews the same heads anew every run.
// Target: A/B wall time at least 3.5x.
//
//   node bench/review-parallel.mjs     BENCH_PAIRS=2  BENCH_DELAY_MS=10000  BENCH_LANES=5
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { envInt, header, median, requireBuiltCli, ROOT, skip } from './lib/harness.mjs';
import { gitSync, lanesEnv } from './lib/repo.mjs';
import { atExit, makeWorkDir } from './lib/workdir.mjs';

const NAME = 'review-parallel';
const TARGET = 3.5;
const pairs = envInt('BENCH_PAIRS', 2);
// 10 s per model turn, as in agents-parallel: with shorter turns the CLIs' own start-up CPU (about
// 3 s each on 2 cores) dominates instead of the wait on the model.
const delayMs = envInt('BENCH_DELAY_MS', 10000);
const laneCount = envInt('BENCH_LANES', 5);
const MODEL = 'claude-sonnet-4-5';

const agentsBin = join(ROOT, 'test', 'agents', 'node_modules', '.bin');
if (!existsSync(join(agentsBin, 'claude'))) {
  skip(NAME, 'the claude CLI is not installed in test/agents (npm ci --prefix test/agents installs it)');
  process.exit(0);
}
const lanes = requireBuiltCli();
const wd = makeWorkDir('review', { sizeMb: 1024 });

// The scripted reviewer: looks at the history (a read-only command), then approves; each after `delayMs`.
const script = {
  usage: { input: 3000, output: 300 },
  turns: [
    { kind: 'shell', command: 'git log --oneline -3', delayMs },
    {
      kind: 'answer',
      json: { verdict: 'approve', findings: [], audit: { criteria: [], scopeDrift: [] }, disputes: [] },
      delayMs,
    },
  ],
};
writeFileSync(join(wd.dir, 'script.json'), JSON.stringify(script));
const tsx = createRequire(join(ROOT, 'package.json')).resolve('tsx');
const server = spawn(
  process.execPath,
  ['--import', tsx, join(ROOT, 'test', 'fakes', 'model-server', 'main.ts'), '--script', join(wd.dir, 'script.json')],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
atExit(() => server.kill('SIGTERM'));
const { url } = JSON.parse(
  await new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).once('line', resolve);
    server.once('exit', (code) => reject(new Error(`fake model server exited (${code})`)));
  }),
);

// The repository: one commit, the config, an issue per lane.
const repo = join(wd.dir, 'repo');
mkdirSync(join(repo, 'issues'), { recursive: true });
gitSync(wd.dir, ['init', '-q', '-b', 'main', repo]);
writeFileSync(join(repo, 'README.md'), '# bench\n');
writeFileSync(
  join(repo, 'lanes.config.json'),
  JSON.stringify({ agent: 'claude', phases: { review: { agent: 'claude', model: MODEL } } }, null, 2),
);
for (let i = 1; i <= laneCount; i++)
  writeFileSync(join(repo, 'issues', `${i}.md`), `---\ntitle: "Bench issue ${i}"\n---\n\nWrite work.txt.\n`);
gitSync(repo, ['add', '-A']);
gitSync(repo, ['commit', '-q', '-m', 'bench repo']);
const agentHome = join(wd.dir, 'agent-home');
mkdirSync(agentHome);
const env = {
  ...lanesEnv(wd.dir),
  PATH: `${agentsBin}:${process.env.PATH}`,
  LANES_AGENT_BASE_URL: url,
  LANES_AGENT_HOME: agentHome,
  LANES_AGENT_MAX_RETRIES: '0',
};

/** @param {readonly string[]} args */
function lanesSync(args) {
  const res = spawnSync(process.execPath, [lanes, ...args], { cwd: repo, env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`lanes ${args.join(' ')} exited ${res.status}:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

// The lanes, each with a commit of its own to review (made by hand: no implementer is timed).
const names = Array.from({ length: laneCount }, (_, i) => `issue-${i + 1}`);
lanesSync(['new', ...names.map((_, i) => String(i + 1)), '--no-agent']);
for (const name of names) {
  const worktree = join(wd.dir, 'repo-worktrees', name);
  writeFileSync(join(worktree, 'work.txt'), `work of ${name}\n`);
  gitSync(worktree, ['add', 'work.txt']);
  gitSync(worktree, ['commit', '-q', '-m', `Work for ${name}`]);
}

/**
 * One `lanes review <lane> --again --json`; resolves with its verdict, throws on a failed review.
 * @param {string} lane
 * @returns {Promise<string>}
 */
function review(lane) {
  const child = spawn(process.execPath, [lanes, 'review', lane, '--again', '--json'], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`lanes review ${lane} exited ${code}:\n${err}${out}`));
      /** @type {{ verdict: string }} the part of `lanes review --json` read here */
      const result = JSON.parse(out);
      resolve(result.verdict);
    }),
  );
}

/**
 * Times the reviews of `lanes`: all at once, or one after another.
 * @param {readonly string[]} lanes
 * @param {boolean} atOnce
 */
async function timed(lanes, atOnce) {
  const started = process.hrtime.bigint();
  const verdicts = [];
  if (atOnce) verdicts.push(...(await Promise.all(lanes.map(review))));
  else for (const lane of lanes) verdicts.push(await review(lane));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (verdicts.some((v) => v !== 'approve')) throw new Error(`unexpected verdicts: ${verdicts.join(', ')}`);
  return ms;
}

header(NAME, `A = ${laneCount} lanes review one after another, B = the same ${laneCount} at once`, {
  reviewer: `claude (real CLI from test/agents, read-only, structured answer), model ${MODEL}`,
  model: `scripted fake server, 2 turns per review, each answered after ${delayMs} ms`,
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir}`,
  pairs: `${pairs} (after a one-review warm-up)`,
});

/** @type {{ a: number[], b: number[], ratios: number[] }} */
const res = { a: [], b: [], ratios: [] };
await timed([/** @type {string} */ (names[0])], false); // warm-up: the CLI's binary and lanes' bundle into the page cache
for (let p = 0; p < pairs; p++) {
  const a = await timed(names, false);
  const b = await timed(names, true);
  res.a.push(a);
  res.b.push(b);
  res.ratios.push(a / b);
  console.log(
    `   ${String(p + 1).padStart(4)} ${a.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(9)}  ${(a / b).toFixed(2)}x`,
  );
}

const ma = median(res.a);
const mb = median(res.b);
const mr = median(res.ratios);
console.log(
  `   A = one after another: median ${(ma / 1000).toFixed(1)} s;  B = ${laneCount} at once: median ${(mb / 1000).toFixed(1)} s`,
);
console.log(`   ideal B: ${((2 * delayMs) / 1000).toFixed(1)} s of model time per review, all reviews at once`);
console.log(
  `   ratio of medians ${(ma / mb).toFixed(2)}x; per-pair ratios: median ${mr.toFixed(2)}x, min ${Math.min(...res.ratios).toFixed(2)}x, max ${Math.max(...res.ratios).toFixed(2)}x (${res.ratios.length} pairs)`,
);
console.log(
  `${mr >= TARGET ? 'PASS' : 'MISS'} ${NAME}: ${mr.toFixed(2)}x (median of per-pair A/B) vs target >= ${TARGET.toFixed(2)}x`,
);
// The fake model server child keeps the event loop alive: exit, which stops it and unmounts the work dir.
process.exit(0);
