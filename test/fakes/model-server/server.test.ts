import { afterEach, describe, expect, it } from 'vitest';
import { parseFakeScript, startFakeModelServer, type FakeModelServer, type FakeScript } from './index.js';

const servers: FakeModelServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(script: FakeScript): Promise<FakeModelServer> {
  const s = await startFakeModelServer(script);
  servers.push(s);
  return s;
}

function post(server: FakeModelServer, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** `event:`/`data:` pairs of an SSE body, data parsed. */
function sseEvents(text: string): { event: string | undefined; data: Record<string, unknown> }[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>;
      return { event, data };
    });
}

const claudeTools = [{ name: 'Write' }, { name: 'Bash' }];
const claudeSystem = [{ type: 'text', text: 'Primary working directory: /work/lane-1\nIs a git repo: true' }];

const writeScript: FakeScript = {
  usage: { input: 11, output: 7, cacheRead: 5, cacheWrite: 3 },
  turns: [
    { kind: 'write', path: 'notes/a.txt', content: 'A\n', text: 'Writing.' },
    { kind: 'shell', command: 'git commit -am x' },
    { kind: 'text', text: 'Finished.' },
  ],
};

describe('fake model server: Anthropic Messages', () => {
  it('answers the health probe', async () => {
    const s = await start({ turns: [] });
    expect((await fetch(s.url + '/', { method: 'HEAD' })).status).toBe(200);
  });

  it('streams the documented event sequence with a Write tool call resolved against the working directory', async () => {
    const s = await start(writeScript);
    const res = await post(s, '/v1/messages', {
      model: 'claude-x',
      stream: true,
      system: claudeSystem,
      tools: claudeTools,
      messages: [{ role: 'user', content: 'go' }],
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect((events[0]!.data['message'] as { usage: unknown }).usage).toEqual({
      input_tokens: 11,
      output_tokens: 1,
      cache_creation_input_tokens: 3,
      cache_read_input_tokens: 5,
    });
    expect(events[8]!.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } });
    expect(events[4]!.data['content_block']).toMatchObject({ type: 'tool_use', name: 'Write' });
    const json = events
      .filter((e) => (e.data['delta'] as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((e) => (e.data['delta'] as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ file_path: '/work/lane-1/notes/a.txt', content: 'A\n' });
  });

  it('chooses the turn by the assistant turns already in the conversation, so a retry gets the same answer', async () => {
    const s = await start(writeScript);
    const history = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [] },
      { role: 'user', content: [] },
    ];
    for (let i = 0; i < 2; i++)
      await (await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: history })).text();
    expect(s.requests.map((r) => [r.turn, r.kind])).toEqual([
      [1, 'shell'],
      [1, 'shell'],
    ]);
    expect(s.requests[0]!.tool).toEqual({
      name: 'Bash',
      input: { command: 'git commit -am x', description: 'Scripted command' },
    });
  });

  it("uses opencode's lower-case tools and camelCase arguments when those are offered", async () => {
    const s = await start(writeScript);
    await (
      await post(s, '/v1/messages', {
        stream: true,
        system: 'Working directory: /w',
        tools: [{ name: 'write' }, { name: 'bash' }],
        messages: [{ role: 'user', content: 'go' }],
      })
    ).text();
    expect(s.requests[0]!.tool).toEqual({ name: 'write', input: { filePath: '/w/notes/a.txt', content: 'A\n' } });
  });

  it('answers tool-less side requests (titles) without using a scripted turn', async () => {
    const s = await start({ ...writeScript, sideText: 'A title' });
    const events = sseEvents(
      await (await post(s, '/v1/messages', { stream: true, messages: [{ role: 'user', content: 'title?' }] })).text(),
    );
    expect(events[2]!.data['delta']).toEqual({ type: 'text_delta', text: 'A title' });
    expect(s.requests[0]!.turn).toBe('side');
  });

  it('ends with the final text once the script has run out', async () => {
    const s = await start({ turns: [], finalText: 'Nothing left.' });
    const events = sseEvents(
      await (await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] })).text(),
    );
    expect(events.find((e) => e.event === 'content_block_delta')!.data['delta']).toEqual({
      type: 'text_delta',
      text: 'Nothing left.',
    });
  });
});

