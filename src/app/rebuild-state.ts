/**
 * `lanes doctor --rebuild-state`: when the state database is damaged, move it aside (never delete
 * it) and rebuild the lane records from what git and the disk still know.
 *
 * A lane is a worktree in the lanes worktrees folder whose folder name is a lane name and whose
 * branch is that lane's branch (templates.branch). For each one the rebuild recovers:
 * - its ports: the ones its env file's lanes block names, re-leased exactly when free, else new;
 * - its issue: from the local issues folder when the lane name matches one, else from the name;
 * - its base (the configured or default base) and base commit (the merge-base with the branch);
 * - the files lanes copied in: those the main worktree would copy, with the main worktree's hash,
 *   so a lane copy that differs from the main one counts as edited (work) on removal.
 * Not recovered: agent runs and their history, removed-lane history, hook approvals (asked again
 * on next use) and the lane's database branch record (kept, never dropped, by its name).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readEnvBlock, upsertEnvBlock } from '../domain/env-block.js';
import { RefusedError, StateError } from '../domain/errors.js';
import type { Issue, IssueRef } from '../domain/issue.js';
import type { CopiedFile, LaneRecord } from '../domain/lane.js';
import { branchName, isValidLaneName, laneName, worktreePath } from '../domain/naming.js';
import { portVariable } from '../domain/ports.js';
import { writeFileAtomic } from '../infra/fs-atomic.js';
import * as git from '../infra/git.js';
import { isPortInUse } from '../infra/port-probe.js';
import type { PortRegistry } from '../infra/port-registry.js';
import { stateFile, type StateStore } from '../infra/store.js';
import { allocatePorts, portServices, repositoryKey } from './lane/allocate-ports.js';
import type { Context } from './context.js';
import { fileHash } from './lane/copy-files.js';
import { resolveBase } from './create-lane.js';
import { laneVariables } from './lane/lane-env.js';

export interface RebuiltLane {
  name: string;
  branch: string;
  path: string;
  issue: string;
  ports: Record<string, number>;
  /** Services whose port in the env file could not be leased again (taken), so they got a new one. */
  portsChanged: string[];
}

export interface RebuildResult {
  /** Where the old database (and its -wal/-shm) went; empty when there was none. */
  movedAside: string[];
  /** Why the old one was replaced: what opening or checking it said. */
  reason: string;
  lanes: RebuiltLane[];
  /** Worktrees in the lanes folder that are not lanes (another branch, detached, odd name). */
  skipped: { path: string; reason: string }[];
  /** Backups of removed lanes, kept where they are. */
  backups: string[];
  notRecovered: string[];
}

const NOT_RECOVERED = [
  'agent runs and their history',
  'hook approvals (lanes asks again on next use)',
  'the history of removed lanes',
  'links to lanes database branches (kept, never dropped: lanes rm leaves them, lanes doctor lists them)',
];

