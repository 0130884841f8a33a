import { describe, expect, it } from 'vitest';
import { InputError } from '../../../domain/errors.js';
import { summarizeAgentEvents } from '../../../domain/agent-events.js';
import { commandAdapter } from './index.js';
import { expandTemplate } from './template.js';

const base = { promptFile: '/run/prompt.md', lane: 'issue-1', worktree: '/wt', runDir: '/run', env: {} };

describe('command adapter', () => {
  it('substitutes placeholders inside each argument, never through a shell', () => {
    const launch = commandAdapter.launch({
      ...base,
      model: 'gpt-4.1',
      lane: "x'; rm -rf / $(id)",
      command: ['aider', '--yes', '--message-file', '{promptFile}', '--model={model}', 'lane:{lane}'],
    });
    expect(launch.file).toBe('aider');
    expect(launch.args).toEqual([
      '--yes',
      '--message-file',
      '/run/prompt.md',
      '--model=gpt-4.1',
      "lane:x'; rm -rf / $(id)",
    ]);
    expect(launch.stdin).toBe('closed');
  });

  it('tells the program about a reviewer run through the environment, since it cannot be enforced', () => {
    const env = commandAdapter.launch({
      ...base,
      command: ['./review.sh'],
      readOnly: true,
      ephemeral: true,
      outputSchemaFile: '/run/answer.schema.json',
    }).env;
    expect(env).toMatchObject({
      LANES_READ_ONLY: '1',
      LANES_EPHEMERAL: '1',
      LANES_OUTPUT_SCHEMA_FILE: '/run/answer.schema.json',
    });
    expect(commandAdapter.launch({ ...base, command: ['./agent.sh'] }).env['LANES_READ_ONLY']).toBeUndefined();
  });

  it('gives the prompt on stdin when the template does not take {promptFile}', () => {
    expect(commandAdapter.launch({ ...base, command: ['./agent.sh'] }).stdin).toEqual({ file: '/run/prompt.md' });
  });

  it('rejects a missing template, an unknown placeholder and {model} without a model, naming the input', () => {
    expect(() => commandAdapter.launch(base)).toThrow(InputError);
    expect(() => expandTemplate(['x', '{prompt}'], {})).toThrow(/unknown placeholder \{prompt\}/);
    expect(() => expandTemplate(['x', '--model', '{model}'], {})).toThrow(/uses \{model\} but this run has no model/);
    expect(expandTemplate(['x', '{{lane}}', '{{{lane}}}'], { lane: 'l' })).toEqual(['x', '{lane}', '{l}']);
  });

  it('reads plain lines as text and lanes events printed as JSON lines', () => {
    const parser = commandAdapter.createParser();
    const events = [
      'working',
      '{"type":"session","sessionId":"s-9"}',
      '{"type":"usage","usage":{"input":10,"output":2,"cacheRead":0,"cacheWrite":0},"model":"gpt-4.1"}',
      'done',
    ].flatMap((l) => parser.push(l));
    const s = summarizeAgentEvents(events, { exitCode: 0 });
    expect(s).toMatchObject({ ok: true, sessionId: 's-9', text: 'working\ndone\n', costSource: 'price-table' });
    expect(s.costUsd).toBeCloseTo((10 * 2 + 2 * 8) / 1e6, 12);
  });
});