describe('fake model server: OpenAI Responses', () => {
  it('sends exec_command {cmd, workdir} and response.completed with usage', async () => {
    const s = await start(writeScript);
    const input = [
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/lane</cwd>\n</environment_context>' }],
      },
      { type: 'message', role: 'assistant', content: [] },
      { type: 'function_call', name: 'exec_command', arguments: '{}', call_id: 'c1' },
      { type: 'function_call_output', call_id: 'c1', output: 'ok' },
    ];
    const events = sseEvents(
      await (
        await post(s, '/v1/responses', { model: 'gpt-x', tools: [{ type: 'function', name: 'exec_command' }], input })
      ).text(),
    );
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.output_item.done',
      'response.completed',
    ]);
    // One assistant turn (message + function_call) precedes: the shell turn answers.
    expect(events[2]!.data['item']).toMatchObject({
      type: 'function_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: 'git commit -am x', workdir: '/lane' }),
    });
    expect((events[3]!.data['response'] as { usage: unknown }).usage).toEqual({
      input_tokens: 16,
      input_tokens_details: { cached_tokens: 5 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 23,
    });
  });

  it('writes a file through apply_patch when the model offers it', async () => {
    const s = await start(writeScript);
    await (
      await post(s, '/v1/responses', {
        tools: [{ type: 'custom', name: 'apply_patch' }],
        input: [{ type: 'message', role: 'user', content: '<cwd>/lane</cwd>' }],
      })
    ).text();
    expect(s.requests[0]!.tool?.freeform).toBe('*** Begin Patch\n*** Add File: notes/a.txt\n+A\n*** End Patch');
  });
});

describe('fake model server: Gemini', () => {
  it('streams a write_file functionCall and usageMetadata', async () => {
    const s = await start(writeScript);
    const res = await post(s, '/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: '- **Workspace Directories:**\n  - /g/repo\n' }] }],
      tools: [{ functionDeclarations: [{ name: 'write_file' }] }],
    });
    const [event] = sseEvents(await res.text());
    expect(event!.data).toMatchObject({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Writing.' },
              { functionCall: { name: 'write_file', args: { file_path: '/g/repo/notes/a.txt', content: 'A\n' } } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 16, candidatesTokenCount: 7, cachedContentTokenCount: 5, totalTokenCount: 23 },
    });
    expect(s.requests[0]!.model).toBe('gemini-x');
  });
});

describe('fake model server: structured answers and raw tool calls', () => {
  const verdict = { verdict: 'approve', findings: [], note: 'a "quoted" line\nand more' };
  const answerScript: FakeScript = { turns: [{ kind: 'answer', json: verdict, text: 'My review.' }] };

  /** The tool_use blocks of an Anthropic stream, their partial JSON joined. */
  function anthropicToolUses(text: string): { name: string; input: unknown }[] {
    const events = sseEvents(text);
    const uses: { name: string; input: unknown }[] = [];
    for (const e of events) {
      const block = e.data['content_block'] as { type?: string; name?: string } | undefined;
      if (block?.type === 'tool_use') {
        const json = events
          .filter((d) => d.data['index'] === e.data['index'])
          .map((d) => (d.data['delta'] as { partial_json?: string } | undefined)?.partial_json ?? '')
          .join('');
        uses.push({ name: block.name!, input: JSON.parse(json) });
      }
    }
    return uses;
  }

  it('Anthropic: calls StructuredOutput with the JSON as input when the request offers it', async () => {
    const s = await start(answerScript);
    const res = await post(s, '/v1/messages', {
      stream: true,
      tools: [...claudeTools, { name: 'StructuredOutput', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'review' }],
    });
    const text = await res.text();
    expect(anthropicToolUses(text)).toEqual([{ name: 'StructuredOutput', input: verdict }]);
    expect(text).toContain('"text":"My review."');
    expect(s.requests[0]).toMatchObject({
      kind: 'answer',
      tool: { name: 'StructuredOutput', input: verdict },
      offeredTools: ['Write', 'Bash', 'StructuredOutput'],
    });
  });

  it('Anthropic: answers with the text and the JSON on its own line when no StructuredOutput is offered', async () => {
    const s = await start(answerScript);
    const events = sseEvents(
      await (await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] })).text(),
    );
    const deltas = events.map((e) => e.data['delta'] as { type?: string; text?: string } | undefined);
    expect(deltas.find((d) => d?.type === 'text_delta')?.text).toBe(`My review.\n${JSON.stringify(verdict)}`);
    expect(events.some((e) => (e.data['content_block'] as { type?: string } | undefined)?.type === 'tool_use')).toBe(
      false,
    );
    expect(s.requests[0]!.tool).toBeUndefined();
  });

  it('OpenAI Responses: the JSON alone is the output text, and the request body keeps text.format', async () => {
    const s = await start({ turns: [{ kind: 'answer', json: verdict }] });
    const format = { format: { type: 'json_schema', name: 'x', strict: true, schema: { type: 'object' } } };
    const events = sseEvents(
      await (
        await post(s, '/v1/responses', {
          tools: [{ type: 'function', name: 'exec_command' }, { type: 'web_search' }],
          input: [],
          text: format,
        })
      ).text(),
    );
    const done = events.find((e) => e.event === 'response.output_item.done')!.data['item'];
    expect(done).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: JSON.stringify(verdict) }] });
    expect((s.requests[0]!.body as { text: unknown }).text).toEqual(format);
    expect(s.requests[0]!.offeredTools).toEqual(['exec_command', 'web_search']);
  });

  it('Gemini: the JSON is the reply text', async () => {
    const s = await start({ turns: [{ kind: 'answer', json: verdict }] });
    const res = await post(s, '/v1beta/models/gemini-x:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: 'review' }] }],
      tools: [{ functionDeclarations: [{ name: 'read_file' }, { name: 'glob' }] }],
    });
    const [event] = sseEvents(await res.text());
    expect(event!.data).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: JSON.stringify(verdict) }] } }],
    });
    expect(s.requests[0]!.offeredTools).toEqual(['read_file', 'glob']);
  });

  it('a call turn sends the named tool with the given input as it is', async () => {
    const s = await start({ turns: [{ kind: 'call', name: 'Read', input: { file_path: 'README.md' } }] });
    const text = await (await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] })).text();
    expect(anthropicToolUses(text)).toEqual([{ name: 'Read', input: { file_path: 'README.md' } }]);
  });

  it('rejects an answer turn without a json value', () => {
    expect(() => parseFakeScript({ turns: [{ kind: 'answer', text: 'no json' }] })).toThrow(
      /turns\[0\] is an answer without a "json" value/,
    );
    expect(() => parseFakeScript({ turns: [{ kind: 'answr' }] })).toThrow(/write, shell, call, text, answer/);
  });
});

