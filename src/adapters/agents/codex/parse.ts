/**
 * `codex exec --json` JSONL: `thread.started` (thread_id: the session), `item.started` /
 * `item.completed` (agent_message, command_execution, file_change, mcp_tool_call, reasoning,
 * error warnings), `turn.completed` with the turn's usage, `turn.failed` and `error`. Codex
 * reports no cost: lanes prices its tokens. Its `input_tokens` include the cached ones.
 * The run's final text is the last agent_message, reported as the result when the turn completes:
 * messages said between tool calls are commentary, and with `--output-schema` the last one is the
 * structured answer (JSON), which must not be glued to an earlier message.
 */
import type { AgentOutputParser } from '../../../contracts/agent-adapter.js';
import type { AgentEvent } from '../../../domain/agent-events.js';
import { createJsonLineParser, num, obj, str } from '../json-lines.js';

function itemEvents(item: Record<string, unknown>, completed: boolean): AgentEvent[] {
  const id = str(item['id']);
  const withId = id ? { id } : {};
  switch (str(item['type'])) {
    case 'agent_message':
      return completed ? [{ type: 'text', text: str(item['text']) ?? '' }] : [];
    case 'command_execution': {
      if (!completed) return [{ type: 'tool-use', name: 'command', ...withId, input: { command: item['command'] } }];
      const output = str(item['aggregated_output']);
      const ok = item['status'] === 'completed' && (item['exit_code'] === 0 || item['exit_code'] === undefined);
      return [{ type: 'tool-result', ok, ...withId, ...(output !== undefined ? { output } : {}) }];
    }
    case 'file_change':
      // Reported once, completed, with the changes it made.
      return completed
        ? [
            { type: 'tool-use', name: 'file_change', ...withId, input: { changes: item['changes'] } },
            { type: 'tool-result', ok: item['status'] !== 'failed', ...withId },
          ]
        : [];
    case 'mcp_tool_call':
      if (!completed)
        return [
          {
            type: 'tool-use',
            name: `${str(item['server']) ?? 'mcp'}:${str(item['tool']) ?? '?'}`,
            ...withId,
            input: item['arguments'],
          },
        ];
      return [{ type: 'tool-result', ok: item['status'] !== 'failed', ...withId }];
    case 'error':
      // Non-fatal notices such as "Model metadata for X not found".
      return completed ? [{ type: 'error', message: str(item['message']) ?? 'codex error item', fatal: false }] : [];
    default:
      return [];
  }
}

export function codexEvents(doc: Record<string, unknown>, state: { lastMessage?: string } = {}): AgentEvent[] {
  const item = obj(doc['item']);
  if (str(doc['type']) === 'item.completed' && str(item['type']) === 'agent_message')
    state.lastMessage = str(item['text']) ?? '';
  switch (str(doc['type'])) {
    case 'thread.started': {
      const sessionId = str(doc['thread_id']);
      return sessionId ? [{ type: 'session', sessionId }] : [];
    }
    case 'item.started':
      return itemEvents(obj(doc['item']), false);
    case 'item.completed':
      return itemEvents(obj(doc['item']), true);
    case 'turn.completed': {
      const u = obj(doc['usage']);
      const cached = num(u['cached_input_tokens']);
      const text = state.lastMessage;
      return [
        {
          type: 'usage',
          usage: {
            input: Math.max(0, num(u['input_tokens']) - cached),
            output: num(u['output_tokens']),
            cacheRead: cached,
            cacheWrite: num(u['cache_write_input_tokens']),
          },
        },
        { type: 'result', ok: true, ...(text !== undefined ? { text } : {}) },
      ];
    }
    case 'turn.failed':
      return [{ type: 'result', ok: false, error: str(obj(doc['error'])['message']) ?? 'codex turn failed' }];
    case 'error':
      return [{ type: 'error', message: str(doc['message']) ?? 'codex error', fatal: true }];
    default:
      return [];
  }
}

export function createCodexParser(): AgentOutputParser {
  const state: { lastMessage?: string } = {};
  return createJsonLineParser((doc) => codexEvents(doc, state));
}
