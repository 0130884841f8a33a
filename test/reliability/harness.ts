/**
 * The reliability harness: temp repositories driven through the BUILT CLI (dist/lanes.js), seeded
 * randomness, SIGKILL at a chosen moment, and the invariants every trial must leave true.
 *
 * Invariants (checkInvariants):
 * - every lane record (`lanes ls --json` and the state's lanes table agree) has its worktree (git
 *   knows it and it exists, compared by real path), its branch, its port leases and, when a
 *   database is configured, its database copy;
 * - nothing exists without a record: no entry in the worktrees folder and no git worktree that is
 *   not a lane, no `issue-*` branch without a lane unless it holds commits not in main (kept work),
 *   no port lease without a lane, no operation left on a lane after recovery;
 * - no commit reachable before the trial (from any ref or any worktree's HEAD) is lost: each is
 *   still reachable from a ref or a worktree HEAD, or from a backup bundle in .git/lanes/backups
 *   (fetched into a scratch repository that borrows the repository's objects);
 * - main untouched: its ref, the main worktree's HEAD and its status (ignored files included);
 * - no two lanes share a port.
 *
 * Counts come from LANES_RELIABILITY (`full` for the long run, anything else the bounded run that
 * `npm test` does); the seed from LANES_RELIABILITY_SEED (printed, so a failure can be replayed).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { userStateDir } from '../../src/infra/port-registry.js';
import { isAlive } from '../helpers/agents.js';
import { addIssue, CLI, makeRepo, type CliResult, type TempRepo } from '../helpers/repo.js';

// ---------------------------------------------------------------- mode, counts, seeds

export const FULL = process.env.LANES_RELIABILITY === 'full';
const envInt = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

export const COUNTS = {
  /** SIGKILL trials per command. */
  sigkill: envInt('LANES_RELIABILITY_TRIALS') ?? (FULL ? 50 : 3),
  /**
   * SIGKILL trials of `lanes run` with the real Claude Code CLI (7 s a run: fewer; the command agent has the full
   * count).
   */
  claudeRun: envInt('LANES_RELIABILITY_CLAUDE_TRIALS') ?? (FULL ? 20 : 2),
  /** Processes in one storm, and how many storms. */
  stormProcesses: envInt('LANES_RELIABILITY_STORM') ?? (FULL ? 50 : 8),
  storms: FULL ? 5 : 1,
  /** Trials of each two-process race of the rm-safety matrix. */
  races: FULL ? 16 : 2,
};

/** Per-file test timeout: the full run is long on two cores. */
export const TIMEOUT_MS = FULL ? 3_600_000 : 120_000;

export const MASTER_SEED = envInt('LANES_RELIABILITY_SEED') ?? Math.floor(Math.random() * 2 ** 31);

