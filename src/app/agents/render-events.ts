/** One line per agent event, for `lanes logs` and the tmux pane. */
import type { AgentEvent } from '../../contracts/agent-adapter.js';

function brief(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderEvent(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'session':
      return `· session ${event.sessionId}${event.model ? ` (${event.model})` : ''}`;
    case 'text':
      return event.text.trim() ? event.text.trimEnd() : undefined;
    case 'tool-use':
      return `→ ${event.name} ${brief(event.input)}`;
    case 'tool-result':
      return event.ok ? undefined : `  ✗ ${brief(event.output ?? 'failed')}`;
    case 'usage':
      return undefined;
    case 'result':
      return event.ok ? `✓ finished${event.turns ? ` in ${event.turns} turns` : ''}` : `✗ ${event.error ?? 'failed'}`;
    case 'error':
      return `! ${event.message}`;
  }
}
