// A runner lanes does not ship, added through the composition root: `lanes start` and `lanes stop`
// (their use cases, on a Context built with that runner) go through it and nothing else, and the
// lane's record keeps its lifecycle apart from its agent's phase and state.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Context } from '../../src/app/context.js';
import { createLanes } from '../../src/app/create-lane.js';
import { listLanes } from '../../src/app/list-lanes.js';
import { startAgent } from '../../src/app/agents/start-agent.js';
import { stopAgent } from '../../src/app/agents/stop-agent.js';
import { composeAdapters } from '../../src/cli/compose.js';
import { lanePhase, type LaneRecord } from '../../src/domain/lane.js';
import { isProcessAlive } from '../../src/infra/process-alive.js';
import { recordingRunner } from '../fakes/runner.js';
import { until } from '../helpers/agents.js';
import { makeLaneRepo, type LaneRepo } from '../helpers/lane-repo.js';

const SLEEPER = {
  adapter: 'command',
  command: ['sh', '-c', 'echo "agent started in $LANES_LANE"; sleep 120', 'sh', '{promptFile}'],
};

let repo: LaneRepo | undefined;
let ctx: Context | undefined;
afterEach(() => {
  ctx?.close();
  repo?.cleanup();
  repo = ctx = undefined;
});

describe('a runner added at the composition root', () => {
  it('starts and stops an agent through the added runner, which the run records by name', async () => {
    if (!existsSync(join(process.cwd(), 'dist', 'supervisor.js')))
      throw new Error('dist/supervisor.js is missing: run npm run build first');
    repo = await makeLaneRepo({ agent: 'sleeper', agents: { sleeper: SLEEPER } });
    const runner = recordingRunner('remote');
    ctx = repo.context({}, composeAdapters({ extraRunners: [runner] }));
    const made = await createLanes(ctx, ['1']);
    expect(made.failed).toEqual([]);
    const lane = made.created[0]!;
    expect(lane).toMatchObject({ lifecycle: 'ready', agentPhase: null, agentState: 'none' });
    expect(lanePhase(lane)).toBe('ready');

    const run = await startAgent(ctx, lane, { phase: 'implement', runner: 'remote' });
    expect(run.runner).toBe('remote');
    expect(runner.calls[0]).toMatchObject({ call: 'start', lane: 'issue-1', runDir: run.runDir });
    expect(runner.calls[0]).toMatchObject({
      supervisorArgs: [join(process.cwd(), 'dist', 'supervisor.js'), run.runDir],
    });
    const store = await ctx.store();
    const running = await until('the agent to run', () => {
      const now = store.getRun(run.id);
      return now?.status === 'running' &&
        now.agentPid !== null &&
        readOutput(run.runDir).includes('agent started in issue-1')
        ? now
        : undefined;
    });

    // Listing asks the run's own runner whether its supervisor lives.
    const [listed] = await listLanes(ctx);
    expect(listed).toMatchObject({
      name: 'issue-1',
      lifecycle: 'ready',
      agentPhase: 'implement',
      agentState: 'running',
    });
    expect(lanePhase(listed!)).toBe('implement');
    expect(runner.calls).toContainEqual({ call: 'alive', runId: run.id, answer: true });

    const stopped = await stopAgent(ctx, store.getLane('issue-1') as LaneRecord);
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'stopped; lanes start resumes the lane' });
    expect(runner.calls.filter((c) => c.call === 'stop')).toEqual([{ call: 'stop', runId: run.id }]);
    // The supervisor answered: nothing had to be killed, and neither it nor the agent lives on.
    expect(runner.calls.some((c) => c.call === 'kill')).toBe(false);
    // The supervisor records "stopped", then exits: on a loaded machine a moment may pass between the two.
    await until(
      'the supervisor and the agent to exit',
      () => (isProcessAlive(running.supervisorPid!) || isProcessAlive(running.agentPid!) ? undefined : true),
      10_000,
    );
    expect(store.getLane('issue-1')).toMatchObject({
      lifecycle: 'ready',
      agentPhase: 'implement',
      agentState: 'stopped',
    });
    // The supervisor's own output went to the runner's log, not the headless runner's.
    expect(existsSync(join(run.runDir, 'remote.log'))).toBe(true);
    expect(existsSync(join(run.runDir, 'supervisor.log'))).toBe(false);
  });

  it('refuses a runner nobody registered, naming the ones there are, before recording a run', async () => {
    repo = await makeLaneRepo({ agent: 'sleeper', agents: { sleeper: SLEEPER } });
    ctx = repo.context();
    const lane = (await createLanes(ctx, ['1'])).created[0]!;
    await expect(startAgent(ctx, lane, { phase: 'implement', runner: 'remote' })).rejects.toThrow(
      'runner "remote" is not known (accepted: headless, tmux, or a name added under "runners" in lanes.config.json)',
    );
    expect((await ctx.store()).runsOf('issue-1')).toEqual([]);
  });

  it('loads a lane recorded before lifecycle and agent phase were separate fields', async () => {
    repo = await makeLaneRepo({});
    ctx = repo.context();
    const lane = (await createLanes(ctx, ['1'])).created[0]!;
    const store = await ctx.store();
    const { lifecycle: _lifecycle, agentPhase: _agentPhase, ...rest } = lane;
    store.deleteLane('issue-1');
    // The shape older lanes wrote: one `phase` for both.
    store.restoreLane({ ...rest, phase: 'implement', agentState: 'done' } as unknown as LaneRecord);
    expect(store.getLane('issue-1')).toMatchObject({ lifecycle: 'ready', agentPhase: 'implement', agentState: 'done' });
    expect(store.getLane('issue-1')).not.toHaveProperty('phase');
  });
});

function readOutput(runDir: string): string {
  try {
    return readFileSync(join(runDir, 'output.jsonl'), 'utf8');
  } catch {
    return '';
  }
}
