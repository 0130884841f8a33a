#!/usr/bin/env node
// @ts-check
// `lanes run` of five lanes with `--parallel 5` vs `--parallel 1`, runs alternated (A, B, A, B…),
// with a real agent CLI (from test/agents) against the scripted model server answering each turn
// after a fixed delay: the agents mostly wait on the model, as real ones do, so running them at
// once should take about a fifth of the time. Lanes are created before each timed run and removed
// after it (untimed); only `lanes run` is timed. While the parallel runs go, /proc is sampled for
// lanes' own processes (the `lanes run` process and one supervisor per agent) to report their CPU
// time and memory per running agent, next to the agent CLI's own.
// Target: A/B wall time (parallel 1 over parallel 5) at least 4x.
//
//   node bench/agents-parallel.mjs     BENCH_PAIRS=2  BENCH_DELAY_MS=10000  BENCH_AGENT=claude|codex  BENCH_LANES=5
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { envInt, header, median, requireBuiltCli, ROOT, skip } from './lib/harness.mjs';
import { gitSync, lanesEnv } from './lib/repo.mjs';
import { atExit, makeWorkDir } from './lib/workdir.mjs';

const NAME = 'agents-parallel';
const TARGET = 4;
const pairs = envInt('BENCH_PAIRS', 2);
// 10 s per model turn: real models answer a tool-using turn in seconds to tens of seconds; with
// shorter turns the five CLIs' own start-up CPU (about 3 s each on 2 cores) dominates instead.
const delayMs = envInt('BENCH_DELAY_MS', 10000);
const laneCount = envInt('BENCH_LANES', 5);
const agent = process.env.BENCH_AGENT === 'codex' ? 'codex' : 'claude';
const MODEL = agent === 'codex' ? 'gpt-5-codex' : 'claude-sonnet-4-5';

const agentsBin = join(ROOT, 'test', 'agents', 'node_modules', '.bin');
if (!existsSync(join(agentsBin, agent))) {
  skip(NAME, `the ${agent} CLI is not installed in test/agents (npm ci --prefix test/agents installs it)`);
  process.exit(0);
}
const lanes = requireBuiltCli();
const wd = makeWorkDir('agents', { sizeMb: 1024 });

// The scripted model: write a file, commit it, say done; every answer after `delayMs`.
const script = {
  usage: { input: 1000, output: 200 },
  turns: [
    { kind: 'write', path: 'work.txt', content: 'benchmark\n', delayMs },
    { kind: 'shell', command: 'git add -A && git commit -q -m "bench work"', delayMs },
    { kind: 'text', text: 'Done.', delayMs },
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

// The repository: one commit, the config, an issue per lane per run.
const repo = join(wd.dir, 'repo');
mkdirSync(join(repo, 'issues'), { recursive: true });
gitSync(wd.dir, ['init', '-q', '-b', 'main', repo]);
writeFileSync(join(repo, 'README.md'), '# bench\n');
writeFileSync(
  join(repo, 'lanes.config.json'),
  JSON.stringify({ agent, phases: { implement: { model: MODEL } } }, null, 2),
);
const runsNeeded = pairs * 2 + 1;
for (let i = 1; i <= runsNeeded * laneCount; i++)
  writeFileSync(
    join(repo, 'issues', `${i}.md`),
    `---\ntitle: "Bench issue ${i}"\n---\n\nWrite work.txt and commit it.\n`,
  );
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

// ---- /proc sampling: CPU (utime+stime) and RSS of lanes' own processes and of the agents ----
const TICK = 100; // USER_HZ on Linux
/**
 * @typedef {{ pid: number, ppid: number, pgid: number, cpuS: number, rssKb: number, cmdline: string[] }} ProcSample
 * @typedef {'lanes' | 'supervisor' | 'agent'} Role
 * @typedef {{ role: Role, cpuS: number, rssKb: number }} RoleUsage maxima over the samples of one process
 * @typedef {{ lanes: RoleUsage[], supervisors: RoleUsage[], agents: RoleUsage[] }} Usage
 */

/**
 * @param {number} pid
 * @returns {ProcSample | undefined} undefined when the process is gone
 */
function readProc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      cpuS: (Number(fields[11]) + Number(fields[12])) / TICK,
      rssKb,
      cmdline,
    };
  } catch {
    return undefined;
  }
}

/**
 * @param {number | undefined} lanesPid the `lanes run` process
 * @returns {() => Usage} stops sampling and returns what it saw
 */
function sampler(lanesPid) {
  // pid -> { role, cpuS, rssKb } (maxima). The role is decided at every sample: a child the
  // supervisor forks shows the supervisor's command line until it execs the agent CLI.
  /** @type {Map<number, RoleUsage>} */
  const seen = new Map();
  const timer = setInterval(() => {
    const procs = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((d) => readProc(Number(d)))
      .filter((p) => p !== undefined);
    const supervisors = new Set(
      procs.filter((p) => p.cmdline.some((a) => a.endsWith('dist/supervisor.js'))).map((p) => p.pid),
    );
    const agentLeaders = new Set(
      procs.filter((p) => supervisors.has(p.ppid) && !supervisors.has(p.pid)).map((p) => p.pid),
    );
    for (const p of procs) {
      /** @type {Role | undefined} */
      const role =
        p.pid === lanesPid
          ? 'lanes'
          : supervisors.has(p.pid)
            ? 'supervisor'
            : agentLeaders.has(p.pid) || agentLeaders.has(p.pgid)
              ? 'agent'
              : undefined;
      if (!role) continue;
      const prev = seen.get(p.pid);
      const base = prev && prev.role === role ? prev : { role, cpuS: 0, rssKb: 0 };
      seen.set(p.pid, { role, cpuS: Math.max(base.cpuS, p.cpuS), rssKb: Math.max(base.rssKb, p.rssKb) });
    }
  }, 100);
  return () => {
    clearInterval(timer);
    const by = (/** @type {Role} */ role) => [...seen.values()].filter((s) => s.role === role);
    return { lanes: by('lanes'), supervisors: by('supervisor'), agents: by('agent') };
  };
}

