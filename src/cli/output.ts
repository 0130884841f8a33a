/** Rendering results: aligned tables for people, JSON for scripts. */
import type { Io } from '../app/context.js';

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(rows: readonly (readonly string[])[], header: readonly string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => displayWidth(r[c] ?? ''))));
  return `${all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : pad(cell, widths[c]!))).join('  ').trimEnd()).join('\n')}\n`;
}

function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** One line of a title for a table: control characters removed, long text cut. */
export function oneLine(text: string, max = 50): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}
