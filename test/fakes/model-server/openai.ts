/**
 * OpenAI Responses API, as Codex calls it with a custom provider (`wire_api = "responses"`):
 * `POST /v1/responses`, answered with the SSE events response.created,
 * response.output_item.added / .done per output item (text deltas in between), and
 * response.completed carrying `usage` (input_tokens with input_tokens_details.cached_tokens,
 * output_tokens, total_tokens).
 */
import type { FakeTurn } from './script.js';
import { resolveAgainst } from './script.js';
import type { ToolCall, VendorReply } from './vendor.js';

interface ResponsesItem {
  type?: string;
  role?: string;
  content?: unknown;
}
interface ResponsesBody {
  model?: string;
  instructions?: string;
  input?: ResponsesItem[] | string;
  tools?: { type?: string; name?: string }[];
}

// Items the model produced. One reply can hold several (reasoning, message, function_call), so a
// turn is a run of consecutive model items, ended by the client's tool output or user message.
const MODEL_ITEMS = new Set(['function_call', 'custom_tool_call', 'local_shell_call', 'reasoning', 'web_search_call']);

export function openaiAssistantTurns(body: ResponsesBody): number {
  if (!Array.isArray(body.input)) return 0;
  let turns = 0;
  let inTurn = false;
  for (const item of body.input) {
    const fromModel =
      MODEL_ITEMS.has(item.type ?? '') ||
      (item.role === 'assistant' && (item.type === 'message' || item.type === undefined));
    if (fromModel && !inTurn) turns++;
    inTurn = fromModel;
  }
  return turns;
}

export function openaiOffersTools(body: ResponsesBody): boolean {
  return (body.tools ?? []).length > 0;
}

/** Function and custom tools by name, built-in ones (web_search …) by type. */
export function openaiToolNames(body: ResponsesBody): string[] {
  return (body.tools ?? []).map((t) => t.name ?? t.type ?? '?');
}

export function openaiCwd(body: ResponsesBody): string | undefined {
  const text = JSON.stringify([body.instructions ?? null, body.input ?? null]);
  return /<cwd>([^<]+)<\/cwd>/.exec(text)?.[1];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Codex runs shell commands through `exec_command {cmd, workdir}` (older builds: `shell {command[]}`). */
export function openaiToolCall(body: ResponsesBody, turn: FakeTurn): ToolCall | undefined {
  const tools = body.tools ?? [];
  const cwd = openaiCwd(body);
  const shell = (cmd: string): ToolCall => {
    if (tools.some((t) => t.name === 'exec_command') || !tools.some((t) => t.name === 'shell')) {
      return { name: 'exec_command', input: cwd ? { cmd, workdir: cwd } : { cmd } };
    }
    return {
      name: 'shell',
      input: cwd ? { command: ['bash', '-lc', cmd], workdir: cwd } : { command: ['bash', '-lc', cmd] },
    };
  };
  if (turn.kind === 'shell') return shell(turn.command);
  if (turn.kind === 'write') {
    const applyPatch = tools.find((t) => t.name === 'apply_patch');
    const relative =
      turn.path.startsWith('/') && cwd && turn.path.startsWith(cwd + '/') ? turn.path.slice(cwd.length + 1) : turn.path;
    const lines = turn.content.replace(/\n$/, '').split('\n');
    const patch = ['*** Begin Patch', `*** Add File: ${relative}`, ...lines.map((l) => `+${l}`), '*** End Patch'].join(
      '\n',
    );
    if (applyPatch?.type === 'custom') return { name: 'apply_patch', input: {}, freeform: patch };
    if (applyPatch) return { name: 'apply_patch', input: { input: patch } };
    // No patch tool offered for this model name: write through the shell, as the model would.
    const path = resolveAgainst(cwd, turn.path);
    return shell(`printf '%s' ${shellQuote(turn.content)} > ${shellQuote(path)}`);
  }
  return undefined;
}

function sse(data: { type: string } & Record<string, unknown>): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function openaiReply(body: ResponsesBody, reply: VendorReply): string[] {
  const id = `resp_fake_${reply.seq}`;
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model: body.model ?? 'fake' };
  const chunks = [sse({ type: 'response.created', response: { ...base, status: 'in_progress', output: [] } })];
  const output: unknown[] = [];
  if (reply.text) {
    const item = {
      type: 'message',
      id: `msg_fake_${reply.seq}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
    const index = output.length;
    chunks.push(
      sse({
        type: 'response.output_item.added',
        output_index: index,
        item: { ...item, status: 'in_progress', content: [] },
      }),
    );
    chunks.push(
      sse({
        type: 'response.output_text.delta',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        delta: reply.text,
      }),
    );
    chunks.push(sse({ type: 'response.output_item.done', output_index: index, item }));
    output.push(item);
  }
  if (reply.tool) {
    const index = output.length;
    const callId = `call_fake_${reply.seq}`;
    const item =
      reply.tool.freeform === undefined
        ? {
            type: 'function_call',
            id: `fc_fake_${reply.seq}`,
            call_id: callId,
            name: reply.tool.name,
            arguments: JSON.stringify(reply.tool.input),
            status: 'completed',
          }
        : {
            type: 'custom_tool_call',
            id: `ctc_fake_${reply.seq}`,
            call_id: callId,
            name: reply.tool.name,
            input: reply.tool.freeform,
            status: 'completed',
          };
    chunks.push(sse({ type: 'response.output_item.added', output_index: index, item }));
    chunks.push(sse({ type: 'response.output_item.done', output_index: index, item }));
    output.push(item);
  }
  const u = reply.usage;
  const usage = {
    input_tokens: u.input + u.cacheRead,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.input + u.cacheRead + u.output,
  };
  chunks.push(sse({ type: 'response.completed', response: { ...base, status: 'completed', output, usage } }));
  return chunks;
}

export function openaiError(status: number, message: string): unknown {
  return {
    error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, param: null },
  };
}

export function openaiBrokenStart(body: ResponsesBody, reply: VendorReply): string[] {
  return openaiReply(body, { ...reply, tool: undefined }).slice(0, 3);
}
