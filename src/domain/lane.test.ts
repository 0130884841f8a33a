import { describe, expect, it } from 'vitest';
import { lanePhase, laneRecordFromStored } from './lane.js';

const stored = { name: 'issue-1', agentState: 'none' };

describe('laneRecordFromStored', () => {
  it('reads a lane written with one phase field as lifecycle and agent phase', () => {
    expect(laneRecordFromStored({ ...stored, phase: 'creating' })).toMatchObject({
      lifecycle: 'creating',
      agentPhase: null,
    });
    expect(laneRecordFromStored({ ...stored, phase: 'ready' })).toMatchObject({ lifecycle: 'ready', agentPhase: null });
    expect(laneRecordFromStored({ ...stored, phase: 'fix', agentState: 'running' })).toMatchObject({
      lifecycle: 'ready',
      agentPhase: 'fix',
      agentState: 'running',
    });
    // An agent that could not start used to leave phase "failed"; its state says failed on its own.
    expect(laneRecordFromStored({ ...stored, phase: 'failed', agentState: 'failed' })).toMatchObject({
      lifecycle: 'ready',
      agentPhase: null,
      agentState: 'failed',
    });
    expect(laneRecordFromStored({ ...stored, phase: 'implement' })).not.toHaveProperty('phase');
  });

  it('keeps a lane written with the separate fields as it is', () => {
    const lane = { ...stored, lifecycle: 'ready', agentPhase: 'plan' };
    expect(laneRecordFromStored(lane)).toEqual(lane);
  });
});

describe('lanePhase', () => {
  it("is the lifecycle while the lane is made, then its agent's phase, else ready", () => {
    expect(lanePhase({ lifecycle: 'creating', agentPhase: null })).toBe('creating');
    expect(lanePhase({ lifecycle: 'ready', agentPhase: null })).toBe('ready');
    expect(lanePhase({ lifecycle: 'ready', agentPhase: 'implement' })).toBe('implement');
  });
});
