import { describe, expect, it } from 'vitest';
import { summarizeAgentEvents, type AgentEvent } from './agent-events.js';

const u = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0 });

describe('summarizeAgentEvents', () => {
  it('sums usage increments per model and prices them when the agent gives no cost', () => {
    const events: AgentEvent[] = [
      { type: 'session', sessionId: 's' },
      { type: 'usage', usage: u(1000, 100) },
      { type: 'usage', usage: u(1000, 100), model: 'gpt-5-mini' },
    ];
    const s = summarizeAgentEvents(events, { model: 'gpt-5', exitCode: 0 });
    expect(s.usageByModel).toEqual({ 'gpt-5': u(1000, 100), 'gpt-5-mini': u(1000, 100) });
    expect(s.usage).toEqual(u(2000, 200));
    expect(s.costSource).toBe('price-table');
    expect(s.costUsd).toBeCloseTo((1000 * 1.25 + 100 * 10 + 1000 * 0.25 + 100 * 2) / 1e6, 12);
  });

  it('lets the result totals and cost replace the increments', () => {
    const events: AgentEvent[] = [
      { type: 'usage', usage: u(1, 1) },
      { type: 'result', ok: true, text: 'done', usageByModel: { m: u(50, 5) }, costUsd: 0.01 },
    ];
    const s = summarizeAgentEvents(events, { exitCode: 0 });
    expect(s).toMatchObject({ ok: true, text: 'done', usage: u(50, 5), costUsd: 0.01, costSource: 'agent' });
  });

  it('leaves the cost unknown when a model has no price', () => {
    const s = summarizeAgentEvents([{ type: 'usage', usage: u(10, 1) }], { model: 'local-llama', exitCode: 0 });
    expect(s).toMatchObject({ costUsd: undefined, costSource: 'unknown' });
  });

  it('takes the text said after the last tool call as the answer when there is no result', () => {
    const events: AgentEvent[] = [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool-use', name: 'bash' },
      { type: 'text', text: 'Done ' },
      { type: 'text', text: 'now.' },
    ];
    expect(summarizeAgentEvents(events, { exitCode: 0 }).text).toBe('Done now.');
  });

  it('fails on a non-zero exit, a kill, a fatal error or a failed result, and says why', () => {
    expect(summarizeAgentEvents([{ type: 'result', ok: true }], { exitCode: 2 })).toMatchObject({
      ok: false,
      error: 'exited with code 2',
    });
    expect(summarizeAgentEvents([], { exitCode: null })).toMatchObject({ ok: false, error: 'killed by a signal' });
    expect(summarizeAgentEvents([{ type: 'error', message: 'boom', fatal: true }], { exitCode: 0 })).toMatchObject({
      ok: false,
      error: 'boom',
    });
    expect(summarizeAgentEvents([{ type: 'error', message: 'notice', fatal: false }], { exitCode: 0 })).toMatchObject({
      ok: true,
    });
    expect(summarizeAgentEvents([{ type: 'result', ok: false, error: 'max turns' }], { exitCode: 0 })).toMatchObject({
      ok: false,
      error: 'max turns',
    });
  });

  it('is not yet ok while the process is still running', () => {
    expect(summarizeAgentEvents([{ type: 'text', text: 'working' }])).toMatchObject({
      ok: false,
      error: 'no result yet',
    });
  });
});
