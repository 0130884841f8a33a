import { describe, expect, it } from 'vitest';
import { summarizeAgentEvents } from '../../../domain/agent-events.js';
import { parseRecorded } from '../fixture.js';
import { codexAdapter } from './index.js';

const base = { promptFile: '/run/prompt.md', lane: 'issue-1', worktree: '/wt', runDir: '/run', env: {} };

describe('codex adapter launch', () => {
  it('runs `codex exec --json` bypassing the sandbox (so git can commit) with the prompt read from stdin', () => {
    const launch = codexAdapter.launch({ ...base, model: 'gpt-5-codex' });
    expect(launch.args[0]).toBe('exec');
    expect(launch.args).toContain('--json');
    expect(launch.args).toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(launch.args.slice(-1)).toEqual(['-']);
    expect(launch.args.join(' ')).toContain('-m gpt-5-codex');
    expect(launch.stdin).toEqual({ file: '/run/prompt.md' });
    expect(launch.args.join(' ')).not.toContain('model_provider');
  });

  it('resumes with `exec resume <thread id> -`', () => {
    const args = codexAdapter.launch({ ...base, resumeSessionId: 'thread-1' }).args;
    expect(args.slice(0, 2)).toEqual(['exec', 'resume']);
    expect(args.slice(-2)).toEqual(['thread-1', '-']);
  });

  it('defines a Responses provider for LANES_AGENT_BASE_URL through -c overrides, key in its own variable', () => {
    const launch = codexAdapter.launch({
      ...base,
      agentHome: '/h',
      env: { LANES_AGENT_BASE_URL: 'http://127.0.0.1:9', LANES_AGENT_API_KEY: 'k' },
    });
    const overrides = launch.args.filter((_, i) => launch.args[i - 1] === '-c');
    expect(overrides).toEqual(
      expect.arrayContaining([
        'model_provider="lanes"',
        'model_providers.lanes.base_url="http://127.0.0.1:9/v1"',
        'model_providers.lanes.wire_api="responses"',
        'model_providers.lanes.env_key="LANES_AGENT_API_KEY"',
      ]),
    );
    expect(launch.env).toMatchObject({ CODEX_HOME: '/h', HOME: '/h', LANES_AGENT_API_KEY: 'k' });
  });
});

describe('codex adapter launch for a reviewer', () => {
  it('read-only: the read-only sandbox with approvals never, instead of the bypass', () => {
    const args = codexAdapter.launch({ ...base, readOnly: true }).args;
    expect(args.join(' ')).toContain('--sandbox read-only -c approval_policy="never"');
    expect(args).not.toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(args.slice(-1)).toEqual(['-']);
  });

  it('passes --output-schema <file> and --ephemeral, and never resumes a reviewer', () => {
    const args = codexAdapter.launch({
      ...base,
      readOnly: true,
      ephemeral: true,
      outputSchemaFile: '/run/answer.schema.json',
      resumeSessionId: 'thread-1',
    }).args;
    expect(args.join(' ')).toContain('--output-schema /run/answer.schema.json');
    expect(args).toContain('--ephemeral');
    expect(args).not.toContain('resume');
    expect(args).not.toContain('thread-1');
    expect(codexAdapter.launch({ ...base, ephemeral: true, resumeSessionId: 'thread-1' }).args).not.toContain('resume');
  });
});

describe('codex JSONL parser', () => {
  it('reports the last agent message of a recorded reviewer run as the final text', () => {
    const events = parseRecorded(codexAdapter.createParser(), new URL('./fixtures/review.jsonl', import.meta.url));
    const s = summarizeAgentEvents(events, { model: 'gpt-5-codex', exitCode: 0 });
    expect(s.ok).toBe(true);
    expect(s.text).toBe(
      'Reviewed.\n{"verdict":"approve","findings":[],"audit":{"criteria":[{"text":"README has a title","status":"met","evidence":["README.md:1"]}],"scopeDrift":[]},"disputes":[]}',
    );
  });

  it('does not glue an earlier message to the final one', () => {
    const parser = codexAdapter.createParser();
    const events = [
      '{"type":"item.completed","item":{"id":"i1","type":"agent_message","text":"Checking the diff."}}',
      '{"type":"item.completed","item":{"id":"i2","type":"agent_message","text":"{\\"verdict\\":\\"approve\\"}"}}',
      '{"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":5}}',
    ].flatMap((l) => parser.push(l));
    expect(summarizeAgentEvents(events, { exitCode: 0 }).text).toBe('{"verdict":"approve"}');
  });

  it('reads the thread id, commands, final message and turn usage from a recorded run', () => {
    const events = parseRecorded(
      codexAdapter.createParser(),
      new URL('./fixtures/write-and-commit.jsonl', import.meta.url),
    );
    expect(events[0]).toEqual({ type: 'session', sessionId: '01a2222e-cff9-7681-a5f9-f1d0f20b8157' });
    expect(events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'command',
      'command',
    ]);
    // The "model metadata not found" notice is reported, not fatal.
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', fatal: false }));
    const s = summarizeAgentEvents(events, { model: 'gpt-5-codex', exitCode: 0 });
    expect(s).toMatchObject({ ok: true, text: 'All done.', costSource: 'price-table' });
    expect(s.usageByModel).toEqual({ 'gpt-5-codex': { input: 360, output: 90, cacheRead: 0, cacheWrite: 0 } });
    expect(s.costUsd).toBeCloseTo((360 * 1.25 + 90 * 10) / 1e6, 12);
  });

  it('marks a command that exited non-zero as a failed tool result', () => {
    const events = parseRecorded(
      codexAdapter.createParser(),
      new URL('./fixtures/failed-command.jsonl', import.meta.url),
    );
    const results = events.filter((e) => e.type === 'tool-result');
    expect(results.map((e) => e.type === 'tool-result' && e.ok)).toEqual([true, false]);
    expect(results[1]).toMatchObject({ output: expect.stringContaining('nothing to commit') });
  });

  it('fails the run on turn.failed with the API error text', () => {
    const events = parseRecorded(codexAdapter.createParser(), new URL('./fixtures/api-error.jsonl', import.meta.url));
    const s = summarizeAgentEvents(events, { model: 'gpt-5-codex', exitCode: 1 });
    expect(s.ok).toBe(false);
    expect(s.error).toContain('scripted rejection');
  });

  it('counts cached input apart from fresh input', () => {
    const parser = codexAdapter.createParser();
    const events = parser.push(
      '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":800,"output_tokens":50}}',
    );
    expect(events).toEqual([
      { type: 'usage', usage: { input: 200, output: 50, cacheRead: 800, cacheWrite: 0 } },
      { type: 'result', ok: true },
    ]);
  });
});
