/**
 * Gemini CLI's `--output-format stream-json` (init with session_id and model, message deltas,
 * tool_use / tool_result, error, result with stats) and `--output-format json` (one object:
 * session_id, response, stats.models.<model>.tokens, error). No cost: lanes prices the tokens.
 * Gemini counts cached tokens inside the prompt tokens; thoughts are billed as output.
 */
import type { AgentOutputParser } from '../../../contracts/agent-adapter.js';
import type { AgentEvent, TokenUsage } from '../../../domain/agent-events.js';
import { createJsonLineParser, num, obj, str } from '../json-lines.js';

// stream-json `result.stats.models.<m>`: { input_tokens (prompt, cached included), input (not cached), output_tokens,
// cached }
function streamUsage(m: Record<string, unknown>): TokenUsage {
  const cached = num(m['cached']);
  const input = m['input'] !== undefined ? num(m['input']) : Math.max(0, num(m['input_tokens']) - cached);
  return { input, output: num(m['output_tokens']), cacheRead: cached, cacheWrite: 0 };
}

// json `stats.models.<m>.tokens`: { prompt (cached included), input, candidates, cached, thoughts }
function jsonUsage(t: Record<string, unknown>): TokenUsage {
  const cached = num(t['cached']);
  const input = t['input'] !== undefined ? num(t['input']) : Math.max(0, num(t['prompt']) - cached);
  return { input, output: num(t['candidates']) + num(t['thoughts']), cacheRead: cached, cacheWrite: 0 };
}

function errorText(e: unknown): string | undefined {
  return typeof e === 'string' ? e : str(obj(e)['message']);
}

export function geminiEvents(doc: Record<string, unknown>): AgentEvent[] {
  const type = str(doc['type']);
  if (type === 'init') {
    const sessionId = str(doc['session_id']);
    const model = str(doc['model']);
    return sessionId ? [model ? { type: 'session', sessionId, model } : { type: 'session', sessionId }] : [];
  }
  if (type === 'message') return doc['role'] === 'assistant' ? [{ type: 'text', text: str(doc['content']) ?? '' }] : [];
  if (type === 'tool_use') {
    const id = str(doc['tool_id']);
    return [{ type: 'tool-use', name: str(doc['tool_name']) ?? '?', ...(id ? { id } : {}), input: doc['parameters'] }];
  }
  if (type === 'tool_result') {
    const id = str(doc['tool_id']);
    const output = str(doc['output']) ?? errorText(doc['error']);
    return [
      {
        type: 'tool-result',
        ok: doc['status'] === 'success',
        ...(id ? { id } : {}),
        ...(output !== undefined ? { output } : {}),
      },
    ];
  }
  if (type === 'error') {
    return [{ type: 'error', message: str(doc['message']) ?? 'gemini error', fatal: str(doc['severity']) === 'error' }];
  }
  if (type === 'result') {
    const stats = obj(doc['stats']);
    const usageByModel: Record<string, TokenUsage> = {};
    for (const [model, m] of Object.entries(obj(stats['models']))) usageByModel[model] = streamUsage(obj(m));
    const ok = doc['status'] === 'success';
    const error = errorText(doc['error']);
    return [
      {
        type: 'result',
        ok,
        ...(ok ? {} : { error: error ?? 'Gemini CLI reported an error' }),
        usageByModel,
        ...(typeof stats['duration_ms'] === 'number' ? { durationMs: stats['duration_ms'] } : {}),
      },
    ];
  }
  // The single object of `--output-format json`.
  if (type === undefined && ('response' in doc || 'session_id' in doc || 'stats' in doc)) {
    const events: AgentEvent[] = [];
    const sessionId = str(doc['session_id']);
    if (sessionId) events.push({ type: 'session', sessionId });
    const usageByModel: Record<string, TokenUsage> = {};
    for (const [model, m] of Object.entries(obj(obj(doc['stats'])['models'])))
      usageByModel[model] = jsonUsage(obj(obj(m)['tokens']));
    const error =
      doc['error'] === undefined || doc['error'] === null
        ? undefined
        : (errorText(doc['error']) ?? 'Gemini CLI reported an error');
    const text = str(doc['response']);
    events.push({
      type: 'result',
      ok: error === undefined,
      ...(text !== undefined ? { text } : {}),
      ...(error ? { error } : {}),
      usageByModel,
    });
    return events;
  }
  return [];
}

export function createGeminiParser(): AgentOutputParser {
  return createJsonLineParser(geminiEvents);
}
