/**
 * `opencode run --format json` JSONL: step_start (sessionID), text, tool_use (a finished tool
 * part: tool, callID, state {status, input, output}), step_finish (tokens, cost of that step),
 * error. There is no closing result event: success is the exit code. Reasoning tokens are billed
 * as output, so they are added to it.
 */
import type { AgentOutputParser } from '../../../contracts/agent-adapter.js';
import type { AgentEvent } from '../../../domain/agent-events.js';
import { createJsonLineParser, num, obj, str } from '../json-lines.js';

export function opencodeEvents(doc: Record<string, unknown>, state: { sessionId?: string } = {}): AgentEvent[] {
  const events: AgentEvent[] = [];
  const sessionId = str(doc['sessionID']);
  if (sessionId && state.sessionId !== sessionId) {
    state.sessionId = sessionId;
    events.push({ type: 'session', sessionId });
  }
  const part = obj(doc['part']);
  switch (str(doc['type'])) {
    case 'text':
      events.push({ type: 'text', text: str(part['text']) ?? '' });
      break;
    case 'tool_use': {
      const s = obj(part['state']);
      const id = str(part['callID']);
      const withId = id ? { id } : {};
      events.push({ type: 'tool-use', name: str(part['tool']) ?? '?', ...withId, input: s['input'] });
      const status = str(s['status']);
      if (status === 'completed' || status === 'error') {
        const output = str(s['output']) ?? str(s['error']);
        events.push({
          type: 'tool-result',
          ok: status === 'completed',
          ...withId,
          ...(output !== undefined ? { output } : {}),
        });
      }
      break;
    }
    case 'step_finish': {
      const t = obj(part['tokens']);
      const cache = obj(t['cache']);
      const cost = part['cost'];
      events.push({
        type: 'usage',
        usage: {
          input: num(t['input']),
          output: num(t['output']) + num(t['reasoning']),
          cacheRead: num(cache['read']),
          cacheWrite: num(cache['write']),
        },
        ...(typeof cost === 'number' ? { costUsd: cost } : {}),
      });
      break;
    }
    case 'error': {
      const e = obj(doc['error']);
      const message = str(obj(e['data'])['message']) ?? str(e['message']) ?? str(e['name']) ?? 'opencode error';
      events.push({ type: 'error', message, fatal: true });
      break;
    }
  }
  return events;
}

export function createOpencodeParser(): AgentOutputParser {
  const state: { sessionId?: string } = {};
  return createJsonLineParser((doc) => opencodeEvents(doc, state));
}
