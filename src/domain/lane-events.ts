/**
 * Notifications: what changed for a person between two looks at the state. `lanes watch`, the
 * dashboard's live feed, `lanes run`'s bell and the notify.command hook all take their events from
 * here, so they agree on what "finished" or "needs you" means.
 */
import type { AgentState, ValidationState } from './lane.js';

export const LANE_EVENT_KINDS = ['finished', 'failed', 'needs-input', 'approved'] as const;
export type LaneEventKind = (typeof LANE_EVENT_KINDS)[number];

/** What the differ reads of a lane: its record's states, nothing that needs git. */
export interface LaneSnapshot {
  name: string;
  /** Distinguishes a lane removed and made again under the same name. */
  createdAt: string;
  agentState: AgentState;
  agentPhase: string | null;
  validation: ValidationState | null;
  round: number;
  reason: string | null;
}

export interface LaneEvent {
  kind: LaneEventKind;
  lane: string;
  /** One line for people. */
  message: string;
}

/**
 * The events between two snapshots. The first look (no previous snapshot) reports nothing: a
 * watcher started late must not announce old news. A lane seen for the first time is compared
 * with a lane that had done nothing yet.
 */
export function laneEvents(
  previous: ReadonlyMap<string, LaneSnapshot> | undefined,
  next: ReadonlyMap<string, LaneSnapshot>,
): LaneEvent[] {
  if (!previous) return [];
  const events: LaneEvent[] = [];
  for (const now of next.values()) {
    const seen = previous.get(now.name);
    const before = seen && seen.createdAt === now.createdAt ? seen : undefined;
    const agentBefore = before?.agentState ?? 'none';
    if (now.agentState !== agentBefore) {
      const phase = now.agentPhase ?? 'agent';
      if (now.agentState === 'done')
        events.push({ kind: 'finished', lane: now.name, message: `${now.name}: the ${phase} run finished` });
      else if (now.agentState === 'failed')
        events.push({
          kind: 'failed',
          lane: now.name,
          message: `${now.name}: the ${phase} run failed${now.reason ? `: ${now.reason}` : ''}`,
        });
      else if (now.agentState === 'waiting')
        events.push({ kind: 'needs-input', lane: now.name, message: `${now.name}: the agent waits for your input` });
    }
    const validationBefore = before?.validation ?? null;
    if (now.validation !== validationBefore || (before && now.round !== before.round)) {
      if (now.validation === 'approved')
        events.push({ kind: 'approved', lane: now.name, message: `${now.name}: approved in round ${now.round}` });
      else if (now.validation === 'needs-you')
        events.push({
          kind: 'needs-input',
          lane: now.name,
          message: `${now.name}: needs you${now.reason ? `: ${now.reason}` : ''}`,
        });
      else if (now.validation === 'review-failed')
        events.push({
          kind: 'failed',
          lane: now.name,
          message: `${now.name}: the review failed${now.reason ? `: ${now.reason}` : ''}`,
        });
    }
  }
  return events;
}