describe('fake model server: failures', () => {
  it("answers a scripted error with the status and the vendor's error shape", async () => {
    const s = await start({ turns: [{ kind: 'error', status: 529, message: 'busy' }] });
    const res = await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] });
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
  });

  it('cuts a broken stream before message_stop', async () => {
    const s = await start({ turns: [{ kind: 'break', text: 'partial' }] });
    const res = await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] });
    const text = await res.text().catch(() => 'cut');
    expect(text).not.toContain('message_stop');
  });

  it('hangs until the client gives up, and close() still returns at once', async () => {
    const s = await start({ turns: [{ kind: 'hang' }] });
    const pending = post(
      s,
      '/v1/messages',
      { stream: true, tools: claudeTools, messages: [] },
      AbortSignal.timeout(300),
    );
    await expect(pending).rejects.toThrow();
    const t = Date.now();
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('waits the scripted delay before answering', async () => {
    const s = await start({ turns: [{ kind: 'text', text: 'late', delayMs: 250 }] });
    const t = Date.now();
    await (await post(s, '/v1/messages', { stream: true, tools: claudeTools, messages: [] })).text();
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
  });
});

describe('fake model server as its own process', () => {
  it('prints its URL, serves the script and logs each request to a file', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { spawnFakeModelServer } = await import('./index.js');
    const dir = mkdtempSync(join(tmpdir(), 'fake-model-proc-'));
    const proc = await spawnFakeModelServer({ turns: [{ kind: 'text', text: 'hi' }] }, dir);
    try {
      expect(proc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(proc.url + '/v1/messages', {
        method: 'POST',
        body: JSON.stringify({ stream: true, tools: claudeTools, messages: [] }),
      });
      expect(await res.text()).toContain('"text":"hi"');
      expect(proc.requests().map((r) => [r.vendor, r.turn, r.kind])).toEqual([['anthropic', 0, 'text']]);
    } finally {
      await proc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fake model server: routes', () => {
  it('answers a request whose text holds a route from that route, others from the turns', async () => {
    const s = await start({
      turns: [{ kind: 'text', text: 'writer' }],
      routes: [{ when: 'REVIEW MARKER', script: { turns: [{ kind: 'text', text: 'reviewer' }] } }],
    });
    const ask = async (prompt: string) =>
      post(s, '/v1/messages', {
        model: 'claude-x',
        stream: false,
        system: claudeSystem,
        tools: claudeTools,
        messages: [{ role: 'user', content: prompt }],
      }).then((r) => r.text());
    expect(await ask('implement this')).toContain('writer');
    expect(await ask('# REVIEW MARKER please')).toContain('reviewer');
  });

  it('rejects a route without its text or with a bad script', () => {
    expect(() => parseFakeScript({ turns: [], routes: [{ when: '', script: { turns: [] } }] })).toThrow(
      /routes\[0\]\.when/,
    );
    expect(() => parseFakeScript({ turns: [], routes: [{ when: 'x', script: {} }] })).toThrow(/"turns" array/);
  });
});
