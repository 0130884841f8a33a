/**
 * Rendering results: aligned tables for people, JSON for scripts. Text from outside (titles,
 * labels, branch names) is stripped of terminal controls in every cell, before the widths are
 * measured; the terminal writer in program.ts strips whatever else reaches it. JSON stays exact.
 */
import type { Io } from '../app/context.js';
import { stripTerminalControls } from '../domain/terminal-text.js';

export function printJson(io: Io, value: unknown): void {
  io.out(`${jsonSafeForTerminal(JSON.stringify(value, null, 2))}\n`);
}

/**
 * JSON text with DEL, C1 and bidi controls (which JSON allows raw inside strings) written as
 * `\uXXXX` escapes: the value parsed back is the same, and the text can go through the terminal
 * writer's stripping untouched. JSON.stringify already escapes C0 controls and lone surrogates.
 */
export function jsonSafeForTerminal(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function table(rows: readonly (readonly string[])[], header: readonly string[]): string {
  const all = [header, ...rows].map((r) => r.map((cell) => stripTerminalControls(cell, { keepLayout: false })));
  const widths = header.map((_, c) => Math.max(...all.map((r) => displayWidth(r[c] ?? ''))));
  return `${all
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** One line of a title for a table or a message: terminal controls removed, line breaks flattened, long text cut. */
export function oneLine(text: string, max = 50): string {
  const flat = stripTerminalControls(text, { keepLayout: false });
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}
