/**
 * Makes a new lane's dependencies ready. For each package manager found by its lockfile: when the
 * lane's lockfile is byte-identical to the main worktree's and the main worktree has the folders
 * installed, the folders are cloned from it (copy-on-write where possible, never hard links);
 * otherwise the package manager's own frozen install runs in the lane. A failure is a warning
 * naming the command and its output: the lane stays usable, the user can install by hand.
 *
 * An install runs code from the repository and its packages (`npm ci` runs lifecycle scripts),
 * so, like a hook, it runs only once its exact command text is approved: `lanes new` asks in its
 * plan phase for the installs it predicts (`plannedInstalls`), and an install not approved by the
 * time it would run (a clone that failed and fell back) is skipped with a warning. Cloning needs
 * no approval: it runs nothing.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage } from '../../domain/errors.js';
import { detectPackageManagers, isVirtualEnv, type PackageManager } from '../../domain/package-managers.js';
import type { Config } from '../../infra/config-schema.js';
import { copyTree } from '../../infra/copy-tree.js';
import { describeCommand, exec } from '../../infra/exec.js';
import { git } from '../../infra/git.js';
import type { Context } from '../context.js';

/** The text a person approves for a manager's install: its commands, in order. */
export function installCommandText(install: readonly (readonly string[])[]): string {
  return install.map(([file, ...args]) => describeCommand(file!, args)).join(' && ');
}

/** Whether an install may run: approved before, or approved now by --yes. */
async function installApproved(ctx: Context, command: string): Promise<boolean> {
  const store = await ctx.store();
  if (store.isApproved(command)) return true;
  if (!ctx.yes) return false;
  store.approve(command);
  return true;
}

export interface WarmPlan {
  managers: PackageManager[];
  /** Folders this warm-up may create in the lane (journaled, so a rollback removes them). */
  dirs: string[];
}

export interface WarmResult {
  manager: string;
  method: 'clone' | 'install' | 'skipped' | 'failed';
  dirs: string[];
  ms: number;
  warning?: string;
}