/** mulberry32: small, fast and good enough to spread kill times; the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A trial's own seed, from the master seed, the trial family and its number. */
export function trialSeed(label: string, index: number): number {
  let h = MASTER_SEED ^ 0x9e3779b9;
  for (const ch of `${label}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

// ---------------------------------------------------------------- tallies printed at the end

export interface TrialFailure {
  trial: number;
  seed: number;
  what: string;
  violations: string[];
}

export interface Tally {
  family: string;
  trials: number;
  failures: TrialFailure[];
  notes: string[];
}

export function tally(family: string): Tally {
  return { family, trials: 0, failures: [], notes: [] };
}

/** Prints one line per family (and every failure), and appends it to LANES_RELIABILITY_REPORT if set. */
export function printTally(t: Tally): void {
  const head = `[reliability ${FULL ? 'full' : 'bounded'}] ${t.family}: ${t.trials} trials, ${t.failures.length} failed (master seed ${MASTER_SEED}; replay with LANES_RELIABILITY_SEED=${MASTER_SEED})`;
  const lines = [
    head,
    ...t.notes.map((n) => `  note: ${n}`),
    ...t.failures.map(
      (f) => `  FAIL trial ${f.trial} (seed ${f.seed}, ${f.what}):\n    ${f.violations.join('\n    ')}`,
    ),
  ];
  console.log(lines.join('\n'));
  const file = process.env.LANES_RELIABILITY_REPORT;
  if (file)
    appendFileSync(
      file,
      `${JSON.stringify({ mode: FULL ? 'full' : 'bounded', masterSeed: MASTER_SEED, family: t.family, trials: t.trials, failed: t.failures.length, failures: t.failures, notes: t.notes })}\n`,
    );
}

export function describeFailures(t: Tally): string {
  return t.failures.map((f) => `trial ${f.trial} (seed ${f.seed}, ${f.what}): ${f.violations.join(' | ')}`).join('\n');
}

// ---------------------------------------------------------------- repositories

export interface TrialRepo extends TempRepo {
  worktrees: string;
  sqlite: boolean;
  lanePath(name: string): string;
}

export interface TrialRepoOptions {
  issues?: number;
  sqlite?: boolean;
  config?: Record<string, unknown>;
  gitignore?: string;
}

export const DEFAULT_GITIGNORE = '.env*\n!.env.example\nnode_modules/\ndist/\ndata/\n';

/** A repository with local issues 1..n committed, and optionally a SQLite database to branch. */
export function makeTrialRepo(opts: TrialRepoOptions = {}): TrialRepo {
  const config = { ...(opts.sqlite ? { database: { provider: 'sqlite', path: 'data/app.db' } } : {}), ...opts.config };
  const repo = makeRepo({
    files: { 'lanes.config.json': `${JSON.stringify(config, null, 2)}\n` },
    gitignore: opts.gitignore ?? DEFAULT_GITIGNORE,
  });
  if (opts.sqlite) {
    mkdirSync(join(repo.root, 'data'), { recursive: true });
    const db = new Database(join(repo.root, 'data', 'app.db'));
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('main')");
    db.close();
  }
  for (let id = 1; id <= (opts.issues ?? 3); id++) addIssue(repo, id, `Issue ${id}`, {}, `Body of issue ${id}.\n`);
  repo.commitAll('issues');
  const worktrees = join(repo.parent, 'app-worktrees');
  return { ...repo, worktrees, sqlite: opts.sqlite ?? false, lanePath: (name) => join(worktrees, name) };
}

export function gitIn(repo: TempRepo, cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    env: repo.env,
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

export function tryGit(
  repo: TempRepo,
  cwd: string,
  args: string[],
  input?: string,
): { ok: boolean; out: string; err: string } {
  try {
    return { ok: true, out: gitIn(repo, cwd, args, input), err: '' };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: String(err.stdout ?? ''), err: String(err.stderr ?? err.message) };
  }
}

/** Commits in a lane worktree; returns the new commit. */
export function commitIn(
  repo: TempRepo,
  wt: string,
  file: string,
  content: string | Buffer,
  message = `add ${file}`,
): string {
  mkdirSync(join(wt, file, '..'), { recursive: true });
  writeFileSync(join(wt, file), content);
  gitIn(repo, wt, ['add', '--', file]);
  gitIn(repo, wt, ['commit', '-q', '-m', message]);
  return gitIn(repo, wt, ['rev-parse', 'HEAD']);
}

// ---------------------------------------------------------------- running the CLI

export interface Started {
  pid: number;
  done: Promise<CliResult & { signal: NodeJS.Signals | null; ms: number }>;
}

/**
 * Starts the built CLI in its own process group, so a trial can kill the whole command (the
 * process and its git children, like a crash of the machine's session) or only the lanes process
 * (its children then finish on their own).
 */
export function startCli(repo: TempRepo, args: string[], env: Record<string, string> = {}): Started {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: repo.root,
    env: { ...repo.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 128 + 9, signal, stdout, stderr, ms: Date.now() - started }),
    );
  });
  return { pid: child.pid!, done };
}

export async function cli(repo: TempRepo, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(repo, args, env).done;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Pids of every live process below `root`, read from /proc (Linux). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we read.
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** A running process (not a zombie); the same judgement the agent tests use. */
export function alive(pid: number): boolean {
  return isAlive(pid);
}

export type KillTarget = 'process' | 'group';

export interface KillOutcome {
  killed: boolean;
  result: CliResult & { signal: NodeJS.Signals | null; ms: number };
  /** Children of the killed process that were still running after 15 s and were then killed. */
  strays: number;
}

/**
 * Kills a started command with SIGKILL after `delayMs` (the process alone or its whole group),
 * then waits for what it left running (children finish on their own) so recovery does not race
 * them; anything still alive after 15 s is killed and counted.
 */
export async function killAfter(run: Started, delayMs: number, target: KillTarget): Promise<KillOutcome> {
  let finished = false;
  void run.done.then(() => (finished = true));
  await sleep(delayMs);
  let killed = false;
  let orphans: number[] = [];
  if (!finished) {
    orphans = descendants(run.pid);
    try {
      process.kill(target === 'group' ? -run.pid : run.pid, 'SIGKILL');
      killed = true;
    } catch {
      // It ended just now.
    }
  }
  const result = await run.done;
  const deadline = Date.now() + 15_000;
  while (orphans.some(alive) && Date.now() < deadline) await sleep(50);
  let strays = 0;
  for (const pid of orphans.filter(alive)) {
    strays++;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  return { killed: killed && result.signal === 'SIGKILL', result, strays };
}

// ---------------------------------------------------------------- snapshots and invariants

export interface Snapshot {
  commits: Set<string>;
  mainRef: string;
  mainHead: string;
  mainStatus: string;
}

function worktreeHeads(
  repo: TempRepo,
): { path: string; head: string | undefined; branch: string | undefined; prunable: boolean }[] {
  const out = tryGit(repo, repo.root, ['worktree', 'list', '--porcelain']);
  const list: { path: string; head: string | undefined; branch: string | undefined; prunable: boolean }[] = [];
  for (const block of out.out.split('\n\n')) {
    const lines = block.split('\n');
    const path = lines.find((l) => l.startsWith('worktree '))?.slice(9);
    if (!path) continue;
    list.push({
      path,
      head: lines.find((l) => l.startsWith('HEAD '))?.slice(5),
      branch: lines.find((l) => l.startsWith('branch '))?.slice(7),
      prunable: lines.some((l) => l.startsWith('prunable')),
    });
  }
  return list;
}

function refTips(repo: TempRepo): string[] {
  const refs = gitIn(repo, repo.root, ['for-each-ref', '--format=%(objectname)']).split('\n').filter(Boolean);
  const heads = worktreeHeads(repo)
    .map((w) => w.head)
    .filter((h): h is string => !!h && !/^0+$/.test(h));
  return [...new Set([...refs, ...heads])];
}

function revList(repo: TempRepo, cwd: string, tips: string[]): Set<string> {
  if (tips.length === 0) return new Set();
  return new Set(
    gitIn(repo, cwd, ['rev-list', '--stdin'], `${tips.join('\n')}\n`)
      .split('\n')
      .filter(Boolean),
  );
}

export function mainStatus(repo: TempRepo): string {
  return gitIn(repo, repo.root, ['status', '--porcelain=v1', '--untracked-files=all', '--ignored']);
}

export function snapshot(repo: TempRepo): Snapshot {
  return {
    commits: revList(repo, repo.root, refTips(repo)),
    mainRef: gitIn(repo, repo.root, ['rev-parse', 'refs/heads/main']),
    mainHead: gitIn(repo, repo.root, ['symbolic-ref', 'HEAD']),
    mainStatus: mainStatus(repo),
  };
}

export function backupsDir(repo: TempRepo): string {
  return join(repo.root, '.git', 'lanes', 'backups');
}

export function bundlesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.bundle')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * Commits kept by backup bundles: every bundle is verified by fetching its heads into a scratch
 * bare repository that borrows the main repository's objects (a bundle's prerequisites are there).
 */
export function commitsInBackups(repo: TempRepo): { commits: Set<string>; problems: string[] } {
  const bundles = bundlesIn(backupsDir(repo));
  const problems: string[] = [];
  if (bundles.length === 0) return { commits: new Set(), problems };
  const scratch = join(repo.parent, `scratch-${Date.now()}-${Math.floor(Math.random() * 1e6)}.git`);
  gitIn(repo, repo.parent, ['init', '-q', '--bare', scratch]);
  writeFileSync(join(scratch, 'objects', 'info', 'alternates'), `${join(repo.root, '.git', 'objects')}\n`);
  const tips: string[] = [];
  bundles.forEach((bundle, i) => {
    const heads = tryGit(repo, scratch, ['bundle', 'list-heads', bundle]);
    if (!heads.ok) {
      problems.push(`backup bundle ${relative(repo.root, bundle)} cannot be read: ${heads.err.split('\n')[0]}`);
      return;
    }
    heads.out
      .split('\n')
      .filter(Boolean)
      .forEach((line, j) => {
        const [sha, ref] = line.split(' ');
        const fetched = tryGit(repo, scratch, ['fetch', '-q', bundle, `+${ref}:refs/kept/${i}/${j}`]);
        if (fetched.ok) tips.push(sha!);
        else
          problems.push(
            `backup bundle ${relative(repo.root, bundle)} head ${ref} does not fetch: ${fetched.err.split('\n')[0]}`,
          );
      });
  });
  return { commits: revList(repo, scratch, tips), problems };
}

export interface LaneJson {
  name: string;
  branch: string;
  path: string;
  ports: Record<string, number>;
  database: { provider: string; name: string; url: string } | null;
  missing?: boolean;
}

interface StateRows {
  lanes: { name: string; data: string; op_kind: string | null; op_pid: number | null }[];
  leases: { port: number; lane: string; service: string }[];
}

export function readState(repo: TempRepo): StateRows {
  const file = join(repo.root, '.git', 'lanes', 'state.db');
  if (!existsSync(file)) return { lanes: [], leases: [] };
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 30_000 });
  let lanes: StateRows['lanes'];
  try {
    // Placeholder rows (data 'null') hold a name during a repair; they are no lane.
    lanes = db
      .prepare("SELECT name, data, op_kind, op_pid FROM lanes WHERE data != 'null'")
      .all() as StateRows['lanes'];
  } finally {
    db.close();
  }
  return { lanes, leases: readLeases(repo) };
}

/** This repository's leases in the machine-wide port registry (the test's HOME holds it). */
function readLeases(repo: TempRepo): StateRows['leases'] {
  const file = join(userStateDir(repo.env), 'ports.db');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 30_000 });
  try {
    const key = realpathSync(join(repo.root, '.git'));
    return db.prepare('SELECT port, lane, service FROM leases WHERE repo = ?').all(key) as StateRows['leases'];
  } finally {
    db.close();
  }
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

export interface InvariantOptions {
  /** Lanes the last `lanes doctor` reported as kept work: their worktree may be gone, their branch must stay. */
  keptLanes?: Set<string>;
  /** Branch names (other than issue-*) the check should also treat as lane branches. */
  extraBranchPrefixes?: string[];
}

/** Every violated invariant, as one line each; empty when the repository is consistent. */
export async function checkInvariants(
  repo: TrialRepo,
  before: Snapshot,
  opts: InvariantOptions = {},
): Promise<string[]> {
  const v: string[] = [];
  const keptLanes = opts.keptLanes ?? new Set<string>();

  const ls = await cli(repo, ['ls', '--json']);
  let lanes: LaneJson[] = [];
  if (ls.code !== 0) v.push(`lanes ls --json exited ${ls.code}: ${ls.stderr.trim().split('\n')[0]}`);
  else {
    try {
      lanes = JSON.parse(ls.stdout) as LaneJson[];
    } catch {
      v.push(`lanes ls --json printed no JSON: ${ls.stdout.slice(0, 200)}`);
    }
  }
  let state: StateRows = { lanes: [], leases: [] };
  try {
    state = readState(repo);
  } catch (e) {
    v.push(`state.db unreadable: ${(e as Error).message}`);
  }
  const stateNames = state.lanes.map((l) => l.name).sort();
  const lsNames = lanes.map((l) => l.name).sort();
  if (JSON.stringify(stateNames) !== JSON.stringify(lsNames))
    v.push(`ls lists [${lsNames.join(',')}] but the state holds [${stateNames.join(',')}]`);
  for (const row of state.lanes)
    if (row.op_kind) v.push(`lane ${row.name} still has a ${row.op_kind} operation (pid ${row.op_pid}) after recovery`);

  const worktrees = worktreeHeads(repo);
  const byReal = new Map(worktrees.map((w) => [real(w.path), w]));
  const branches = gitIn(repo, repo.root, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/'])
    .split('\n')
    .filter(Boolean);
  const laneBranches = new Set(lanes.map((l) => l.branch));

  for (const lane of lanes) {
    const w = byReal.get(real(lane.path));
    if (!keptLanes.has(lane.name)) {
      if (!w || w.prunable) v.push(`lane ${lane.name}: git knows no worktree at ${lane.path}`);
      if (!existsSync(lane.path)) v.push(`lane ${lane.name}: its worktree ${lane.path} does not exist`);
    }
    if (!branches.includes(lane.branch)) v.push(`lane ${lane.name}: its branch ${lane.branch} does not exist`);
    for (const [service, port] of Object.entries(lane.ports)) {
      if (!state.leases.some((l) => l.port === port && l.lane === lane.name))
        v.push(`lane ${lane.name}: port ${port} (${service}) is not leased to it`);
    }
    if (repo.sqlite && !keptLanes.has(lane.name)) {
      if (!lane.database) v.push(`lane ${lane.name}: no database although sqlite is configured`);
      else if (!existsSync(lane.database.url.replace(/^file:/, '')))
        v.push(`lane ${lane.name}: its database ${lane.database.url} does not exist`);
    }
  }

  const lanePaths = new Set(lanes.map((l) => real(l.path)));
  if (existsSync(repo.worktrees)) {
    for (const entry of readdirSync(repo.worktrees)) {
      if (!lanePaths.has(real(join(repo.worktrees, entry))))
        v.push(`worktrees folder holds ${entry}, which is no lane`);
    }
  }
  for (const w of worktrees) {
    if (real(w.path) === real(repo.root) || lanePaths.has(real(w.path))) continue;
    v.push(`git worktree ${w.path}${w.prunable ? ' (prunable)' : ''} belongs to no lane`);
  }
  const prefixes = ['issue-', ...(opts.extraBranchPrefixes ?? [])];
  for (const b of branches) {
    if (!prefixes.some((p) => b.startsWith(p)) || laneBranches.has(b)) continue;
    // A branch whose commits are all in main is no one's work: it should have been removed.
    const merged = tryGit(repo, repo.root, ['merge-base', '--is-ancestor', `refs/heads/${b}`, 'refs/heads/main']).ok;
    if (merged) v.push(`branch ${b} exists without a lane and holds nothing main lacks`);
  }
  const laneNames = new Set(lanes.map((l) => l.name));
  for (const lease of state.leases)
    if (!laneNames.has(lease.lane)) v.push(`port ${lease.port} is leased to ${lease.lane}, which is no lane`);
  const owners = new Map<number, string>();
  for (const lane of lanes) {
    for (const port of Object.values(lane.ports)) {
      if (owners.has(port)) v.push(`port ${port} belongs to both ${owners.get(port)} and ${lane.name}`);
      owners.set(port, lane.name);
    }
  }

  const after = revList(repo, repo.root, refTips(repo));
  const lost = [...before.commits].filter((c) => !after.has(c));
  if (lost.length > 0) {
    const backups = commitsInBackups(repo);
    v.push(...backups.problems);
    const reallyLost = lost.filter((c) => !backups.commits.has(c));
    for (const c of reallyLost)
      v.push(`commit ${c.slice(0, 12)} is reachable from no ref, worktree HEAD or backup bundle`);
  }
  // Reachable is not enough if an object went missing under the ref: read every one (cat-file -e, batched).
  const kept = [...before.commits].filter((c) => after.has(c));
  if (kept.length > 0) {
    const checked = gitIn(repo, repo.root, ['cat-file', '--batch-check'], `${kept.join('\n')}\n`);
    for (const line of checked.split('\n'))
      if (/ missing$/.test(line)) v.push(`commit ${line.slice(0, 12)} is referenced but its object is gone`);
  }

  const mainRef = tryGit(repo, repo.root, ['rev-parse', 'refs/heads/main']).out;
  if (mainRef !== before.mainRef)
    v.push(`main moved: ${before.mainRef.slice(0, 12)} → ${mainRef.slice(0, 12) || 'gone'}`);
  const head = tryGit(repo, repo.root, ['symbolic-ref', 'HEAD']).out;
  if (head !== before.mainHead) v.push(`the main worktree's HEAD changed: ${before.mainHead} → ${head}`);
  const status = mainStatus(repo);
  if (status !== before.mainStatus) v.push(`the main worktree's status changed:\n${before.mainStatus}\n→\n${status}`);
  return v;
}

// ---------------------------------------------------------------- recovery

export interface Problem {
  kind: string;
  lane: string | null;
  detail: string;
  fixed: boolean;
}

export interface Recovery {
  violations: string[];
  keptLanes: Set<string>;
  fixed: Problem[];
}

function parseDoctor(res: CliResult, label: string, v: string[]): Problem[] {
  if (![0, 1, 2, 3].includes(res.code))
    v.push(`${label} exited ${res.code}: ${res.stderr.trim().split('\n').slice(-1)[0]}`);
  if (/cannot lock ref/.test(res.stderr)) v.push(`${label}: ${res.stderr.trim().split('\n')[0]}`);
  if (/^\s+at .*\(.*:\d+:\d+\)$/m.test(res.stderr))
    v.push(`${label} printed a stack trace: ${res.stderr.trim().split('\n')[0]}`);
  try {
    return (JSON.parse(res.stdout) as { problems: Problem[] }).problems;
  } catch {
    v.push(
      `${label} printed no JSON (exit ${res.code}): ${res.stdout.slice(0, 200)} ${res.stderr.trim().split('\n')[0] ?? ''}`,
    );
    return [];
  }
}

/** Kept work is the only thing doctor may leave unfixed: a branch or lane it refuses to drop for its commits. */
export const isKeptWork = (p: Problem): boolean => /kept/.test(p.detail);

/**
 * `lanes doctor --fix`, then `lanes doctor`: the second must report nothing but what the first
 * kept on purpose for its commits (a missing lane or a left branch it refused to drop).
 */
export async function recover(repo: TempRepo): Promise<Recovery> {
  const v: string[] = [];
  const fixed = parseDoctor(await cli(repo, ['doctor', '--fix', '--json']), 'doctor --fix', v);
  const check = parseDoctor(await cli(repo, ['doctor', '--json']), 'doctor', v);
  const keptByFix = fixed.filter((p) => !p.fixed && isKeptWork(p));
  const keptLanes = new Set<string>();
  for (const p of check) {
    if (isKeptWork(p) || keptByFix.some((k) => k.kind === p.kind && k.lane === p.lane)) {
      if (p.lane && p.kind === 'missing-worktree') keptLanes.add(p.lane);
    } else v.push(`doctor still reports after --fix: ${p.kind} ${p.lane ?? ''}: ${p.detail}`);
  }
  return { violations: v, keptLanes, fixed };
}

// ---------------------------------------------------------------- helpers for the matrix

/** Every file under `dir`, names as raw bytes (so non-UTF-8 names survive), with contents. */
export function filesAsBytes(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: Buffer, rel: Buffer) => {
    for (const name of readdirSync(d, { encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), name]);
      const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const st = statSync(p);
      if (st.isDirectory()) walk(p, r);
      else out.set(r.toString('latin1'), readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(Buffer.from(dir), Buffer.alloc(0));
  return out;
}
