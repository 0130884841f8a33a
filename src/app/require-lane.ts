import { InputError } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import { requireLaneName } from '../domain/naming.js';
import type { Context } from './context.js';

/** The stored lane a user named; accepts `issue-123`, and `123` / `#123` as a shorthand. */
export async function requireLane(ctx: Context, name: string): Promise<LaneRecord> {
  const store = await ctx.store();
  const direct = /^#?\d+$/.test(name) ? store.getLane(`issue-${name.replace('#', '')}`) ?? store.getLane(name.replace('#', '')) : undefined;
  if (direct) return direct;
  const lane = store.getLane(requireLaneName(name));
  if (!lane) {
    const known = store.listLanes().map((l) => l.name);
    throw new InputError(`unknown lane ${JSON.stringify(name)}; ${known.length ? `existing lanes: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : 'there are no lanes (lanes new <issue> creates one)'}`);
  }
  return lane;
}
