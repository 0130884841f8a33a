import { describe, expect, it } from 'vitest';
import { renderEvent } from './render-events.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('agent events rendered for lanes logs and the tmux pane', () => {
  it('removes escape sequences a model or a tool printed, keeping the text and its lines', () => {
    expect(renderEvent({ type: 'text', text: 'Done.\x1b[2J\x1b]0;pwned\x07\nNext line\r\x1b[2K' })).toBe(
      'Done.\nNext line',
    );
  });

  it('removes them from tool names, inputs, failures and errors', () => {
    for (const line of [
      renderEvent({ type: 'tool-use', name: 'Bash\x1b[31m', input: { command: 'echo \x1b[2J' } }),
      renderEvent({ type: 'tool-result', ok: false, output: 'boom\x9b2J\u202e' }),
      renderEvent({ type: 'error', message: 'api\x1bc error', fatal: true }),
    ]) {
      expect(line).toBeDefined();
      expect(line).not.toMatch(CONTROL);
    }
    expect(renderEvent({ type: 'error', message: 'api\x1bc error', fatal: true })).toBe('! api error');
  });
});
