import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../src/adapters/agents/claude/index.js';
import { summarizeAgentEvents } from '../../../src/domain/agent-events.js';
import { spawnFakeModelServer, startFakeModelServer } from '../../fakes/model-server/index.js';
import { describeRun, makeSandbox, runAgent, type Sandbox } from './harness.js';
import { agentsMissing } from '../../helpers/requirements.js';
import { COMMIT_MESSAGE, FILE_CONTENT, writeAndCommitScript } from './scenario.js';

const withoutAgents = agentsMissing();

describe.skipIf(withoutAgents)('Claude Code against the fake Anthropic server', () => {
  const boxes: Sandbox[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const b of boxes.splice(0)) b.cleanup();
  });

  it('writes the file, commits it, and reports session, usage and cost', async () => {
    const server = await startFakeModelServer(writeAndCommitScript());
    closers.push(server.close);
    const box = makeSandbox('claude');
    boxes.push(box);

    const run = await runAgent(claudeAdapter, box, {
      model: 'claude-sonnet-4-5',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    console.info(`claude run: ${run.durationMs} ms`);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(readFileSync(join(box.repo, 'hello.txt'), 'utf8')).toBe(FILE_CONTENT);
    expect(box.git('log', '-1', '--format=%s')).toBe(COMMIT_MESSAGE);
    expect(box.git('status', '--porcelain')).toBe('');
    const summary = summarizeAgentEvents(run.events, { model: 'claude-sonnet-4-5', exitCode: run.exitCode });
    expect(summary.ok).toBe(true);
    expect(summary.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.text).toBe('Committed hello.txt.');
    expect(summary.usageByModel['claude-sonnet-4-5']).toEqual({
      input: 3000,
      output: 600,
      cacheRead: 0,
      cacheWrite: 0,
    });
    // Claude Code prices the tokens itself: 3000 × $3/M + 600 × $15/M.
    expect(summary.costSource).toBe('agent');
    expect(summary.costUsd).toBeCloseTo(0.018, 6);
    expect(run.events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'Write',
      'Bash',
    ]);
    expect(server.requests.filter((r) => r.vendor === 'anthropic').every((r) => r.model === 'claude-sonnet-4-5')).toBe(
      true,
    );
  });

  it('fails with the API error when the model server answers 500', async () => {
    const server = await startFakeModelServer({ turns: [{ kind: 'error', status: 500, message: 'scripted outage' }] });
    closers.push(server.close);
    const box = makeSandbox('claude-err');
    boxes.push(box);

    const run = await runAgent(claudeAdapter, box, {
      model: 'claude-sonnet-4-5',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    const summary = summarizeAgentEvents(run.events, { model: 'claude-sonnet-4-5', exitCode: run.exitCode });
    expect(summary.ok, describeRun(run)).toBe(false);
    expect(summary.error).toMatch(/500|scripted outage|API Error/);
    expect(box.git('log', '--format=%s')).toBe('init');
  });

  it('works against the fake server running as its own process', async () => {
    const box = makeSandbox('claude-proc');
    boxes.push(box);
    const server = await spawnFakeModelServer(writeAndCommitScript(), box.dir);
    closers.push(server.close);

    const run = await runAgent(claudeAdapter, box, {
      model: 'claude-haiku-4-5',
      env: { LANES_AGENT_BASE_URL: server.url },
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(box.git('log', '-1', '--format=%s')).toBe(COMMIT_MESSAGE);
    const turns = server
      .requests()
      .filter((r) => r.turn !== 'side' && r.vendor === 'anthropic')
      .map((r) => r.kind);
    expect(turns).toEqual(['write', 'shell', 'text']);
  });
});
