import { describe, expect, it } from 'vitest';
import {
  editSection,
  parseSection,
  sectionRuleIds,
  SECTION_END,
  SECTION_START,
  statesRule,
  type SectionRule,
} from './rules-section.js';

const rule = (id: string, text = `Rule ${id}.`): SectionRule => ({
  id,
  direction: 'implementer',
  text,
  scope: ['src/**'],
  citations: [{ lane: 'issue-1', round: 1, file: 'src/a.ts', line: 3, message: 'Crashes on "empty" input' }],
});

function ok(r: ReturnType<typeof editSection>): string {
  if (!r.ok) throw new Error(r.reason);
  return r.text;
}

describe('the rules section', () => {
  it('is made at the end of a file, keeping everything before it', () => {
    const text = ok(editSection('# Project rules\n\nUse tabs.\n', { add: [rule('H-1')] }));
    expect(text).toBe(
      [
        '# Project rules',
        '',
        'Use tabs.',
        '',
        SECTION_START,
        '## Rules learned from review findings (lanes heal)',
        '',
        '<!-- lanes:rule H-1 -->',
        '- **H-1** (for implementers; scope `src/**`): Rule H-1.',
        `  - from issue-1 round 1, src/a.ts:3: "Crashes on 'empty' input"`,
        SECTION_END,
        '',
      ].join('\n'),
    );
    expect(sectionRuleIds(text)).toEqual(['H-1']);
    // A new file holds only the section.
    expect(ok(editSection(undefined, { add: [rule('H-1')] })).startsWith(SECTION_START)).toBe(true);
  });

  it('adds on top of local edits inside and outside the section, and removes only the retired block', () => {
    const first = ok(editSection('Intro.\n', { add: [rule('H-1'), rule('H-2')] }));
    const edited = first
      .replace('Rule H-1.', 'Rule H-1, as the team reworded it.')
      .replace('## Rules learned', 'A note of ours.\n## Rules learned')
      .concat('Outro written later.\n');
    const next = ok(editSection(edited, { add: [rule('H-3'), rule('H-1', 'a different text')], remove: ['H-2'] }));
    expect(next).toContain('Rule H-1, as the team reworded it.');
    expect(next).not.toContain('a different text');
    expect(next).toContain('A note of ours.');
    expect(next).not.toContain('Rule H-2.');
    expect(next.endsWith('Outro written later.\n')).toBe(true);
    expect(next.startsWith('Intro.\n')).toBe(true);
    expect(sectionRuleIds(next)).toEqual(['H-1', 'H-3']);
  });

  it('keeps CRLF files in CRLF', () => {
    const text = ok(editSection('Intro.\r\n', { add: [rule('H-1')] }));
    expect(text.split('\r\n').length).toBeGreaterThan(5);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('refuses broken markers with the reason', () => {
    const twoStarts = `${SECTION_START}\n${SECTION_START}\n${SECTION_END}\n`;
    const r = editSection(twoStarts, { add: [rule('H-1')] });
    expect(r).toEqual({
      ok: false,
      reason: 'it has 2 start and 1 end markers of the lanes heal section (expected one of each)',
    });
    expect(parseSection(`${SECTION_END}\n${SECTION_START}\n`)).toEqual({
      ok: false,
      reason: 'the end marker of the lanes heal section comes before its start marker',
    });
    expect(editSection(`${SECTION_START}\nno end\n`, {}).ok).toBe(false);
  });

  it('knows a rule the text already states, whatever the case and punctuation', () => {
    expect(statesRule('- Always  validate INPUT, before parsing!', 'always validate input before parsing')).toBe(true);
    expect(statesRule('Always validate input.', 'Never trust input')).toBe(false);
  });
});

describe('a change with nothing to do', () => {
  it('leaves the file byte for byte, and makes no empty section', () => {
    const text = 'Intro.\n\n\n';
    expect(editSection(text, {})).toEqual({ ok: true, text });
    expect(editSection(text, { remove: ['H-9'] })).toEqual({ ok: true, text });
    expect(editSection(undefined, {})).toEqual({ ok: true, text: '' });
  });
});
