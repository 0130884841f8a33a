/**
 * Claude Code's `--output-format stream-json --verbose` (one event per line) and
 * `--output-format json` (the result object alone; with --verbose an array of all events).
 * Usage comes from the `result` event only: in stream mode each `assistant` event carries a
 * snapshot taken while the reply was still streaming (output_tokens 1), so summing those would
 * be wrong. The result has totals per model (`modelUsage`) and the CLI's own cost. With
 * `--json-schema`, the result also holds `structured_output` (the input of the model's call to the
 * StructuredOutput tool, already checked by Claude Code): that is the run's final text, as JSON.
 */
import type { AgentOutputParser } from '../../../contracts/agent-adapter.js';
import type { AgentEvent, TokenUsage } from '../../../domain/agent-events.js';
import { createJsonLineParser, num, obj, str } from '../json-lines.js';

function usageFrom(u: Record<string, unknown>): TokenUsage {
  return {
    input: num(u['input_tokens'] ?? u['inputTokens']),
    output: num(u['output_tokens'] ?? u['outputTokens']),
    cacheRead: num(u['cache_read_input_tokens'] ?? u['cacheReadInputTokens']),
    cacheWrite: num(u['cache_creation_input_tokens'] ?? u['cacheCreationInputTokens']),
  };
}

function toolResultText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => str(obj(c)['text']) ?? '').join('');
  return undefined;
}

export function claudeEvents(doc: Record<string, unknown>, state: { model?: string } = {}): AgentEvent[] {
  const type = str(doc['type']);
  const events: AgentEvent[] = [];
  if (type === 'system' && str(doc['subtype']) === 'init') {
    const sessionId = str(doc['session_id']);
    state.model = str(doc['model']);
    if (sessionId)
      events.push(state.model ? { type: 'session', sessionId, model: state.model } : { type: 'session', sessionId });
    return events;
  }
  if (type === 'assistant' || type === 'user') {
    for (const block of (obj(doc['message'])['content'] as unknown[] | undefined) ?? []) {
      const b = obj(block);
      if (b['type'] === 'text' && type === 'assistant') events.push({ type: 'text', text: str(b['text']) ?? '' });
      else if (b['type'] === 'tool_use') {
        const id = str(b['id']);
        events.push(
          id
            ? { type: 'tool-use', name: str(b['name']) ?? '?', id, input: b['input'] }
            : { type: 'tool-use', name: str(b['name']) ?? '?', input: b['input'] },
        );
      } else if (b['type'] === 'tool_result') {
        const output = toolResultText(b['content']);
        const id = str(b['tool_use_id']);
        events.push({
          type: 'tool-result',
          ok: b['is_error'] !== true,
          ...(id ? { id } : {}),
          ...(output !== undefined ? { output } : {}),
        });
      }
    }
    return events;
  }
  if (type === 'result') {
    const sessionId = str(doc['session_id']);
    if (sessionId) events.push({ type: 'session', sessionId });
    const isError = doc['is_error'] === true || (str(doc['subtype']) ?? 'success') !== 'success';
    const usageByModel: Record<string, TokenUsage> = {};
    for (const [model, u] of Object.entries(obj(doc['modelUsage']))) usageByModel[model] = usageFrom(obj(u));
    if (Object.keys(usageByModel).length === 0 && doc['usage'] !== undefined)
      usageByModel[state.model ?? 'unknown'] = usageFrom(obj(doc['usage']));
    const structured = doc['structured_output'];
    const text = structured !== undefined && structured !== null ? JSON.stringify(structured) : str(doc['result']);
    const cost = doc['total_cost_usd'];
    events.push({
      type: 'result',
      ok: !isError,
      ...(text !== undefined ? { text } : {}),
      ...(isError ? { error: str(doc['result']) || str(doc['subtype']) || 'Claude Code reported an error' } : {}),
      usageByModel,
      ...(typeof cost === 'number' ? { costUsd: cost } : {}),
      ...(typeof doc['duration_ms'] === 'number' ? { durationMs: doc['duration_ms'] } : {}),
      ...(typeof doc['num_turns'] === 'number' ? { turns: doc['num_turns'] } : {}),
    });
    return events;
  }
  return events;
}

export function createClaudeParser(): AgentOutputParser {
  const state: { model?: string } = {};
  return createJsonLineParser((doc) => claudeEvents(doc, state));
}
