import { describe, expect, it } from 'vitest';
import { summarizeAgentEvents } from '../../../domain/agent-events.js';
import { parseReviewAnswer } from '../../../domain/review-schema.js';
import { parseRecorded } from '../fixture.js';
import { opencodeAdapter, opencodeModel } from './index.js';

const base = { promptFile: '/run/prompt.md', lane: 'issue-1', worktree: '/wt', runDir: '/run', env: {} };

describe('opencode adapter launch', () => {
  it('runs `opencode run --format json` with provider/model, allowing tools without prompts', () => {
    const launch = opencodeAdapter.launch({ ...base, model: 'claude-sonnet-4-5', resumeSessionId: 'ses_1' });
    expect(launch.args).toEqual(['run', '--format', 'json', '-m', 'anthropic/claude-sonnet-4-5', '--session', 'ses_1']);
    const config = JSON.parse(launch.env['OPENCODE_CONFIG_CONTENT']!);
    expect(config.permission).toEqual({ edit: 'allow', bash: 'allow', webfetch: 'allow' });
    expect(config.provider).toBeUndefined();
    expect(opencodeModel('openai/gpt-5')).toBe('openai/gpt-5');
  });

  it("points the anthropic provider at LANES_AGENT_BASE_URL and keeps the user's own config content", () => {
    const launch = opencodeAdapter.launch({
      ...base,
      env: {
        LANES_AGENT_BASE_URL: 'http://127.0.0.1:9',
        OPENCODE_CONFIG_CONTENT: '{"theme":"x","permission":{"read":"allow"}}',
      },
    });
    const config = JSON.parse(launch.env['OPENCODE_CONFIG_CONTENT']!);
    expect(config.theme).toBe('x');
    expect(config.permission).toEqual({ read: 'allow', edit: 'allow', bash: 'allow', webfetch: 'allow' });
    expect(config.provider.anthropic.options).toEqual({
      baseURL: 'http://127.0.0.1:9/v1',
      apiKey: 'lanes-offline-key',
    });
  });
});

describe('opencode adapter launch for a reviewer', () => {
  it('read-only: edits, shell, web and subagents denied over any permission the user set; never resumes', () => {
    const launch = opencodeAdapter.launch({
      ...base,
      readOnly: true,
      ephemeral: true,
      resumeSessionId: 'ses_1',
      env: { OPENCODE_CONFIG_CONTENT: '{"permission":{"edit":"allow","bash":{"git *":"allow"},"read":"allow"}}' },
    });
    expect(launch.args).toEqual(['run', '--format', 'json']);
    const config = JSON.parse(launch.env['OPENCODE_CONFIG_CONTENT']!);
    expect(config.permission).toEqual({
      read: 'allow',
      edit: 'deny',
      bash: 'deny',
      webfetch: 'deny',
      websearch: 'deny',
      task: 'deny',
      external_directory: 'deny',
    });
  });
});

describe('opencode JSONL parser', () => {
  it('reports the answer of a recorded reviewer run as the final text', () => {
    const events = parseRecorded(opencodeAdapter.createParser(), new URL('./fixtures/review.jsonl', import.meta.url));
    const s = summarizeAgentEvents(events, { model: 'claude-sonnet-4-5', exitCode: 0 });
    expect(s.ok).toBe(true);
    expect(s.text).toMatch(/^Reviewed\.\n\{"verdict":"approve"/);
    expect(parseReviewAnswer(s.text)).toMatchObject({ ok: true, value: { verdict: 'approve' } });
  });

  it('reads the session, tools, text and the cost of each step from a recorded run', () => {
    const events = parseRecorded(
      opencodeAdapter.createParser(),
      new URL('./fixtures/write-and-commit.jsonl', import.meta.url),
    );
    expect(events.filter((e) => e.type === 'session')).toEqual([
      { type: 'session', sessionId: 'ses_dddd06bb3ffemR8KiZ4t1J1FI1' },
    ]);
    expect(events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'write',
      'bash',
    ]);
    const s = summarizeAgentEvents(events, { model: 'anthropic/claude-sonnet-4-5', exitCode: 0 });
    expect(s).toMatchObject({ ok: true, text: 'All done.', costSource: 'agent' });
    expect(s.usage).toEqual({ input: 360, output: 90, cacheRead: 0, cacheWrite: 0 });
    expect(s.costUsd).toBeCloseTo(0.00243, 10);
  });

  it('has no result event: a non-zero exit fails the run, an error event says why', () => {
    const parser = opencodeAdapter.createParser();
    const events = parser.push(
      '{"type":"error","timestamp":1,"sessionID":"ses_x","error":{"name":"APIError","data":{"message":"Overloaded"}}}',
    );
    const s = summarizeAgentEvents(events, { exitCode: 1 });
    expect(s).toMatchObject({ ok: false, sessionId: 'ses_x', error: 'Overloaded' });
  });
});
