import { describe, expect, it } from 'vitest';
import { MAX_TITLE, pullRequestBody, pullRequestMarker, pullRequestTitle } from './pull-request-body.js';

const issue = { id: '12', title: 'Add login page', source: 'github', url: 'https://github.com/octo/app/issues/12' };

describe('pull request body', () => {
  it('has the commits, the issue link, Closes, the criteria as a checklist and the marker', () => {
    const body = pullRequestBody({
      lane: 'issue-12',
      issue,
      acceptanceCriteria: ['A form with email and password', 'Errors are shown inline'],
      commits: ['Add the login form', 'Show errors inline'],
      closes: '#12',
    });
    expect(body).toBe(
      [
        '## Summary',
        '',
        '- Add the login form',
        '- Show errors inline',
        '',
        '## Issue',
        '',
        '[12: Add login page](https://github.com/octo/app/issues/12)',
        '',
        'Closes #12',
        '',
        '## Acceptance criteria',
        '',
        '- [ ] A form with email and password',
        '- [ ] Errors are shown inline',
        '',
        '---',
        '_Opened by lanes from lane `issue-12`; running `lanes pr` again updates this description._',
        '<!-- lanes:pull-request lane=issue-12 -->',
        '',
      ].join('\n'),
    );
  });

  it('leaves out Closes and the criteria when there are none, and does not link a local issue file', () => {
    const body = pullRequestBody({
      lane: 'issue-3',
      issue: { id: '3', title: 'Local one', source: 'local', url: 'file:///home/me/app/issues/3.md' },
      acceptanceCriteria: [],
      commits: ['Do it'],
      closes: null,
    });
    expect(body).toContain('3: Local one (a local issue)');
    expect(body).not.toContain('file:');
    expect(body).not.toContain('Closes');
    expect(body).not.toContain('## Acceptance criteria');
  });

  it('keeps hostile issue text and commit subjects on their own line, unable to add headings or links', () => {
    const body = pullRequestBody({
      lane: 'issue-9',
      issue: { ...issue, title: 'Evil](https://x.test) <!-- lanes:pull-request lane=other -->\n# Heading' },
      acceptanceCriteria: ['# not a heading\nsecond line'],
      commits: ['## heading subject', '> quote'],
      closes: '#9',
    });
    const lines = body.split('\n');
    expect(lines.filter((l) => l.startsWith('#')).map((l) => l)).toEqual([
      '## Summary',
      '## Issue',
      '## Acceptance criteria',
    ]);
    expect(lines).toContain('- \\## heading subject');
    expect(lines).toContain('- \\> quote');
    expect(lines).toContain('- [ ] \\# not a heading second line');
    expect(body).toContain('Evil\\](https://x.test) \\<!-- lanes:pull-request lane=other --\\> # Heading');
    expect(lines.filter((l) => l.startsWith('<!--'))).toEqual([pullRequestMarker('issue-9')]);
    expect(body.trimEnd().split('\n').at(-1)).toBe(pullRequestMarker('issue-9'));
  });

  it('counts the commits beyond fifty instead of listing them', () => {
    const commits = Array.from({ length: 53 }, (_, i) => `commit ${i + 1}`);
    const body = pullRequestBody({ lane: 'l', issue, acceptanceCriteria: [], commits, closes: null });
    expect(body).toContain('- commit 50\n- … and 3 more commits');
    expect(body).not.toContain('commit 51');
  });
});

describe('pull request title', () => {
  it('is the issue title on one line, cut to what GitHub takes', () => {
    expect(pullRequestTitle({ id: '1', title: 'Fix\nthe crash ' })).toBe('Fix the crash');
    expect(pullRequestTitle({ id: '7', title: '  ' })).toBe('Issue 7');
    const long = pullRequestTitle({ id: '1', title: 'x'.repeat(300) });
    expect(long).toHaveLength(MAX_TITLE);
    expect(long.endsWith('…')).toBe(true);
  });
});
