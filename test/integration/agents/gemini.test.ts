import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { geminiAdapter } from '../../../src/adapters/agents/gemini/index.js';
import { summarizeAgentEvents } from '../../../src/domain/agent-events.js';
import { startFakeModelServer } from '../../fakes/model-server/index.js';
import { describeRun, makeSandbox, runAgent, type Sandbox } from './harness.js';
import { agentsMissing } from '../../helpers/requirements.js';
import { COMMIT_MESSAGE, FILE_CONTENT, writeAndCommitScript } from './scenario.js';

const withoutAgents = agentsMissing();

describe.skipIf(withoutAgents)('Gemini CLI against the fake Gemini server', () => {
  const boxes: Sandbox[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const b of boxes.splice(0)) b.cleanup();
  });

  it('writes the file, commits it, and reports session id and usage priced by lanes', async () => {
    const server = await startFakeModelServer(writeAndCommitScript());
    closers.push(server.close);
    const box = makeSandbox('codex');
    boxes.push(box);

    const run = await runAgent(geminiAdapter, box, {
      model: 'gemini-2.5-flash',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    console.info(`gemini run: ${run.durationMs} ms`);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(readFileSync(join(box.repo, 'hello.txt'), 'utf8')).toBe(FILE_CONTENT);
    expect(box.git('log', '-1', '--format=%s')).toBe(COMMIT_MESSAGE);
    expect(box.git('status', '--porcelain')).toBe('');
    const summary = summarizeAgentEvents(run.events, { model: 'gemini-2.5-flash', exitCode: run.exitCode });
    expect(summary.ok).toBe(true);
    expect(summary.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.text).toBe('Committed hello.txt.');
    expect(summary.usageByModel['gemini-2.5-flash']).toEqual({ input: 3000, output: 600, cacheRead: 0, cacheWrite: 0 });
    // Gemini CLI gives no cost: 3000 × $0.30/M + 600 × $2.50/M.
    expect(summary.costSource).toBe('price-table');
    expect(summary.costUsd).toBeCloseTo(0.0024, 8);
    expect(run.events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'write_file',
      'run_shell_command',
    ]);
  });

  it('fails when the model server rejects the request (400)', async () => {
    const server = await startFakeModelServer({
      turns: [{ kind: 'error', status: 400, message: 'scripted rejection' }],
    });
    closers.push(server.close);
    const box = makeSandbox('codex-err');
    boxes.push(box);

    const run = await runAgent(geminiAdapter, box, {
      model: 'gemini-2.5-flash',
      env: { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' },
    });
    const summary = summarizeAgentEvents(run.events, { model: 'gemini-2.5-flash', exitCode: run.exitCode });
    expect(summary.ok, describeRun(run)).toBe(false);
    expect(run.exitCode).not.toBe(0);
    expect(summary.error).toMatch(/scripted rejection|400/);
    expect(summary.error).toBeTruthy();
    expect(box.git('log', '--format=%s')).toBe('init');
  });
});
