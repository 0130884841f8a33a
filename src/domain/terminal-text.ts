/**
 * Text from outside (issue titles, labels, branch names, agent output, repository config) must
 * never drive the terminal it is printed on: an ESC sequence can clear the screen, rewrite the
 * title, hide a line or fake a prompt, and `\r` can overwrite what was printed before it. Two
 * views of such text, both pure:
 *
 * - `visibleControls` for text a person must judge exactly (the command an approval prompt asks
 *   about): every control character is shown as an escape, so nothing is hidden and nothing runs.
 * - `stripTerminalControls` for text that is only read (tables, progress, errors): escape
 *   sequences and control characters are removed, newlines and tabs kept unless asked otherwise.
 */

/** Bidirectional embeddings, overrides and isolates: they reorder what is displayed ("Trojan Source"). */
function isBidi(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** C0 controls, DEL and C1 controls. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function hex2(code: number): string {
  return code.toString(16).padStart(2, '0');
}

/**
 * The text with every control character written as a visible escape: `\r`, `\n`, `\t`, ESC as
 * `\x1b`, other C0/C1 controls and DEL as `\xNN`, bidi controls and lone surrogates as `\u{NNNN}`.
 * A backslash stays as it is: the escapes are for reading, not for parsing back.
 */
export function visibleControls(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d) out += '\\r';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x09) out += '\\t';
    else if (isControl(code)) out += `\\x${hex2(code)}`;
    else if (isBidi(code)) out += `\\u{${code.toString(16)}}`;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) out += `\\u{${code.toString(16)}}`;
    else out += text[i]!;
  }
  return out;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export interface StripOptions {
  /** Keep `\n` and `\t` (default true); false turns each run of them into one space (a table cell, one line). */
  keepLayout?: boolean;
}

/**
 * The text without terminal escape sequences and control characters:
 * - CSI (`ESC [` or C1 `\x9b`, parameters, intermediates, a final byte) is removed whole;
 * - string sequences (OSC `ESC ]`, DCS `ESC P`, SOS `ESC X`, PM `ESC ^`, APC `ESC _` and their C1
 *   forms) are removed up to their terminator (BEL, `ESC \` or `\x9c`), or to the end of the
 *   text when unterminated, as a terminal would swallow it;
 * - other ESC sequences (`ESC` intermediates final, e.g. `ESC c`, `ESC (0`) are removed whole;
 * - every remaining C0/C1 control, DEL and bidi control is removed, except `\n` and `\t` when
 *   layout is kept.
 * Text without control characters comes back unchanged.
 */
export function stripTerminalControls(text: string, opts: StripOptions = {}): string {
  const keepLayout = opts.keepLayout ?? true;
  if (!needsStripping(text, keepLayout)) return text;
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (
      code === 0x1b ||
      code === 0x9b ||
      code === 0x9d ||
      code === 0x90 ||
      code === 0x98 ||
      code === 0x9e ||
      code === 0x9f
    ) {
      i = skipSequence(text, i);
      continue;
    }
    if (code === 0x0a || code === 0x09) {
      if (keepLayout) out += text[i];
      else if (!out.endsWith(' ')) out += ' ';
      i++;
      continue;
    }
    if (!isControl(code) && !isBidi(code)) out += text[i];
    i++;
  }
  return out;
}

function needsStripping(text: string, keepLayout: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || code === 0x09) {
      if (!keepLayout) return true;
    } else if (isControl(code) || isBidi(code)) return true;
  }
  return false;
}

/** The index just past the escape sequence that starts at `start` (ESC or a C1 introducer). */
function skipSequence(text: string, start: number): number {
  const n = text.length;
  let kind: 'csi' | 'string' | 'esc';
  let i: number;
  const first = text.charCodeAt(start);
  if (first === 0x9b) {
    kind = 'csi';
    i = start + 1;
  } else if (first !== 0x1b) {
    kind = 'string';
    i = start + 1;
  } else {
    const next = start + 1 < n ? text[start + 1]! : '';
    if (next === '[') kind = 'csi';
    else if (next === ']' || next === 'P' || next === 'X' || next === '^' || next === '_') kind = 'string';
    else kind = 'esc';
    i = kind === 'esc' ? start + 1 : start + 2;
  }
  if (kind === 'csi') {
    // Parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, then one final byte 0x40–0x7E.
    while (i < n && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x3f) i++;
    if (i < n && text.charCodeAt(i) >= 0x40 && text.charCodeAt(i) <= 0x7e) i++;
    return i;
  }
  if (kind === 'string') {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x07 || c === 0x9c) return i + 1;
      if (c === 0x1b) return text[i + 1] === '\\' ? i + 2 : i; // another ESC ends it and starts anew
      i++;
    }
    return n;
  }
  // ESC, intermediates 0x20–0x2F, one final byte 0x30–0x7E.
  while (i < n && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  if (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x7e) i++;
  return i;
}

/** Whether text holds anything `stripTerminalControls` would remove (newlines and tabs aside). */
export function hasTerminalControls(text: string): boolean {
  return needsStripping(text, true);
}
