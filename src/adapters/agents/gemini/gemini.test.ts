import { describe, expect, it } from 'vitest';
import { summarizeAgentEvents } from '../../../domain/agent-events.js';
import { parseReviewAnswer } from '../../../domain/review-schema.js';
import { parseRecorded } from '../fixture.js';
import { geminiAdapter } from './index.js';

const base = { promptFile: '/run/prompt.md', lane: 'issue-1', worktree: '/wt', runDir: '/run', env: {} };

describe('gemini adapter launch for a reviewer', () => {
  it('read-only: default approval mode (no write tools headless) and a policy file allowing read-only commands', () => {
    const launch = geminiAdapter.launch({ ...base, readOnly: true, ephemeral: true, resumeSessionId: 's-1' });
    expect(launch.args).toEqual([
      '--approval-mode',
      'default',
      '--admin-policy',
      '/run/gemini-read-only-policy.toml',
      '--output-format',
      'stream-json',
    ]);
    expect(launch.files.map((f) => f.path)).toEqual(['/run/gemini-read-only-policy.toml']);
    const policy = launch.files[0]!.content;
    expect(policy).toContain('commandPrefix = ["git diff", "git log", "git show"');
    expect(policy).toMatch(
      /toolName = \["write_file", "replace", "enter_plan_mode", "exit_plan_mode"\]\ndecision = "deny"/,
    );
  });
});

describe('gemini adapter launch', () => {
  it('runs --yolo with stream-json in a trusted workspace (else --yolo is silently downgraded)', () => {
    const launch = geminiAdapter.launch({ ...base, model: 'gemini-2.5-pro', resumeSessionId: 's-1' });
    expect(launch.args).toEqual([
      '--yolo',
      '--output-format',
      'stream-json',
      '-m',
      'gemini-2.5-pro',
      '--resume',
      's-1',
    ]);
    expect(launch.env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: 'true' });
    expect(launch.files).toEqual([]);
  });

  it('selects API-key auth for LANES_AGENT_BASE_URL in the isolated home, or in a system settings file', () => {
    const env = { LANES_AGENT_BASE_URL: 'http://127.0.0.1:9' };
    const isolated = geminiAdapter.launch({ ...base, agentHome: '/h', env });
    expect(isolated.files.map((f) => f.path)).toEqual(['/h/.gemini/settings.json']);
    expect(JSON.parse(isolated.files[0]!.content)).toMatchObject({
      security: { auth: { selectedType: 'gemini-api-key' } },
    });
    expect(isolated.env).toMatchObject({
      HOME: '/h',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9',
      GEMINI_API_KEY: 'lanes-offline-key',
    });
    const shared = geminiAdapter.launch({ ...base, env });
    expect(shared.env['GEMINI_CLI_SYSTEM_SETTINGS_PATH']).toBe('/run/gemini-system-settings.json');
  });
});

describe('gemini parsers', () => {
  it('reports the answer of a recorded reviewer run as the final text, the refused write as a failed tool', () => {
    const events = parseRecorded(geminiAdapter.createParser(), new URL('./fixtures/review.jsonl', import.meta.url));
    expect(events.filter((e) => e.type === 'tool-result').map((e) => e.type === 'tool-result' && e.ok)).toEqual([
      false,
      true,
    ]);
    const s = summarizeAgentEvents(events, { model: 'gemini-2.5-pro', exitCode: 0 });
    expect(s.ok).toBe(true);
    expect(s.text).toMatch(/^Reviewed\.\n\{"verdict":"approve"/);
    // No schema is enforced: lanes finds the JSON in the text.
    expect(parseReviewAnswer(s.text)).toMatchObject({ ok: true, value: { verdict: 'approve' } });
  });

  it('reads session, text deltas, tools and per-model tokens from recorded stream-json', () => {
    const events = parseRecorded(
      geminiAdapter.createParser(),
      new URL('./fixtures/write-and-commit.jsonl', import.meta.url),
    );
    expect(events[0]).toEqual({
      type: 'session',
      sessionId: 'b70e5b54-eafc-40f5-8bb2-e8f6da8e90db',
      model: 'gemini-2.5-flash',
    });
    expect(events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name)).toEqual([
      'write_file',
      'run_shell_command',
    ]);
    const s = summarizeAgentEvents(events, { exitCode: 0 });
    expect(s).toMatchObject({ ok: true, text: 'All done.', costSource: 'price-table' });
    expect(s.usageByModel).toEqual({ 'gemini-2.5-flash': { input: 360, output: 90, cacheRead: 0, cacheWrite: 0 } });
  });

  it('reads the pretty-printed object of --output-format json', () => {
    const events = parseRecorded(
      geminiAdapter.createParser(),
      new URL('./fixtures/write-and-commit.json', import.meta.url),
    );
    const s = summarizeAgentEvents(events, { exitCode: 0 });
    expect(s).toMatchObject({ ok: true, sessionId: 'e03b295b-76dd-4273-9811-0303921d3355', text: 'All done.' });
    expect(s.usageByModel).toEqual({ 'gemini-2.5-flash': { input: 360, output: 90, cacheRead: 0, cacheWrite: 0 } });
  });

  it('fails the run with the API error of an error result', () => {
    const events = parseRecorded(geminiAdapter.createParser(), new URL('./fixtures/api-error.jsonl', import.meta.url));
    const s = summarizeAgentEvents(events, { exitCode: 1 });
    expect(s.ok).toBe(false);
    expect(s.error).toContain('scripted rejection');
  });
});
