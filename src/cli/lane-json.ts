/** The public JSON shape of a lane: the field names are part of the command-line contract. */
import { lanePhase, type LaneRecord } from '../domain/lane.js';

export function laneJson(lane: LaneRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: lane.name,
    issue: lane.issue,
    branch: lane.branch,
    base: lane.base,
    baseCommit: lane.baseCommit,
    path: lane.path,
    ports: lane.ports,
    database: lane.database
      ? { provider: lane.database.provider, name: lane.database.name, url: lane.database.url }
      : { provider: 'none', name: null, url: null },
    envFile: lane.envFile,
    phase: lanePhase(lane),
    agentState: lane.agentState,
    createdAt: lane.createdAt,
    ...extra,
  };
}
