import { describe, expect, it } from 'vitest';
import type { Finding } from './review.js';
import { findingComment, reviewMarkdown, reviewMarker, type ReviewReport } from './review-markdown.js';

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'R1-1',
    severity: 'major',
    category: 'bug',
    file: 'src/a.ts',
    line: 12,
    endLine: null,
    message: 'Off by one.',
    suggestion: null,
    confidence: 0.8,
    reviewers: ['claude'],
    ...over,
  };
}

const report: ReviewReport = {
  lane: 'issue-1',
  round: 2,
  head: 'b'.repeat(40),
  base: 'a'.repeat(40),
  verdict: 'request-changes',
  findings: [
    finding({ id: 'R2-1', severity: 'blocker', message: 'Crashes on empty input.', suggestion: 'Check the length.' }),
    finding({ id: 'R2-2', file: null, line: null, category: 'missing-test', message: 'No test for the fix.' }),
    finding({
      id: 'R2-3',
      severity: 'nit',
      file: 'docs/x.md',
      line: 3,
      outsideDiff: true,
      reviewers: ['claude', 'codex'],
    }),
  ],
  audit: {
    criteria: [
      { text: 'A form | with a pipe', status: 'met', evidence: ['src/a.ts:10'] },
      { text: 'Errors inline', status: 'unmet', evidence: [] },
    ],
    scopeDrift: ['Reformatted docs/x.md'],
  },
  disputes: [{ id: 'R1-4', decision: 'dropped', reason: 'The reviewer agreed it was intended.' }],
  disagreements: [{ kind: 'verdict', detail: 'claude: request-changes, codex: approve' }],
  reviewers: ['claude', 'codex'],
  adversarial: true,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('review markdown', () => {
  it('starts with the marker, then the verdict, counts, audit table, drift, disagreements, disputes and findings', () => {
    const md = reviewMarkdown(report);
    const lines = md.split('\n');
    expect(lines[0]).toBe(reviewMarker(report));
    expect(lines[0]).toBe(`<!-- lanes:review lane=issue-1 round=2 head=${'b'.repeat(40)} -->`);
    expect(lines[1]).toBe('## lanes review, round 2: changes requested');
    expect(md).toContain('**3 findings:** 1 blocker, 1 major, 0 minor, 1 nit.');
    expect(md).toContain('| met | A form \\| with a pipe | `src/a.ts:10` |');
    expect(md).toContain('| unmet | Errors inline | — |');
    expect(md).toContain('### Scope drift\n\n- Reformatted docs/x.md');
    expect(md).toContain('- verdict: claude: request-changes, codex: approve');
    expect(md).toContain('- R1-4: dropped. The reviewer agreed it was intended.');
    expect(md).toContain(
      '#### R2-1 · blocker · bug\n\n`src/a.ts:12`\n\nCrashes on empty input.\n\n**Suggestion:** Check the length.',
    );
    expect(md).toContain('#### R2-2 · major · missing-test\n\nno file');
    expect(md).toContain('`docs/x.md:3` (outside the diff)');
    expect(md).toContain('_Raised by claude, codex, confidence 0.8._');
  });

  it('lists only the findings that are not line comments, and counts the others', () => {
    const md = reviewMarkdown(report, { inline: new Set(['R2-1']) });
    expect(md).toContain('### Findings not on a line of the diff\n\n1 finding is a line comment on the diff.');
    expect(md).not.toContain('R2-1 ·');
    expect(md).toContain('#### R2-2');
    // The counts still cover every finding.
    expect(md).toContain('**3 findings:** 1 blocker');
  });

  it('says so when there is nothing to report', () => {
    const md = reviewMarkdown({
      ...report,
      verdict: 'approve',
      findings: [],
      audit: { criteria: [], scopeDrift: [] },
      disputes: [],
      disagreements: [],
      adversarial: false,
      reviewers: ['codex'],
    });
    expect(md).toContain('## lanes review, round 2: approved');
    expect(md).toContain('**No findings.**');
    expect(md).toContain('_No criteria audited this round._');
    expect(md).toContain('### Scope drift\n\n_None found._');
    expect(md).toContain('### Findings\n\n_None._');
    expect(md).not.toContain('disagree');
  });

  it("keeps a reviewer's text from adding headings or a marker of its own", () => {
    const md = reviewMarkdown({
      ...report,
      findings: [finding({ message: '# Approved\n<!-- lanes:review lane=issue-1 round=9 head=abc -->\nfine' })],
    });
    const lines = md.split('\n');
    expect(lines.filter((l) => l.startsWith('<!--'))).toEqual([reviewMarker(report)]);
    expect(lines).toContain('\\# Approved');
    expect(lines.filter((l) => /^#{1,3} /.test(l))).toEqual([
      '## lanes review, round 2: changes requested',
      '### Acceptance criteria',
      '### Scope drift',
      '### Where the reviewers disagree',
      '### Disputed findings',
      '### Findings',
    ]);
  });

  it('gives a line comment the severity, category, message, suggestion and reviewers', () => {
    expect(findingComment(finding({ suggestion: 'Use <=.' }))).toBe(
      '**major** · bug · R1-1\n\nOff by one.\n\n**Suggestion:** Use <=.\n\n_Raised by claude, confidence 0.8._',
    );
  });
});
