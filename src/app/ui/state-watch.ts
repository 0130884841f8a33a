/**
 * Watching the state another `lanes` process writes: a cheap signature of the state file (size and
 * modification time of the database and its write-ahead log, which every commit touches) polled a
 * few times a second, and lane snapshots diffed into events (domain/lane-events.ts) when it moves.
 * Shared by `lanes watch`, `lanes ls --watch`, `lanes run`'s notifications and the dashboard's feed.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { laneEvents, type LaneEvent, type LaneSnapshot } from '../../domain/lane-events.js';
import type { StateStore } from '../../infra/store.js';

/** How often the state file is looked at: a change shows within about this long. */
export const WATCH_INTERVAL_MS = 300;

/** Changes whenever a transaction commits to the state file (from any process). */
export function stateSignature(store: StateStore): string {
  const base = join(store.dir, 'state.db');
  return [base, `${base}-wal`]
    .map((file) => {
      try {
        const s = statSync(file);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

export function laneSnapshots(store: StateStore): Map<string, LaneSnapshot> {
  return new Map(
    store.listLanes().map((l) => [
      l.name,
      {
        name: l.name,
        createdAt: l.createdAt,
        agentState: l.agentState,
        agentPhase: l.agentPhase,
        validation: l.validation?.state ?? null,
        round: l.validation?.round ?? 0,
        reason: l.validation?.reason ?? null,
      },
    ]),
  );
}

export interface StateWatcher {
  /** Looks now: calls onChange when the state moved since the last look. */
  poll(): void;
  stop(): void;
}

/**
 * Calls `onChange` with the events since the previous look each time the state file moves (and
 * once at the start, with no events). Stops with the signal or `stop()`.
 */
export function watchState(
  store: StateStore,
  onChange: (events: LaneEvent[], snapshots: Map<string, LaneSnapshot>) => void,
  opts: { signal?: AbortSignal; intervalMs?: number } = {},
): StateWatcher {
  let signature: string | undefined;
  let snapshots: Map<string, LaneSnapshot> | undefined;
  const poll = () => {
    const now = stateSignature(store);
    if (now === signature) return;
    signature = now;
    const next = laneSnapshots(store);
    const events = laneEvents(snapshots, next);
    snapshots = next;
    onChange(events, next);
  };
  poll();
  const timer = setInterval(poll, opts.intervalMs ?? WATCH_INTERVAL_MS);
  const stop = () => clearInterval(timer);
  opts.signal?.addEventListener('abort', stop, { once: true });
  return { poll, stop };
}