let batch = 0;
/**
 * Times one `lanes run` over fresh lanes; returns ms and, when sampled, the /proc figures.
 * @param {number} parallel
 * @param {boolean} sample
 * @param {number} [count] lanes in the run
 * @returns {Promise<{ ms: number, usage: Usage | undefined, agentMs: number }>}
 */
async function timedRun(parallel, sample, count = laneCount) {
  const ids = Array.from({ length: count }, (_, i) => String(batch * laneCount + i + 1));
  batch++;
  lanesSync(['new', ...ids, '--no-agent']);
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [lanes, 'run', ...ids, '--parallel', String(parallel), '--until', 'implement', '--json'],
    {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = sample ? sampler(child.pid) : undefined;
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  /** @type {number | null} */
  const code = await new Promise((resolve) => child.on('close', resolve));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = stop?.();
  if (code !== 0) throw new Error(`lanes run exited ${code}:\n${err}${out}`);
  /** @type {{ agentMs: number }} the part of `lanes run --json` read here */
  const result = JSON.parse(out);
  lanesSync(['rm', ...ids.map((id) => `issue-${id}`), '--force']);
  return { ms, usage, agentMs: result.agentMs };
}

header(NAME, `A = lanes run <${laneCount} issues> --parallel 1, B = the same --parallel ${laneCount}`, {
  agent: `${agent} (real CLI from test/agents), model ${MODEL}`,
  model: `scripted fake server, 3 turns per lane, each answered after ${delayMs} ms`,
  filesystem: wd.kind === 'tmpfs' ? `tmpfs at ${wd.dir}` : `temp dir ${wd.dir}`,
  pairs: `${pairs} (after a one-lane warm-up run)`,
});

/** @type {{ a: number[], b: number[], ratios: number[] }} */
const res = { a: [], b: [], ratios: [] };
/** @type {Usage[]} the parallel runs' */
const samples = [];
await timedRun(1, false, 1); // warm-up: the agent CLI's binary and lanes' bundle into the page cache
for (let p = 0; p < pairs; p++) {
  const a = await timedRun(1, false);
  const b = await timedRun(laneCount, true);
  res.a.push(a.ms);
  res.b.push(b.ms);
  res.ratios.push(a.ms / b.ms);
  if (b.usage) samples.push(b.usage);
  console.log(
    `   ${String(p + 1).padStart(4)} ${a.ms.toFixed(1).padStart(9)} ${b.ms.toFixed(1).padStart(9)}  ${(a.ms / b.ms).toFixed(2)}x`,
  );
}

const ma = median(res.a);
const mb = median(res.b);
const mr = median(res.ratios);
console.log(
  `   A = --parallel 1: median ${(ma / 1000).toFixed(1)} s;  B = --parallel ${laneCount}: median ${(mb / 1000).toFixed(1)} s`,
);
console.log(`   ideal B: ${((3 * delayMs) / 1000).toFixed(1)} s of model time per lane, all lanes at once`);

const mean = (/** @type {number[]} */ xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
const sup = samples.flatMap((s) => s.supervisors);
const lan = samples.flatMap((s) => s.lanes);
const agentsPerRun = samples.map((s) => s.agents.reduce((t, a) => t + a.cpuS, 0) / laneCount);
console.log(`   lanes' overhead per running agent (sampled from /proc every 100 ms during the parallel runs):`);
console.log(
  `     supervisor process: ${mean(sup.map((s) => s.cpuS)).toFixed(2)} s CPU, ${(mean(sup.map((s) => s.rssKb)) / 1024).toFixed(1)} MB peak RSS (${sup.length} sampled)`,
);
console.log(
  `     lanes run process, shared by ${laneCount} agents: ${(mean(lan.map((s) => s.cpuS)) / laneCount).toFixed(2)} s CPU and ${(mean(lan.map((s) => s.rssKb)) / 1024 / laneCount).toFixed(1)} MB peak RSS per agent`,
);
console.log(`     for scale, the ${agent} CLI itself: ${mean(agentsPerRun).toFixed(2)} s CPU per lane`);
console.log(
  `   ratio of medians ${(ma / mb).toFixed(2)}x; per-pair ratios: median ${mr.toFixed(2)}x, min ${Math.min(...res.ratios).toFixed(2)}x, max ${Math.max(...res.ratios).toFixed(2)}x (${res.ratios.length} pairs)`,
);
console.log(
  `${mr >= TARGET ? 'PASS' : 'MISS'} ${NAME}: ${mr.toFixed(2)}x (median of per-pair A/B) vs target >= ${TARGET.toFixed(2)}x`,
);
// The fake model server child keeps the event loop alive: exit, which stops it and unmounts the work dir.
process.exit(0);
