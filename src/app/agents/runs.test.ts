import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../infra/store.js';
import { composeAdapters } from '../../cli/compose.js';
import { waitForRun } from './runs.js';

// The real runners, as the entry point composes them: a run without a supervisor pid counts as starting.
const runners = composeAdapters().runners;

let dir: string;
let store: StateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanes-runs-'));
  store = StateStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A run that has just been recorded: "starting", with no supervisor pid yet, so it counts as alive. */
function startRun(lane: string): number {
  return store.insertRun({
    lane,
    phase: 'implement',
    agent: 'claude',
    adapter: 'claude',
    model: null,
    runner: 'headless',
    runDir: join(dir, lane),
    startedAt: new Date().toISOString(),
  });
}

/** Lets the waits poll many times (each poll is 1 ms). */
async function manyPolls(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('waiting for agent runs', () => {
  it('keeps at most one abort listener while polling, and none after the run ends', async () => {
    const controller = new AbortController();
    const id = startRun('issue-1');
    const waiting = waitForRun(store, runners, id, controller.signal, 1);
    await manyPolls();
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    store.updateRun(id, { status: 'done', endedAt: new Date().toISOString() });
    expect((await waiting).status).toBe('done');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('waits on twenty runs at once under one signal without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const ids = Array.from({ length: 20 }, (_, i) => startRun(`issue-${i}`));
      const waits = ids.map((id) => waitForRun(store, runners, id, controller.signal, 1));
      await manyPolls();
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      for (const id of ids)
        store.updateRun(id, { status: 'failed', endedAt: new Date().toISOString(), reason: 'test' });
      expect((await Promise.all(waits)).map((r) => r.status)).toEqual(ids.map(() => 'failed'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('returns the run still active when the signal aborts', async () => {
    const controller = new AbortController();
    const id = startRun('issue-1');
    const waiting = waitForRun(store, runners, id, controller.signal, 60_000);
    controller.abort();
    expect((await waiting).status).toBe('starting');
  });
});
