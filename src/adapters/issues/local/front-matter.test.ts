import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseFrontMatter, parseSimpleFrontMatter } from './front-matter.js';

function yamlObject(text: string): Record<string, unknown> {
  const parsed: unknown = parseYaml(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/**
 * Both paths agree: the simple reader either declines or gives exactly YAML's object, and parseFrontMatter always does.
 */
async function expectSameAsYaml(text: string): Promise<void> {
  let expected: Record<string, unknown> | Error;
  try {
    expected = yamlObject(text);
  } catch (err) {
    expected = err as Error;
  }
  const simple = parseSimpleFrontMatter(text);
  if (expected instanceof Error) {
    expect(simple, `simple reader accepted invalid YAML ${JSON.stringify(text)}`).toBeUndefined();
    await expect(parseFrontMatter(text)).rejects.toThrow(expected.message);
    return;
  }
  if (simple !== undefined) expect(simple, JSON.stringify(text)).toStrictEqual(expected);
  expect(await parseFrontMatter(text), JSON.stringify(text)).toStrictEqual(expected);
}

// What `lanes issue add` writes and what people usually write by hand: read without YAML.
const simpleInputs = [
  '',
  'title: Add login page',
  'title: Add login page\nlabels:\n  - feature\n  - good first issue',
  'title: "Add \\"login\\" page: now"\nlabels: ["a"]'.replace('["a"]', '[a, b]'),
  "title: 'It''s quoted'\nstate: closed\nassignee: ana",
  'title: x\nlabels: [bug, ui]\nacceptance:\n- works\n- "has: colon"',
  'title: "$(rm -rf /) `x` ../../etc"\nlabel: bug, ui',
  'title: 3 bugs in 2024-01-01 release\npriority: 2\nweight: 1.5\nbig: 1e3\ndone: false\nflag: True\nnothing: ~\nempty:',
  '# a comment\ntitle: Émoji 🚀 and ünïcode\r\nlabels: []',
  'title: a, b [c] {d} e#f g:h',
  'title:    spaced\nlabels:\n\n  - a\n\n  - b\n',
  'title: yes\nother: no\non: off',
  'title: "tab\\tand\\nnewline \\u00e9 \\/"',
  'title: null\nlabels: [1, true, null, x]',
];

// Valid or invalid YAML outside the simple subset: must fall back and give YAML's answer.
const otherInputs = [
  'title: Fix: crash',
  // Found by the property test: a list item with a trailing blank (what yaml writes for the label ". ").
  'title: ""\nlabels:\n  - . \n  - ""',
  'title: x ',
  // Trailing blanks go to YAML too (the simple subset stays where YAML's meaning is obvious).
  'title:    spaced   \nlabels:\n\n  - a\n\n  - b\n',
  'title: a # comment',
  'title: >\n  folded\n  text',
  'title: |\n  literal\n  text',
  'title: long plain\n  continued on the next line',
  'labels:\n  - a\n    - b',
  'labels:\n  - a\n - b',
  'labels: [a, [b]]',
  'labels: ["a, b", c]',
  'labels: {a: 1}',
  'meta:\n  nested: true',
  'title: x\ntitle: y',
  'true: x',
  'null: x',
  '__proto__: x',
  'title: 0123',
  'title: 0x1F',
  'title: 0o17',
  'title: +1',
  'title: -1',
  'title: .5',
  'title: .inf',
  'title: -.Inf',
  'title: .NaN',
  'title: 1.',
  'title: 1_000',
  'title: &a anchor\nother: *a',
  'title: !!str 123',
  'title: "unterminated',
  "title: 'unterminated",
  'title: "a" b',
  'title: "\\x41 \\e"',
  'title: @reserved',
  'title: `tick',
  'title: %percent',
  '  title: indented',
  'title:\tx',
  'title: a\u2028b',
  'title: a\u0085b',
  '\ufefftitle: bom',
  'title: x\n---\nother: y',
  'key:value',
  '- a\n- b',
  'just a scalar',
  'labels:\n  - - nested',
  'labels:\n  - key: v',
  'labels:\n  -',
  'title: [a, b',
  'labels: [a,, b]',
  'labels: [a, b, ]',
  'title: "a\\\n  b"',
  '? complex\n: key',
  'title: x\r',
];

describe('front matter', () => {
  // YAML warns on stderr about odd inputs (unresolved tags); the results are what is compared.
  beforeEach(() => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  it('reads what lanes issue add writes and the usual hand-written lines without YAML', () => {
    for (const text of simpleInputs) expect(parseSimpleFrontMatter(text), JSON.stringify(text)).toBeDefined();
    expect(
      parseSimpleFrontMatter(stringifyYaml({ title: 'Add login page', labels: ['feature', 'good first issue'] })),
    ).toStrictEqual({
      title: 'Add login page',
      labels: ['feature', 'good first issue'],
    });
  });

  it('gives the same result as YAML on the simple inputs', async () => {
    for (const text of simpleInputs) await expectSameAsYaml(text);
  });

  it("falls back to YAML for everything else, with YAML's result or error", async () => {
    for (const text of otherInputs) await expectSameAsYaml(text);
  });

  it('agrees with YAML on whatever lanes issue add writes for any title and labels', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 120 });
    await fc.assert(
      fc.asyncProperty(text, fc.array(text, { maxLength: 4 }), async (title, labels) => {
        const front: Record<string, unknown> = { title };
        if (labels.length > 0) front.labels = labels;
        await expectSameAsYaml(stringifyYaml(front).trimEnd());
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with YAML on lines built from the characters that matter to YAML', async () => {
    const char = fc.constantFrom(
      ...'ab1 0.:#-[],"\'~\\e+xo{}&*!|>%@`\t\u00e9\n'.split(''),
      '\r\n',
      'true',
      'null',
      ': ',
      ' #',
      '  - ',
    );
    const value = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''));
    const line = fc
      .tuple(fc.constantFrom('title', 'labels', 'state', 'x_y-z', 'true'), value)
      .map(([k, v]) => `${k}:${v}`);
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 4 }), async (lines) => {
        await expectSameAsYaml(lines.join('\n'));
      }),
      { numRuns: 2000 },
    );
  });
});
