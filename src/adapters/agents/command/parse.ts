/**
 * Output of an arbitrary command: every line is assistant text, except a JSON line that is
 * already one of lanes' events (`{"type":"usage",…}`, `{"type":"session",…}`), which a team's
 * own script may print to report its session and tokens.
 */
import type { AgentOutputParser } from '../../../contracts/agent-adapter.js';
import type { AgentEvent } from '../../../domain/agent-events.js';

const EVENT_TYPES = new Set(['session', 'text', 'tool-use', 'tool-result', 'usage', 'result', 'error']);

export function commandEvents(line: string): AgentEvent[] {
  const text = line.replace(/\r$/, '');
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as { type?: unknown };
      if (typeof doc.type === 'string' && EVENT_TYPES.has(doc.type)) return [doc as AgentEvent];
    } catch {
      // Not JSON after all: plain text.
    }
  }
  return text.trim() === '' ? [] : [{ type: 'text', text: text + '\n' }];
}

export function createCommandParser(): AgentOutputParser {
  return { push: commandEvents, end: () => [] };
}
