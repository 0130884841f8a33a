/**
 * One line per agent event, for `lanes logs` and the tmux pane. What an agent prints is text from
 * outside (a model, a tool, a file it read): terminal controls are removed here, so neither
 * writer can be driven by it.
 */
import type { AgentEvent } from '../../contracts/agent-adapter.js';
import { stripTerminalControls } from '../../domain/terminal-text.js';

function brief(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function renderEvent(event: AgentEvent): string | undefined {
  const line = eventLine(event);
  return line === undefined ? undefined : stripTerminalControls(line);
}

function eventLine(event: AgentEvent): string | undefined {
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
