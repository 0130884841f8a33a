/**
 * Which lanes would conflict with which: `git merge-tree --write-tree --name-only` of every pair of
 * lane heads (git finds their merge base itself), in memory, nothing written but objects. The
 * landing order puts the lanes with the fewest predicted conflicts first.
 */
import { mapLimit } from '../../domain/concurrency.js';
import * as git from '../../infra/git.js';

export interface PairPrediction {
  a: string;
  b: string;
  /** Files both change in ways that do not merge; empty: they merge cleanly. */
  conflicts: string[];
}

export interface LaneHead {
  lane: string;
  head: string;
}

/** Conflicted files of merging two commits, by merge-tree (exit 1: conflicts; names after the tree line). */
export async function predictPair(cwd: string, a: string, b: string, signal?: AbortSignal): Promise<string[]> {
  const res = await git.git(cwd, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', a, b], {
    signal,
    check: false,
  });
  if (res.exitCode === 0) return [];
  if (res.exitCode !== 1)
    throw new Error(`git merge-tree ${a.slice(0, 12)} ${b.slice(0, 12)} failed: ${res.stderr.trim()}`);
  return [...new Set(res.stdout.split('\0').slice(1).filter(Boolean))];
}

export async function predictConflicts(
  cwd: string,
  heads: readonly LaneHead[],
  opts: { signal?: AbortSignal; parallel?: number } = {},
): Promise<PairPrediction[]> {
  const pairs: [LaneHead, LaneHead][] = [];
  for (let i = 0; i < heads.length; i++) for (let j = i + 1; j < heads.length; j++) pairs.push([heads[i]!, heads[j]!]);
  return mapLimit(pairs, opts.parallel ?? 4, async ([a, b]) => ({
    a: a.lane,
    b: b.lane,
    conflicts: a.head === b.head ? [] : await predictPair(cwd, a.head, b.head, opts.signal),
  }));
}

/**
 * The order: the configured names first (in their order), then the others by how many lanes they
 * are predicted to conflict with, fewest first, ties by name. Deterministic for the same input.
 */
export function landingOrder(
  lanes: readonly string[],
  pairs: readonly PairPrediction[],
  configured: readonly string[],
): { lane: string; conflictsWith: string[] }[] {
  const withWhom = new Map<string, string[]>(lanes.map((l) => [l, []]));
  for (const p of pairs) {
    if (p.conflicts.length === 0) continue;
    withWhom.get(p.a)?.push(p.b);
    withWhom.get(p.b)?.push(p.a);
  }
  const first = configured.filter((l, i) => lanes.includes(l) && configured.indexOf(l) === i);
  const rest = lanes
    .filter((l) => !first.includes(l))
    .sort((x, y) => withWhom.get(x)!.length - withWhom.get(y)!.length || (x < y ? -1 : x > y ? 1 : 0));
  return [...first, ...rest].map((lane) => ({ lane, conflictsWith: [...withWhom.get(lane)!].sort() }));
}
