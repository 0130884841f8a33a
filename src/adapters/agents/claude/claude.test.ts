import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeAgentEvents } from '../../../domain/agent-events.js';
import { ToolError } from '../../../domain/errors.js';
import { parseReviewAnswer } from '../../../domain/review-schema.js';
import { parseRecorded } from '../fixture.js';
import { claudeAdapter } from './index.js';

const base = {
  promptFile: '/run/prompt.md',
  lane: 'issue-1',
  worktree: '/repo-worktrees/issue-1',
  runDir: '/run',
  env: {},
};

describe('claude adapter launch', () => {
  it('runs headless with stream-json, the prompt file as stdin and the model passed through', () => {
    const launch = claudeAdapter.launch({ ...base, model: 'claude-opus-4-5' });
    expect(launch.file).toBe('claude');
    expect(launch.args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--dangerously-skip-permissions',
      '--model',
      'claude-opus-4-5',
    ]);
    expect(launch.stdin).toEqual({ file: '/run/prompt.md' });
    expect(launch.cwd).toBe('/repo-worktrees/issue-1');
    expect(launch.env).toMatchObject({ IS_SANDBOX: '1', DISABLE_AUTOUPDATER: '1' });
    expect(launch.env['HOME']).toBeUndefined();
    expect(launch.env['ANTHROPIC_BASE_URL']).toBeUndefined();
  });

  it('resumes a session by id', () => {
    expect(claudeAdapter.launch({ ...base, resumeSessionId: 'abc' }).args.slice(-2)).toEqual(['--resume', 'abc']);
  });

  it('points at LANES_AGENT_BASE_URL with non-essential traffic off, and isolates the home when asked', () => {
    const launch = claudeAdapter.launch({
      ...base,
      agentHome: '/h',
      env: { LANES_AGENT_BASE_URL: 'http://127.0.0.1:9/', LANES_AGENT_MAX_RETRIES: '0' },
    });
    expect(launch.env).toMatchObject({
      HOME: '/h',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_API_KEY: 'lanes-offline-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    });
  });
});

describe('claude adapter launch for a reviewer', () => {
  it('read-only: dontAsk mode with only the read tools, write tools refused, no permission bypass', () => {
    const launch = claudeAdapter.launch({ ...base, readOnly: true });
    expect(launch.args).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'dontAsk',
      '--tools',
      'Read,Grep,Glob,Bash',
      '--disallowedTools',
      'Edit,Write,NotebookEdit',
    ]);
    expect(launch.env['IS_SANDBOX']).toBeUndefined();
  });

  it('passes the schema file’s text to --json-schema, and --no-session-persistence when ephemeral', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-claude-schema-'));
    try {
      const schemaFile = join(dir, 'answer.schema.json');
      writeFileSync(schemaFile, '{"type":"object","required":["verdict"]}\n');
      const args = claudeAdapter.launch({
        ...base,
        readOnly: true,
        ephemeral: true,
        outputSchemaFile: schemaFile,
      }).args;
      expect(args[args.indexOf('--json-schema') + 1]).toBe('{"type":"object","required":["verdict"]}\n');
      expect(args).toContain('--no-session-persistence');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with the path when the schema file cannot be read', () => {
    expect(() => claudeAdapter.launch({ ...base, outputSchemaFile: '/nonexistent/answer.schema.json' })).toThrow(
      ToolError,
    );
    expect(() => claudeAdapter.launch({ ...base, outputSchemaFile: '/nonexistent/answer.schema.json' })).toThrow(
      /answer schema \/nonexistent\/answer.schema.json/,
    );
  });

  it('never resumes a read-only or ephemeral run', () => {
    expect(claudeAdapter.launch({ ...base, resumeSessionId: 'abc', readOnly: true }).args).not.toContain('--resume');
    expect(claudeAdapter.launch({ ...base, resumeSessionId: 'abc', ephemeral: true }).args).not.toContain('--resume');
  });
});

