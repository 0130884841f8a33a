import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { opencodeAdapter } from '../../../src/adapters/agents/opencode/index.js';
import { summarizeAgentEvents } from '../../../src/domain/agent-events.js';
import { startFakeModelServer } from '../../fakes/model-server/index.js';
import { describeRun, makeSandbox, runAgent, type Sandbox } from './harness.js';
import { agentsMissing } from '../../helpers/requirements.js';
import { COMMIT_MESSAGE, FILE_CONTENT, writeAndCommitScript } from './scenario.js';

const withoutAgents = agentsMissing();

describe.skipIf(withoutAgents)('opencode against the fake Anthropic server', () => {
  const boxes: Sandbox[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const b of boxes.splice(0)) b.cleanup();
  });

  it('writes the file, commits it, and reports session, usage and cost', async () => {
    const server = await startFakeModelServer(writeAndCommitScript());
    closers.push(server.close);
    const box = makeSandbox('opencode');
    boxes.push(box);

    const run = await runAgent(opencodeAdapter, box, {
      model: 'claude-sonnet-4-5',
      env: { LANES_AGENT_BASE_URL: server.url },
      timeoutMs: 90_000,
    });
    console.info(`opencode run: ${run.durationMs} ms`);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(readFileSync(join(box.repo, 'hello.txt'), 'utf8')).toBe(FILE_CONTENT);
    expect(box.git('log', '-1', '--format=%s')).toBe(COMMIT_MESSAGE);
    expect(box.git('status', '--porcelain')).toBe('');
    const summary = summarizeAgentEvents(run.events, { model: 'anthropic/claude-sonnet-4-5', exitCode: run.exitCode });
    expect(summary.ok).toBe(true);
    expect(summary.sessionId).toMatch(/^ses_/);
    expect(summary.text).toBe('Committed hello.txt.');
    // The session title is a side request: it used no scripted turn and its tokens are not in the steps.
    expect(summary.usage).toEqual({ input: 3000, output: 600, cacheRead: 0, cacheWrite: 0 });
    expect(summary.costSource).toBe('agent');
    expect(summary.costUsd).toBeCloseTo(0.018, 6);
    expect(run.events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'write',
      'bash',
    ]);
    expect(server.requests.some((r) => r.turn === 'side')).toBe(true);
  }, 120_000);
});