function hashFile(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

export function planWarmup(
  lanePath: string,
  config: Config['dependencies'],
  alreadyCloned: readonly string[] = [],
): WarmPlan {
  if (!config.enabled) return { managers: [], dirs: [] };
  // A manager whose folders were all cloned early (stageDependencies) is done.
  const managers = detectPackageManagers(readdirSync(lanePath)).filter(
    (m) => !(config.dirs ?? m.dirs).every((d) => alreadyCloned.includes(d)),
  );
  const dirs = config.dirs ?? managers.flatMap((m) => m.dirs);
  // A folder the checkout already holds (tracked, e.g. a vendored node_modules) is not ours to remove.
  return { managers, dirs: [...new Set(dirs)].filter((d) => !existsSync(join(lanePath, d))) };
}

export async function warmDependencies(
  ctx: Context,
  lane: string,
  mainRoot: string,
  lanePath: string,
  plan: WarmPlan,
  config: Config['dependencies'],
): Promise<WarmResult[]> {
  const results: WarmResult[] = [];
  const say = (text: string) => ctx.io.err(`lanes: ${lane}: ${text}`);
  const groups: { manager: string; lockMatches: boolean; dirs: string[]; install: string[][] }[] = plan.managers.map(
    (m) => ({
      manager: m.id,
      lockMatches:
        hashFile(join(lanePath, m.lockfile)) !== undefined &&
        hashFile(join(lanePath, m.lockfile)) === hashFile(join(mainRoot, m.lockfile)),
      dirs: (config.dirs ?? m.dirs).filter((d) => plan.dirs.includes(d)),
      install: m.install,
    }),
  );
  if (plan.managers.length === 0 && config.dirs)
    groups.push({ manager: 'dirs', lockMatches: true, dirs: plan.dirs, install: [] });

  for (const g of groups) {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const installed = g.dirs.length > 0 && g.dirs.every((d) => isDir(join(mainRoot, d)));
    if (g.lockMatches && installed) {
      try {
        for (const d of g.dirs) {
          say(`cloning ${d} from the main worktree…`);
          await copyTree(join(mainRoot, d), join(lanePath, d), {
            signal: ctx.signal,
            onFallback: (why) => say(`${why}; copying with the built-in walker`),
          });
          if (isVirtualEnv(d)) relocateVirtualEnv(join(lanePath, d), mainRoot, lanePath);
        }
        say(`${g.dirs.join(', ')} ready (cloned, ${(ms() / 1000).toFixed(1)} s)`);
        results.push({ manager: g.manager, method: 'clone', dirs: g.dirs, ms: ms() });
        continue;
      } catch (err) {
        ctx.signal.throwIfAborted();
        say(`cloning failed (${errorMessage(err)}); installing instead`);
      }
    }
    if (!config.install || g.install.length === 0) {
      results.push({ manager: g.manager, method: 'skipped', dirs: [], ms: ms() });
      continue;
    }
    const why = !g.lockMatches
      ? "the lockfile differs from the main worktree's"
      : 'the main worktree has no installed dependencies to clone';
    const approval = installCommandText(g.install);
    if (!(await installApproved(ctx, approval))) {
      const warning = `${approval} is not approved, so it did not run (${why}); install the lane's dependencies by hand, or approve it in an interactive lanes new`;
      ctx.io.err(`lanes: warning: ${lane}: ${warning}`);
      results.push({ manager: g.manager, method: 'skipped', dirs: [], ms: ms(), warning });
      continue;
    }
    let failed: string | undefined;
    for (const [file, ...args] of g.install) {
      const command = describeCommand(file!, args);
      say(`running ${command} (${why})…`);
      try {
        const res = await exec(file!, args, {
          cwd: lanePath,
          env: ctx.env,
          signal: ctx.signal,
          timeoutMs: 30 * 60_000,
          check: false,
        });
        if (res.exitCode !== 0) {
          const tail = `${res.stderr}\n${res.stdout}`.trim().split('\n').filter(Boolean).slice(-8).join(' | ');
          failed = `${command} failed (exit ${res.exitCode}) in ${lanePath}${tail ? `: ${tail}` : ''}`;
        }
      } catch (err) {
        ctx.signal.throwIfAborted();
        failed = `${command} could not run in ${lanePath}: ${errorMessage(err)}`;
      }
      if (failed) break;
    }
    if (failed) {
      const warning = `${failed}; the lane is usable, install its dependencies by hand`;
      ctx.io.err(`lanes: warning: ${lane}: ${warning}`);
      results.push({ manager: g.manager, method: 'failed', dirs: [], ms: ms(), warning });
    } else {
      say(`dependencies installed (${(ms() / 1000).toFixed(1)} s)`);
      results.push({ manager: g.manager, method: 'install', dirs: g.dirs, ms: ms() });
    }
  }
  return results;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A virtual environment names its own absolute path in its scripts (shebangs, activate) and its
 * editable installs name the project's source (`.pth` files): left alone, a lane's tools would
 * run the main worktree's interpreter and import the main worktree's code. Those small text files
 * are rewritten to the lane's paths (each rewrite is a new file, so the clone stays shared elsewhere).
 */
export function relocateVirtualEnv(venv: string, mainRoot: string, laneRoot: string): number {
  const from = Buffer.from(`${mainRoot}/`);
  const to = `${laneRoot}/`;
  const candidates: string[] = [join(venv, 'pyvenv.cfg')];
  const bin = join(venv, 'bin');
  if (existsSync(bin)) for (const f of readdirSync(bin)) candidates.push(join(bin, f));
  const lib = join(venv, 'lib');
  if (existsSync(lib)) {
    for (const py of readdirSync(lib)) {
      const site = join(lib, py, 'site-packages');
      if (existsSync(site)) for (const f of readdirSync(site)) if (f.endsWith('.pth')) candidates.push(join(site, f));
    }
  }
  let rewritten = 0;
  for (const file of candidates) {
    let st;
    try {
      st = lstatSync(file);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size > 1_000_000) continue;
    const content = readFileSync(file);
    if (content.indexOf(from) < 0 || content.includes(0)) continue;
    const tmp = `${file}.lanes-tmp`;
    writeFileSync(tmp, content.toString('utf8').split(from.toString()).join(to), { mode: st.mode & 0o7777 });
    renameSync(tmp, file);
    rewritten++;
  }
  return rewritten;
}

/**
 * The id git gives a file's content, to compare the base commit's lockfile with the main worktree's without a checkout.
 */
function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/**
 * Starts the dependency clone before the lane's worktree exists, so it runs side by side with
 * `git worktree add` instead of after it. Whether the lockfile matches is read from the base
 * commit's tree; the folders are cloned into `staging` (beside the worktree, same filesystem) and
 * moved into the worktree by `moveStagedDependencies` once it is checked out. Returns the folders
 * staged; anything it cannot decide or do here is left to `prepareDependencies`, which runs after.
 */
export async function stageDependencies(
  ctx: Context,
  lane: string,
  mainRoot: string,
  baseCommit: string,
  staging: string,
  config: Config['dependencies'],
): Promise<string[]> {
  if (!config.enabled) return [];
  const tree = await readRootTree(ctx, mainRoot, baseCommit);
  const staged: string[] = [];
  for (const manager of detectPackageManagers(tree.keys())) {
    const lock = tree.get(manager.lockfile);
    let mainLock: Buffer;
    try {
      mainLock = readFileSync(join(mainRoot, manager.lockfile));
    } catch {
      continue;
    }
    if (lock?.type !== 'blob' || lock.oid !== gitBlobId(mainLock)) continue;
    const dirs = (config.dirs ?? manager.dirs).filter((d) => !tree.has(d) && !staged.includes(d));
    if (dirs.length === 0 || !dirs.every((d) => isDir(join(mainRoot, d)))) continue;
    mkdirSync(staging, { recursive: true });
    for (const d of dirs) {
      ctx.io.err(`lanes: ${lane}: cloning ${d} from the main worktree…`);
      await copyTree(join(mainRoot, d), join(staging, d), {
        signal: ctx.signal,
        onFallback: (why) => ctx.io.err(`lanes: ${lane}: ${why}; copying with the built-in walker`),
      });
      staged.push(d);
    }
  }
  return staged;
}

/** The entries at the root of a commit's tree: the files a new lane's worktree starts with. */
async function readRootTree(
  ctx: Context,
  mainRoot: string,
  commit: string,
): Promise<Map<string, { type: string; oid: string }>> {
  const listing = await git(mainRoot, ['ls-tree', '-z', commit], { signal: ctx.signal });
  const tree = new Map<string, { type: string; oid: string }>();
  for (const entry of listing.stdout.split('\0').filter(Boolean)) {
    const tab = entry.indexOf('\t');
    const [, type, oid] = entry.slice(0, tab).split(' ') as [string, string, string];
    tree.set(entry.slice(tab + 1), { type, oid });
  }
  return tree;
}

export interface PlannedInstall {
  manager: string;
  lockfile: string;
  /** The text approved: the manager's install commands joined with ` && `. */
  command: string;
}

/**
 * The installs a lane made at `baseCommit` will run, decided as warmDependencies decides: a
 * manager whose lockfile equals the main worktree's, with all its folders installed there, is
 * cloned; every other detected manager installs. Nothing when dependencies or installs are off.
 */
export async function plannedInstalls(
  ctx: Context,
  mainRoot: string,
  baseCommit: string,
  config: Config['dependencies'],
): Promise<PlannedInstall[]> {
  if (!config.enabled || !config.install) return [];
  const tree = await readRootTree(ctx, mainRoot, baseCommit);
  const planned: PlannedInstall[] = [];
  for (const manager of detectPackageManagers(tree.keys())) {
    if (manager.install.length === 0) continue;
    const lock = tree.get(manager.lockfile);
    const mainLock = readOrUndefined(join(mainRoot, manager.lockfile));
    const lockMatches = lock?.type === 'blob' && mainLock !== undefined && lock.oid === gitBlobId(mainLock);
    const dirs = (config.dirs ?? manager.dirs).filter((d) => !tree.has(d));
    const installed = dirs.length > 0 && dirs.every((d) => isDir(join(mainRoot, d)));
    if (lockMatches && installed) continue;
    planned.push({ manager: manager.id, lockfile: manager.lockfile, command: installCommandText(manager.install) });
  }
  return planned;
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Moves staged dependency folders into the checked-out worktree (a rename: same filesystem) and removes the staging
 * folder.
 */
export function moveStagedDependencies(
  staging: string,
  lanePath: string,
  dirs: readonly string[],
  mainRoot: string,
): void {
  for (const d of dirs) {
    mkdirSync(dirname(join(lanePath, d)), { recursive: true });
    renameSync(join(staging, d), join(lanePath, d));
    if (isVirtualEnv(d)) relocateVirtualEnv(join(lanePath, d), mainRoot, lanePath);
  }
  rmSync(staging, { recursive: true, force: true });
}
