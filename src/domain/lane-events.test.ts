import { describe, expect, it } from 'vitest';
import { laneEvents, type LaneSnapshot } from './lane-events.js';
import { boardColumn } from './board.js';

const lane = (over: Partial<LaneSnapshot>): LaneSnapshot => ({
  name: 'issue-1',
  createdAt: '2026-01-01T00:00:00Z',
  agentState: 'running',
  agentPhase: 'implement',
  validation: null,
  round: 0,
  reason: null,
  ...over,
});
const map = (...ls: LaneSnapshot[]) => new Map(ls.map((l) => [l.name, l]));

describe('laneEvents', () => {
  it('reports nothing on the first look', () => {
    expect(laneEvents(undefined, map(lane({ agentState: 'done' })))).toEqual([]);
  });

  it('reports a run that finished, failed or waits, and a verdict that approved', () => {
    const before = map(lane({}), lane({ name: 'b' }), lane({ name: 'c' }), lane({ name: 'd', agentState: 'done' }));
    const after = map(
      lane({ agentState: 'done' }),
      lane({ name: 'b', agentState: 'failed', reason: 'exit 1' }),
      lane({ name: 'c', agentState: 'waiting' }),
      lane({ name: 'd', agentState: 'done', validation: 'approved', round: 2 }),
    );
    expect(laneEvents(before, after).map((e) => [e.kind, e.lane])).toEqual([
      ['finished', 'issue-1'],
      ['failed', 'b'],
      ['needs-input', 'c'],
      ['approved', 'd'],
    ]);
  });

  it('says nothing when nothing a person cares about changed', () => {
    const before = map(lane({ agentState: 'done', validation: 'approved', round: 1 }));
    expect(laneEvents(before, map(lane({ agentState: 'done', validation: 'approved', round: 1 })))).toEqual([]);
  });
});

describe('boardColumn', () => {
  it('puts a working agent before what validation says, and a waiting one under needs you', () => {
    expect(boardColumn({ lifecycle: 'ready', agentState: 'running', validation: { state: 'fixing' } })).toBe('working');
    expect(boardColumn({ lifecycle: 'ready', agentState: 'waiting' })).toBe('needs-you');
    expect(boardColumn({ lifecycle: 'ready', agentState: 'done', validation: { state: 'needs-you' } })).toBe(
      'needs-you',
    );
    expect(boardColumn({ lifecycle: 'ready', agentState: 'done', validation: { state: 'approved' } })).toBe('approved');
    expect(boardColumn({ lifecycle: 'ready', agentState: 'none' })).toBe('queued');
    expect(boardColumn({ lifecycle: 'ready', agentState: 'failed' })).toBe('needs-you');
  });
});
