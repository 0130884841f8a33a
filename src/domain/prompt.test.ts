import { describe, expect, it } from 'vitest';
import type { Issue } from './issue.js';
import { buildPrompt, type PromptInput } from './prompt.js';
import type { Finding } from './review.js';

const issue: Issue = {
  id: '7',
  title: 'Parse dates',
  body: 'Dates must parse.',
  labels: [],
  state: 'open',
  acceptanceCriteria: [],
  source: 'local',
  url: '',
};
const lane: PromptInput['lane'] = {
  name: 'issue-7',
  branch: 'issue-7',
  base: 'main',
  baseCommit: 'a'.repeat(40),
  path: '/w/app-worktrees/issue-7',
  ports: {},
  envFile: '.env.lane',
};
const finding = (id: string, over: Partial<Finding> = {}): Finding => ({
  id,
  severity: 'major',
  category: 'bug',
  file: 'src/date.ts',
  line: 12,
  endLine: 14,
  message: 'Crashes on an empty string.\nSee the parser.',
  suggestion: 'Return null for "".',
  confidence: 0.8,
  reviewers: ['codex'],
  ...over,
});

describe('the fix prompt', () => {
  it('lists each finding with id, severity, category, place, message and suggestion, and asks for JSON answers', () => {
    const text = buildPrompt({
      phase: 'fix',
      issue,
      lane,
      rules: [],
      fix: {
        round: 2,
        findings: [
          finding('R2-1'),
          finding('R2-2', { severity: 'nit', category: 'style', file: null, line: null, suggestion: null }),
        ],
        upheld: [
          {
            finding: finding('R1-3', { message: 'No test for leap years.', category: 'missing-test' }),
            disputeReason: 'covered elsewhere',
            reviewerReason: 'no test touches leap years',
          },
        ],
      },
    });
    expect(text).toContain('# Issue 7: Parse dates');
    expect(text).toContain('review (round 2)');
    expect(text).toContain(
      '- **R2-1** [major, bug] src/date.ts:12-14\n  Crashes on an empty string.\n  See the parser.\n  Suggestion: Return null for "".',
    );
    expect(text).toContain('- **R2-2** [nit, style] (whole change)\n  Crashes');
    expect(text).toContain('### Disputes the reviewer upheld');
    expect(text).toContain(
      '- **R1-3** [major, missing-test] src/date.ts:12-14\n  No test for leap years.\n  Suggestion: Return null for "".\n  Your dispute: covered elsewhere\n  The reviewer upheld it: no test touches leap years',
    );
    for (const status of ['`fixed`', '`disputed`', '`deferred`']) expect(text).toContain(status);
    expect(text).toContain('committed the fix on the branch issue-7');
    expect(text).toContain('{"answers": [');
    // Nothing after the task: the JSON example closes it.
    expect(text.trimEnd().endsWith('```')).toBe(true);
  });

  it('without stored findings keeps the free-text fix task of lanes start --phase fix', () => {
    const text = buildPrompt({ phase: 'fix', issue, lane, rules: [], findings: 'the tests fail' });
    expect(text).toContain('### Findings\n\nthe tests fail');
    expect(text).not.toContain('"answers"');
  });
});
