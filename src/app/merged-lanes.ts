/**
 * `lanes rm --merged`: the lanes whose work has landed. A lane qualifies when its branch has
 * commits of its own (a fresh lane with none has landed nothing) and all of them are integrated
 * into its base (merged, rebased or squash-merged), and nothing else in it would be lost. Every
 * other lane is kept, with the reason, so the user sees what was left and why.
 */
import type { LaneRecord } from '../domain/lane.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';
import { assessWork, refusalReasons } from './lane/lane-work.js';

export interface MergedPlan {
  remove: LaneRecord[];
  keep: { lane: LaneRecord; reason: string }[];
}

export async function planMergedRemoval(ctx: Context): Promise<MergedPlan> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  const plan: MergedPlan = { remove: [], keep: [] };
  for (const lane of store.listLanes()) {
    const op = store.operationOf(lane.name);
    if (op) {
      plan.keep.push({
        lane,
        reason: `busy: process ${op.pid} is ${op.kind === 'create' ? 'creating' : 'changing'} it`,
      });
      continue;
    }
    const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`, { signal: ctx.signal });
    if (!tip) {
      plan.keep.push({ lane, reason: `its branch ${lane.branch} does not exist` });
      continue;
    }
    if (tip === lane.baseCommit) {
      plan.keep.push({ lane, reason: 'no commits yet' });
      continue;
    }
    const base = (await git.resolveCommit(repo.mainRoot, lane.base, { signal: ctx.signal })) ?? lane.baseCommit;
    if (!(await git.isIntegrated(repo.mainRoot, tip, base, { signal: ctx.signal }))) {
      plan.keep.push({ lane, reason: `not merged into ${lane.base}` });
      continue;
    }
    const reasons = refusalReasons(lane, await assessWork(ctx, lane), false);
    if (reasons.length > 0) plan.keep.push({ lane, reason: `merged, but ${reasons.join('; ')}` });
    else plan.remove.push(lane);
  }
  return plan;
}
