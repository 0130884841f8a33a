/**
 * The block lanes owns inside a lane's env file. Everything outside the markers is the user's and
 * is kept byte for byte; the block is replaced whole on every write.
 */
import { envValue } from './naming.js';

export const BLOCK_START = '# >>> lanes (managed block: edits inside are overwritten) >>>';
export const BLOCK_END = '# <<< lanes <<<';

export function renderEnvBlock(vars: Record<string, string>): string {
  const lines = Object.entries(vars).map(([k, v]) => `${k}="${envValue(v)}"`);
  return [BLOCK_START, ...lines, BLOCK_END].join('\n');
}

/** The file's text with the lanes block replaced (or appended when absent). */
export function upsertEnvBlock(fileText: string, vars: Record<string, string>): string {
  const block = renderEnvBlock(vars);
  const start = fileText.indexOf(BLOCK_START);
  const end = fileText.indexOf(BLOCK_END, start);
  if (start !== -1 && end !== -1) {
    return fileText.slice(0, start) + block + fileText.slice(end + BLOCK_END.length);
  }
  if (fileText === '') return `${block}\n`;
  return `${fileText}${fileText.endsWith('\n') ? '' : '\n'}${block}\n`;
}

/** The file's text without the lanes block; `undefined` when nothing else is left. */
export function removeEnvBlock(fileText: string): string {
  const start = fileText.indexOf(BLOCK_START);
  const end = fileText.indexOf(BLOCK_END, start);
  if (start === -1 || end === -1) return fileText;
  let after = fileText.slice(end + BLOCK_END.length);
  if (after.startsWith('\n')) after = after.slice(1);
  return fileText.slice(0, start) + after;
}

/** The variables inside the block, values unescaped. */
export function readEnvBlock(fileText: string): Record<string, string> {
  const start = fileText.indexOf(BLOCK_START);
  const end = fileText.indexOf(BLOCK_END, start);
  if (start === -1 || end === -1) return {};
  const vars: Record<string, string> = {};
  for (const line of fileText.slice(start + BLOCK_START.length, end).split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return vars;
}
