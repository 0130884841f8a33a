import { describe, expect, it } from 'vitest';
import { healGroupsJson, healJsonSchema, healPrompt, parseHealAnswer } from './heal-prompt.js';
import type { HealGroup } from './heal-groups.js';

const group: HealGroup = {
  id: 'implementer-bug-1234abcd',
  direction: 'implementer',
  category: 'bug',
  lanes: ['issue-1', 'issue-2'],
  scope: ['src/**'],
  terms: ['empty', 'input'],
  findings: [
    {
      key: '1:R1-1',
      lane: 'issue-1',
      round: 1,
      id: 'R1-1',
      category: 'bug',
      severity: 'major',
      file: 'src/a.ts',
      line: 3,
      message: 'Crashes on empty input',
      direction: 'implementer',
      at: '2026-01-01T00:00:00.000Z',
    },
  ],
};

describe('the heal agent prompt and answer', () => {
  it('gives the groups and the current rules, and asks for JSON', () => {
    const prompt = healPrompt({ groupsJson: healGroupsJson([group]), rulesText: '# CLAUDE.md\n\nUse tabs.\n' });
    expect(prompt).toContain('"group": "implementer-bug-1234abcd"');
    expect(prompt).toContain('"message": "Crashes on empty input"');
    expect(prompt).toContain('Use tabs.');
    expect(healPrompt({ groupsJson: '[]', rulesText: '' })).toContain('(there are no rules files yet)');
    expect(JSON.parse(healJsonSchema())).toMatchObject({ type: 'object', required: ['rules'] });
  });

  it('accepts a rules answer, also inside prose, and names what is wrong with a bad one', () => {
    const good = { rules: [{ group: 'g', text: 'Check empty input first.', scope: [] }] };
    expect(parseHealAnswer(`Here:\n${JSON.stringify(good)}`)).toEqual({ ok: true, value: good });
    const bad = parseHealAnswer(JSON.stringify({ rules: [{ group: 'g', scope: [] }] }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain('text');
    expect(parseHealAnswer('no json here').ok).toBe(false);
  });
});
