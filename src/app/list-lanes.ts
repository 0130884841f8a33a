/**
 * `lanes ls`: every lane with its live git facts. The git calls of all lanes run in parallel,
 * bounded, so 50 lanes take little more than the slowest few.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mapLimit } from '../domain/concurrency.js';
import { errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';

export interface LaneView extends LaneRecord {
  ahead: number | null;
  behind: number | null;
  /** Number of `git status --porcelain` entries (an untracked folder counts once); null when the worktree is missing. */
  dirty: number | null;
  missing: boolean;
  error?: string;
}

export async function listLanes(ctx: Context): Promise<LaneView[]> {
  const [store, repo] = await Promise.all([ctx.store(), ctx.repo()]);
  const lanes = store.listLanes();
  // Every branch and base tip in one call: a lane whose branch is at its base's tip needs no rev-list.
  const tips = lanes.length === 0 ? new Map<string, string>() : await git.resolveRefNames(repo.mainRoot, lanes.flatMap((l) => [l.base, l.branch]), { signal: ctx.signal });
  // git status is CPU-bound: more processes than CPUs only make them take turns.
  const limit = Math.max(2, availableParallelism());
  return mapLimit(lanes, limit, (lane) => inspectLane(ctx, lane, tips));
}

export async function inspectLane(ctx: Context, lane: LaneRecord, tips?: ReadonlyMap<string, string>): Promise<LaneView> {
  const view: LaneView = { ...lane, ahead: null, behind: null, dirty: null, missing: !existsSync(lane.path) };
  if (view.missing || lane.phase === 'creating') return view;
  const branchTip = tips?.get(lane.branch);
  const atBase = branchTip !== undefined && branchTip === tips?.get(lane.base);
  try {
    const [st, ab] = await Promise.all([
      git.status(lane.path, { signal: ctx.signal, untracked: 'normal' }),
      atBase
        ? { ahead: 0, behind: 0 }
        : git.aheadBehind(lane.path, lane.base, lane.branch, { signal: ctx.signal }).catch(() => git.aheadBehind(lane.path, lane.baseCommit, lane.branch, { signal: ctx.signal })),
    ]);
    view.dirty = st.changed.length;
    view.ahead = ab.ahead;
    view.behind = ab.behind;
  } catch (err) {
    view.error = errorMessage(err);
  }
  return view;
}