describe('claude stream-json parser', () => {
  it('reports the structured output of a recorded reviewer run as the final text', () => {
    const events = parseRecorded(claudeAdapter.createParser(), new URL('./fixtures/review.jsonl', import.meta.url));
    const names = events.filter((e) => e.type === 'tool-use').map((e) => e.type === 'tool-use' && e.name);
    expect(names).toEqual(['Write', 'Bash', 'StructuredOutput']);
    // The scripted Write was refused: the tool is not offered to a reviewer.
    expect(events.find((e) => e.type === 'tool-result')).toMatchObject({ ok: false });
    const s = summarizeAgentEvents(events, { model: 'claude-sonnet-4-5', exitCode: 0 });
    expect(s.ok).toBe(true);
    expect(JSON.parse(s.text)).toEqual({
      verdict: 'approve',
      findings: [],
      audit: { criteria: [{ text: 'README has a title', status: 'met', evidence: ['README.md:1'] }], scopeDrift: [] },
      disputes: [],
    });
    expect(parseReviewAnswer(s.text)).toMatchObject({ ok: true });
  });

  it('prefers structured_output over the result text', () => {
    const events = claudeAdapter
      .createParser()
      .push(
        '{"type":"result","subtype":"success","is_error":false,"result":"Done.","structured_output":{"a":[1,"b"]}}',
      );
    expect(events.find((e) => e.type === 'result')).toMatchObject({ ok: true, text: '{"a":[1,"b"]}' });
  });

  it('reads session, tool use, final text, usage per model and the CLI cost from a recorded run', () => {
    const events = parseRecorded(
      claudeAdapter.createParser(),
      new URL('./fixtures/write-and-commit.jsonl', import.meta.url),
    );
    expect(events[0]).toEqual({
      type: 'session',
      sessionId: '91e7dada-0cc0-4e37-ac15-632428aeddaa',
      model: 'claude-sonnet-4-5',
    });
    expect(events.filter((e) => e.type === 'tool-use')).toEqual([
      {
        type: 'tool-use',
        name: 'Write',
        id: 'toolu_fake_2',
        input: { file_path: '/tmp/p1/repo/hello.txt', content: 'hello from the fake model\n' },
      },
      {
        type: 'tool-use',
        name: 'Bash',
        id: 'toolu_fake_3',
        input: { command: 'git add -A && git commit -q -m "Add hello"', description: 'Scripted command' },
      },
    ]);
    expect(events.filter((e) => e.type === 'tool-result').every((e) => e.type === 'tool-result' && e.ok)).toBe(true);
    const s = summarizeAgentEvents(events, { exitCode: 0 });
    expect(s).toMatchObject({ ok: true, text: 'All done.', costUsd: 0.00243, costSource: 'agent', toolUses: 2 });
    expect(s.usageByModel).toEqual({ 'claude-sonnet-4-5': { input: 360, output: 90, cacheRead: 0, cacheWrite: 0 } });
  });

  it('turns an API error result into a failed run with the message', () => {
    const events = parseRecorded(claudeAdapter.createParser(), new URL('./fixtures/api-error.jsonl', import.meta.url));
    const s = summarizeAgentEvents(events, { exitCode: 1 });
    expect(s.ok).toBe(false);
    expect(s.error).toBe('API Error: 400 scripted rejection');
    expect(s.sessionId).toBe('398e61f6-27f4-4b17-915f-b365fd2e4d04');
  });

  it('reads the single object of --output-format json, pretty-printed or not', () => {
    const result = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'ok',
      session_id: 's-1',
      total_cost_usd: 0.5,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
    };
    for (const text of [JSON.stringify(result), JSON.stringify(result, null, 2)]) {
      const parser = claudeAdapter.createParser();
      const events = text.split('\n').flatMap((l) => parser.push(l));
      const s = summarizeAgentEvents(events, { model: 'claude-haiku-4-5', exitCode: 0 });
      expect(s).toMatchObject({ ok: true, sessionId: 's-1', text: 'ok', costUsd: 0.5 });
      expect(s.usage).toEqual({ input: 10, output: 5, cacheRead: 100, cacheWrite: 20 });
    }
  });

  it('skips lines that are not machine output', () => {
    const parser = claudeAdapter.createParser();
    expect(parser.push('Warning: something human')).toEqual([]);
    expect(parser.push('')).toEqual([]);
    expect(parser.push('{"type":"system","subtype":"init","session_id":"x"}')).toEqual([
      { type: 'session', sessionId: 'x' },
    ]);
  });
});
