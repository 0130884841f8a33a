/**
 * Anthropic Messages API, as Claude Code and opencode's `anthropic` provider call it: `POST
 * /v1/messages` with `stream: true`, answered with the documented SSE sequence message_start,
 * content_block_start / _delta / _stop per block, message_delta (stop_reason, output usage),
 * message_stop. Input and cache usage go in message_start, output tokens in message_delta.
 */
import type { FakeTurn, FakeUsage } from './script.js';
import { resolveAgainst } from './script.js';
import type { ToolCall, VendorReply } from './vendor.js';

interface AnthropicBody {
  model?: string;
  stream?: boolean;
  system?: unknown;
  messages?: { role?: string; content?: unknown }[];
  tools?: { name?: string }[];
}

export function anthropicAssistantTurns(body: AnthropicBody): number {
  return (body.messages ?? []).filter((m) => m.role === 'assistant').length;
}

export function anthropicOffersTools(body: AnthropicBody): boolean {
  return (body.tools ?? []).length > 0;
}

export function anthropicToolNames(body: AnthropicBody): string[] {
  return (body.tools ?? []).map((t) => t.name ?? '?');
}

/** Claude Code's tool for `--json-schema`: the model must call it with the final answer as input. */
export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

// Claude Code writes "Primary working directory: <path>", opencode "Working directory: <path>".
export function anthropicCwd(body: AnthropicBody): string | undefined {
  const text = JSON.stringify([body.system ?? null, body.messages ?? []]);
  return /(?:Primary working directory|Working directory):\s*([^\s"\\]+)/i.exec(text)?.[1];
}

/**
 * Claude Code offers `Write`/`Bash`; opencode offers lower-case `write`/`bash` with camelCase
 * arguments. An answer turn calls `StructuredOutput` when offered.
 */
export function anthropicToolCall(body: AnthropicBody, turn: FakeTurn): ToolCall | undefined {
  const names = new Set((body.tools ?? []).map((t) => t.name));
  // opencode's names are lower-case; a read-only opencode offers only read/glob/grep.
  const lower =
    !['Write', 'Bash', 'Read'].some((n) => names.has(n)) && ['write', 'bash', 'read'].some((n) => names.has(n));
  const cwd = anthropicCwd(body);
  if (turn.kind === 'write') {
    const path = resolveAgainst(cwd, turn.path);
    return lower
      ? { name: 'write', input: { filePath: path, content: turn.content } }
      : { name: 'Write', input: { file_path: path, content: turn.content } };
  }
  if (turn.kind === 'shell') {
    const input = { command: turn.command, description: 'Scripted command' };
    return { name: lower ? 'bash' : 'Bash', input };
  }
  // A tool's input is an object: any other answer goes back as text.
  if (
    turn.kind === 'answer' &&
    names.has(STRUCTURED_OUTPUT_TOOL) &&
    typeof turn.json === 'object' &&
    turn.json !== null &&
    !Array.isArray(turn.json)
  )
    return { name: STRUCTURED_OUTPUT_TOOL, input: turn.json as Record<string, unknown> };
  return undefined;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function anthropicReply(body: AnthropicBody, reply: VendorReply): string[] {
  const id = `msg_fake_${reply.seq}`;
  const u: Required<FakeUsage> = reply.usage;
  const usageStart = {
    input_tokens: u.input,
    output_tokens: 1,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
  };
  const chunks = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model: body.model ?? 'fake',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageStart,
      },
    }),
  ];
  let index = 0;
  if (reply.text) {
    chunks.push(
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    );
    chunks.push(
      sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'text_delta', text: reply.text },
      }),
    );
    chunks.push(sse('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  if (reply.tool) {
    const json = JSON.stringify(reply.tool.input);
    const half = Math.floor(json.length / 2);
    chunks.push(
      sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: `toolu_fake_${reply.seq}`, name: reply.tool.name, input: {} },
      }),
    );
    // Two partial deltas, as the real API splits arguments: the client must concatenate them.
    chunks.push(
      sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: json.slice(0, half) },
      }),
    );
    chunks.push(
      sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: json.slice(half) },
      }),
    );
    chunks.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  }
  chunks.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: reply.tool ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: u.output },
    }),
  );
  chunks.push(sse('message_stop', { type: 'message_stop' }));
  return chunks;
}

/** The non-streaming shape, for the rare request sent with `stream: false`. */
export function anthropicMessage(body: AnthropicBody, reply: VendorReply): unknown {
  const content: unknown[] = [];
  if (reply.text) content.push({ type: 'text', text: reply.text });
  if (reply.tool)
    content.push({ type: 'tool_use', id: `toolu_fake_${reply.seq}`, name: reply.tool.name, input: reply.tool.input });
  const u = reply.usage;
  return {
    id: `msg_fake_${reply.seq}`,
    type: 'message',
    role: 'assistant',
    model: body.model ?? 'fake',
    content,
    stop_reason: reply.tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: u.input,
      output_tokens: u.output,
      cache_creation_input_tokens: u.cacheWrite,
      cache_read_input_tokens: u.cacheRead,
    },
  };
}

export function anthropicError(status: number, message: string): unknown {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status >= 500
          ? 'api_error'
          : 'invalid_request_error';
  return { type: 'error', error: { type, message } };
}

/** The first events of a reply that is then cut off. */
export function anthropicBrokenStart(body: AnthropicBody, reply: VendorReply): string[] {
  return anthropicReply(body, { ...reply, tool: undefined }).slice(0, 3);
}