export async function rebuildState(ctx: Context, opts: { force: boolean }): Promise<RebuildResult> {
  const [repo, config] = await Promise.all([ctx.repo(), ctx.config()]);
  const file = stateFile(repo.commonDir);
  const reason = await judgeOldState(ctx, file, opts.force);
  const movedAside = moveAside(file);

  const [store, registry] = await Promise.all([ctx.store(), ctx.portRegistry()]);
  const repoKey = repositoryKey(repo.commonDir);
  const { base, baseCommit } = await resolveBase(ctx, undefined, config);
  const issues = await localIssuesByLane(ctx);
  const repoNames = { root: repo.mainRoot, name: repo.name, parent: repo.parent };
  const laneFolder = realPath(dirname(worktreePath('x', repoNames, config.templates.worktree)));
  const toCopy = await git.listIgnoredFiles(repo.mainRoot, config.copy.include, config.copy.exclude, {
    signal: ctx.signal,
  });

  const lanes: RebuiltLane[] = [];
  const skipped: RebuildResult['skipped'] = [];
  for (const w of await git.listWorktrees(repo.mainRoot, { signal: ctx.signal })) {
    if (
      w.prunable ||
      !existsSync(w.path) ||
      realPath(dirname(w.path)) !== laneFolder ||
      realPath(w.path) === realPath(repo.mainRoot)
    )
      continue;
    const name = basename(w.path);
    const branch = isValidLaneName(name) ? branchName(name, config.templates.branch) : undefined;
    if (!branch) {
      skipped.push({ path: w.path, reason: `${JSON.stringify(name)} is not a lane name` });
      continue;
    }
    if (w.branch !== branch) {
      skipped.push({
        path: w.path,
        reason: w.branch
          ? `its branch ${w.branch} is not lane ${name}'s branch ${branch}`
          : `detached HEAD; check out ${branch} in it and run again`,
      });
      continue;
    }
    const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${branch}`, { signal: ctx.signal });
    const mergeBase = tip
      ? await git.git(repo.mainRoot, ['merge-base', baseCommit, tip], { check: false, signal: ctx.signal })
      : undefined;
    const envText = readText(join(w.path, config.envFile));
    const block = readEnvBlock(envText ?? '');
    const { ports, changed } = await releasePorts(registry, repoKey, name, block, config.ports, ctx.signal);
    const record: LaneRecord = {
      name,
      issue: issues.get(name) ?? issueFromName(name, config.issues.source),
      branch,
      base,
      baseCommit: mergeBase?.exitCode === 0 ? mergeBase.stdout.trim() : baseCommit,
      path: w.path,
      ports,
      database: null,
      envFile: config.envFile,
      copiedFiles: copiedFilesOf(repo.mainRoot, w.path, toCopy, config.envFile),
      lifecycle: 'ready',
      agentPhase: null,
      agentState: 'none',
      createdAt: new Date().toISOString(),
    };
    try {
      store.restoreLane(record);
    } catch (err) {
      registry.release(repoKey, name);
      throw err;
    }
    // The env file must agree with the leases; everything else in it (DATABASE_URL too) stays.
    if (envText === undefined || changed.length > 0 || Object.keys(block).length === 0) {
      const vars = { ...block, ...laneVariables(record) };
      writeFileAtomic(
        join(w.path, config.envFile),
        upsertEnvBlock(envText ?? '', vars),
        envText === undefined ? 0o600 : statSync(join(w.path, config.envFile)).mode & 0o777,
      );
    }
    lanes.push({ name, branch, path: w.path, issue: record.issue.id, ports, portsChanged: changed });
  }
  return {
    movedAside,
    reason,
    lanes,
    skipped,
    backups: listBackups(join(dirname(file), 'backups')),
    notRecovered: NOT_RECOVERED,
  };
}

/**
 * Why the old database may be replaced. A corrupt one may (an unreadable one with --force); one
 * that is locked, read-only or on a full disk is not fixed by rebuilding, so that error stands; a
 * sound one that still holds lanes is replaced only with --force (its runs and approvals would be
 * forgotten).
 */
async function judgeOldState(ctx: Context, file: string, force: boolean): Promise<string> {
  if (!existsSync(file)) return 'there was no state database';
  let store: StateStore;
  try {
    store = await ctx.store();
  } catch (err) {
    ctx.close();
    if (isDamage(err, force)) return damageOf(err);
    throw err;
  }
  try {
    const problems = store.integrityProblems();
    if (problems.length > 0) return `the integrity check found ${problems.length} problem(s): ${problems[0]}`;
    const count = store.listLanes().length;
    if (count > 0 && !force) {
      throw new RefusedError(
        `state database ${file} is sound and holds ${count} lane(s); rebuilding would forget their agent runs and the hook approvals (--force rebuilds anyway)`,
        {
          hint: 'lanes doctor finds and repairs disagreements between the state and git',
        },
      );
    }
    return count > 0 ? 'rebuilt on request (--force)' : 'the state database held no lanes';
  } catch (err) {
    if (isDamage(err, force)) return damageOf(err);
    throw err;
  } finally {
    ctx.close();
  }
}

/**
 * Damage rebuilding repairs. An I/O error may be the disk's passing trouble with a sound file, so it
 * is rebuilt over only with --force; a lock, a read-only or full disk stay until their cause is gone.
 */
function isDamage(err: unknown, force: boolean): err is StateError {
  return err instanceof StateError && (err.problem === 'corrupt' || (err.problem === 'io' && force));
}

function damageOf(err: StateError): string {
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return `it was damaged: ${cause?.code ? `${cause.code}: ` : ''}${cause?.message ?? err.message}`;
}

/** Renames the database and its WAL files to `state.db.broken-<time>` (SQLite finds `<name>-wal` beside it). */
function moveAside(file: string): string[] {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const moved: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    const from = `${file}${suffix}`;
    if (!existsSync(from)) continue;
    const to = `${file}.broken-${stamp}${suffix}`;
    try {
      renameSync(from, to);
    } catch (err) {
      throw new StateError(
        `cannot move ${from} aside to ${to} (${(err as Error).message}); make ${dirname(file)} writable, then retry`,
        { problem: 'read-only', file, cause: err },
      );
    }
    moved.push(to);
  }
  return moved;
}

/** The ports the env file names, leased again where free; the rest allocated afresh. */
async function releasePorts(
  registry: PortRegistry,
  repoKey: string,
  lane: string,
  block: Record<string, string>,
  config: Parameters<typeof portServices>[0],
  signal: AbortSignal,
): Promise<{ ports: Record<string, number>; changed: string[] }> {
  const ports: Record<string, number> = {};
  // The registry outlives the state: the lane's leases from before the damage are its own still.
  const held = registry.leasesOf(repoKey, lane);
  const missing: Record<string, { base: number; range: number }> = {};
  const changed: string[] = [];
  for (const [index, [service, range]] of portServices(config).entries()) {
    // The first service's port is also PORT; older blocks may name only that.
    const raw = block[portVariable(service)] ?? (index === 0 ? block.PORT : undefined);
    const port = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    // No probe here: the lane's own server may be listening on its port right now.
    if (
      port !== undefined &&
      port > 0 &&
      port < 65536 &&
      (held[service] === port || registry.tryLease(port, repoKey, lane, service))
    )
      ports[service] = port;
    else {
      missing[service] = range;
      if (port !== undefined) changed.push(service);
    }
  }
  if (Object.keys(missing).length > 0)
    Object.assign(
      ports,
      await allocatePorts(registry, repoKey, lane, { ...config, services: missing }, isPortInUse, signal),
    );
  // Keep the configured order of services (the first is PORT).
  const ordered = Object.fromEntries(portServices(config).map(([s]) => [s, ports[s]!]));
  return { ports: ordered, changed };
}

/** Local issues by the lane name they give; other sources are not asked (no network in a repair). */
async function localIssuesByLane(ctx: Context): Promise<Map<string, IssueRef>> {
  const config = await ctx.config();
  const byLane = new Map<string, IssueRef>();
  if (config.issues.source !== 'local') return byLane;
  let issues: Issue[];
  try {
    issues = await (await ctx.issueSource()).listIssues({ state: 'all' }, ctx.signal);
  } catch (err) {
    ctx.io.err(`lanes: could not read the local issues (${(err as Error).message}); issues are taken from lane names`);
    return byLane;
  }
  for (const issue of issues)
    byLane.set(laneName(issue, config.templates), {
      id: issue.id,
      title: issue.title,
      source: issue.source,
      url: issue.url,
    });
  return byLane;
}

/** `issue-123` (the default lane template) names issue 123; any other name stands for itself. */
function issueFromName(name: string, source: string): IssueRef {
  const m = /^issue-(\d+)(?:-|$)/.exec(name);
  return { id: m ? m[1]! : name, title: '', source, url: '' };
}

/**
 * What lanes would have copied in, each with the main worktree's hash: an unchanged copy matches,
 * a copy changed in the lane (or a file that differs) counts as the lane's own edit, so removal
 * treats it as work rather than losing it.
 */
function copiedFilesOf(mainRoot: string, lanePath: string, toCopy: readonly string[], envFile: string): CopiedFile[] {
  const copied: CopiedFile[] = [];
  for (const rel of toCopy) {
    const inLane = join(lanePath, rel);
    if (!lstatExists(inLane)) continue;
    const main = join(mainRoot, rel);
    // A copied relative symlink is rewritten to reach the same file, so its text differs; the target counts.
    const sameLink =
      lstatSync(main).isSymbolicLink() && lstatSync(inLane).isSymbolicLink() && realPath(main) === realPath(inLane);
    copied.push({ path: rel, sha256: sameLink ? fileHash(inLane) : fileHash(main) });
  }
  if (!copied.some((f) => f.path === envFile) && lstatExists(join(lanePath, envFile))) {
    // lanes made this file: it held only lanes' block, whose hash is that of nothing.
    copied.push({ path: envFile, sha256: createHash('sha256').update('').digest('hex') });
  }
  return copied;
}

function listBackups(dir: string): string[] {
  try {
    return readdirSync(dir)
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
