import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSafeForTerminal, oneLine, table } from './output.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('human output', () => {
  it('strips control sequences from table cells before aligning them', () => {
    const text = table(
      [
        ['1', 'bug\x1b[2J'],
        ['22', 'x'],
      ],
      ['ID', 'LABELS'],
    );
    expect(text).toBe('ID  LABELS\n1   bug\n22  x\n');
  });

  it('flattens a title to one line without control sequences', () => {
    expect(oneLine('a\x1b]0;t\x07b\n\nc\r\x1b[2Kd', 50)).toBe('ab cd');
    expect(oneLine('x'.repeat(60), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('JSON output', () => {
  it('escapes DEL, C1 and bidi controls so the text is safe on a terminal and parses to the same value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 30 }), (value, text) => {
        const doc = { value, text };
        const safe = jsonSafeForTerminal(JSON.stringify(doc, null, 2));
        expect(safe).not.toMatch(CONTROL);
        expect(JSON.parse(safe)).toEqual(JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 300 },
    );
  });
});
