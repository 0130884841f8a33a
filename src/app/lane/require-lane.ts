import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { requireLaneName } from '../../domain/naming.js';
import type { Context } from '../context.js';

/**
 * The stored lane a user named; accepts `issue-123`, and `123` / `#123` as a shorthand. Without a
 * name, the lane whose worktree holds the working directory (`lanes port` inside a lane).
 */
export async function requireLane(
  ctx: Context,
  name: string | undefined,
  command = 'this command',
): Promise<LaneRecord> {
  if (name === undefined) return requireCurrentLane(ctx, command);
  const store = await ctx.store();
  const direct = /^#?\d+$/.test(name)
    ? (store.getLane(`issue-${name.replace('#', '')}`) ?? store.getLane(name.replace('#', '')))
    : undefined;
  if (direct) return direct;
  const lane = store.getLane(requireLaneName(name));
  if (!lane) {
    const known = store.listLanes().map((l) => l.name);
    throw new InputError(
      `unknown lane ${JSON.stringify(name)}; ${known.length ? `existing lanes: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : 'there are no lanes (lanes new <issue> creates one)'}`,
    );
  }
  return lane;
}

/** The lane whose worktree contains the working directory; bad input when there is none. */
export async function requireCurrentLane(ctx: Context, command = 'this command'): Promise<LaneRecord> {
  const store = await ctx.store();
  const lanes = store.listLanes();
  const lane = laneContaining(lanes, ctx.cwd);
  if (lane) return lane;
  const known = lanes.map((l) => l.name);
  throw new InputError(
    `no lane given, and ${ctx.cwd} is not inside a lane's worktree; name one: ${command} <lane>${known.length ? ` (existing lanes: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''})` : ''}`,
  );
}

/** Real paths are compared, so a symlinked temp folder or a `cd` through a link still matches. */
export function laneContaining(lanes: readonly LaneRecord[], dir: string): LaneRecord | undefined {
  const here = realPath(dir);
  // The longest match wins should one lane's worktree ever sit inside another's.
  let best: { lane: LaneRecord; length: number } | undefined;
  for (const lane of lanes) {
    const root = realPath(lane.path);
    if (
      (here === root || here.startsWith(root.endsWith(sep) ? root : root + sep)) &&
      root.length > (best?.length ?? -1)
    )
      best = { lane, length: root.length };
  }
  return best?.lane;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
