import { describe, expect, it } from 'vitest';
import { writeBackText } from './write-back.js';

describe('writeBackText', () => {
  it('says which lane and branch started work', () => {
    expect(writeBackText({ kind: 'start', lane: 'eng-42', branch: 'lanes/eng-42' })).toBe(
      'lanes started work on this issue in lane `eng-42` (branch `lanes/eng-42`).',
    );
  });

  it('links the pull request', () => {
    expect(writeBackText({ kind: 'pull-request', lane: 'issue-1', url: 'https://github.com/o/r/pull/9' })).toBe(
      'lanes opened a pull request for this issue from lane `issue-1`: https://github.com/o/r/pull/9',
    );
  });

  it('gives the verdict, with the summary when there is one', () => {
    expect(writeBackText({ kind: 'verdict', lane: 'issue-1', verdict: 'approved' })).toBe(
      'lanes review of lane `issue-1`: **approved**',
    );
    expect(
      writeBackText({ kind: 'verdict', lane: 'issue-1', verdict: 'changes requested', summary: '2 findings' }),
    ).toBe('lanes review of lane `issue-1`: **changes requested**\n\n2 findings');
  });
});
