import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codexAdapter } from '../../../src/adapters/agents/codex/index.js';
import { summarizeAgentEvents } from '../../../src/domain/agent-events.js';
import { startFakeModelServer } from '../../fakes/model-server/index.js';
import { describeRun, makeSandbox, runAgent, type Sandbox } from './harness.js';
import { agentsMissing } from '../../helpers/requirements.js';
import { COMMIT_MESSAGE, FILE_CONTENT, writeAndCommitScript } from './scenario.js';

const withoutAgents = agentsMissing();

describe.skipIf(withoutAgents)('Codex against the fake Responses server', () => {
  const boxes: Sandbox[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const b of boxes.splice(0)) b.cleanup();
  });

  it('writes the file, commits it, and reports thread id and usage priced by lanes', async () => {
    const server = await startFakeModelServer(writeAndCommitScript());
    closers.push(server.close);
    const box = makeSandbox('codex');
    boxes.push(box);

    const run = await runAgent(codexAdapter, box, {
      model: 'gpt-5-codex',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    console.info(`codex run: ${run.durationMs} ms`);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(readFileSync(join(box.repo, 'hello.txt'), 'utf8')).toBe(FILE_CONTENT);
    expect(box.git('log', '-1', '--format=%s')).toBe(COMMIT_MESSAGE);
    expect(box.git('status', '--porcelain')).toBe('');
    const summary = summarizeAgentEvents(run.events, { model: 'gpt-5-codex', exitCode: run.exitCode });
    expect(summary.ok).toBe(true);
    expect(summary.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.text).toBe('Committed hello.txt.');
    expect(summary.usageByModel['gpt-5-codex']).toEqual({ input: 3000, output: 600, cacheRead: 0, cacheWrite: 0 });
    // Codex gives no cost: the price table's gpt-5 row, 3000 × $1.25/M + 600 × $10/M.
    expect(summary.costSource).toBe('price-table');
    expect(summary.costUsd).toBeCloseTo(0.00975, 8);
    const shellCalls = server.requests.filter((r) => r.tool).map((r) => r.tool!.name);
    expect(shellCalls).toEqual(['exec_command', 'exec_command']);
  });

  it('fails when the model server answers 500', async () => {
    const server = await startFakeModelServer({ turns: [{ kind: 'error', status: 500, message: 'scripted outage' }] });
    closers.push(server.close);
    const box = makeSandbox('codex-err');
    boxes.push(box);

    const run = await runAgent(codexAdapter, box, {
      model: 'gpt-5-codex',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    const summary = summarizeAgentEvents(run.events, { model: 'gpt-5-codex', exitCode: run.exitCode });
    expect(summary.ok, describeRun(run)).toBe(false);
    expect(run.exitCode).not.toBe(0);
    expect(summary.error).toBeTruthy();
    expect(box.git('log', '--format=%s')).toBe('init');
  });
});
