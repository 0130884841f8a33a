import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { githubIssueNumber, parseIssueRef, repoFromRemoteUrl, trackerIssueKey } from './issue-ref.js';

describe('parseIssueRef', () => {
  it.each([
    ['123', { kind: 'number', number: 123 }],
    ['#123', { kind: 'number', number: 123 }],
    ['  #7 ', { kind: 'number', number: 7 }],
    ['007', { kind: 'number', number: 7 }],
    ['octo/app#12', { kind: 'github', owner: 'octo', repo: 'app', number: 12 }],
    ['my-org/my.repo_2#9', { kind: 'github', owner: 'my-org', repo: 'my.repo_2', number: 9 }],
    [
      'https://github.com/octo/app/issues/12',
      { kind: 'github', owner: 'octo', repo: 'app', number: 12, host: 'github.com' },
    ],
    [
      'https://github.com/octo/app/issues/12#issuecomment-1',
      { kind: 'github', owner: 'octo', repo: 'app', number: 12, host: 'github.com' },
    ],
    [
      'https://ghe.example.com/octo/app/issues/3?x=1',
      { kind: 'github', owner: 'octo', repo: 'app', number: 3, host: 'ghe.example.com' },
    ],
    ['ENG-42', { kind: 'key', key: 'ENG-42', prefix: 'ENG', number: 42 }],
    ['eng-042', { kind: 'key', key: 'ENG-42', prefix: 'ENG', number: 42 }],
    ['PROJ_X-1', { kind: 'key', key: 'PROJ_X-1', prefix: 'PROJ_X', number: 1 }],
    [
      'https://linear.app/acme/issue/ENG-42/fix-the-login',
      { kind: 'key', key: 'ENG-42', prefix: 'ENG', number: 42, host: 'linear.app', tracker: 'linear' },
    ],
    [
      'https://linear.app/acme/issue/ENG-42',
      { kind: 'key', key: 'ENG-42', prefix: 'ENG', number: 42, host: 'linear.app', tracker: 'linear' },
    ],
    [
      'https://acme.atlassian.net/browse/PROJ-7',
      { kind: 'key', key: 'PROJ-7', prefix: 'PROJ', number: 7, host: 'acme.atlassian.net', tracker: 'jira' },
    ],
    [
      'https://jira.corp.example/jira/browse/OPS-12',
      { kind: 'key', key: 'OPS-12', prefix: 'OPS', number: 12, host: 'jira.corp.example', tracker: 'jira' },
    ],
    [
      'https://acme.atlassian.net/jira/software/projects/PROJ/boards/1?selectedIssue=PROJ-9',
      { kind: 'key', key: 'PROJ-9', prefix: 'PROJ', number: 9, host: 'acme.atlassian.net', tracker: 'jira' },
    ],
  ])('parses %s', (input, expected) => {
    expect(parseIssueRef(input)).toEqual(expected);
  });

  it.each([
    '',
    'abc',
    '#',
    '12a',
    '-1',
    'ENG-',
    '-42',
    'ENG 42',
    'a/b#',
    '../x',
    'ENG-42; rm -rf /',
    'ftp://github.com/a/b/issues/1',
    'https://example.com/',
    'https://github.com/octo/app',
    'https://github.com/octo/app/issues/abc',
    'https://linear.app/acme/project/x',
    '1234567890123',
  ])('rejects %j with an InputError that lists what is accepted', (input) => {
    expect(() => parseIssueRef(input)).toThrow(InputError);
    try {
      parseIssueRef(input);
    } catch (err) {
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses a pull request URL and says why', () => {
    expect(() => parseIssueRef('https://github.com/octo/app/pull/5')).toThrow(/pull request/);
  });

  it('lists the accepted forms in the message', () => {
    expect(() => parseIssueRef('nope')).toThrow(/123, #123, owner\/repo#123, a GitHub issue URL, ENG-42/);
  });
});

describe('githubIssueNumber', () => {
  const target = { owner: 'Octo', repo: 'App', webHost: 'github.com' };

  it.each([
    ['12', 12],
    ['#12', 12],
    ['octo/app#12', 12],
    ['OCTO/APP#12', 12],
    ['https://github.com/octo/app/issues/12', 12],
  ])('accepts %s in the configured repository', (input, n) => {
    expect(githubIssueNumber(input, target)).toBe(n);
  });

  it('refuses an issue of another repository', () => {
    expect(() => githubIssueNumber('other/app#12', target)).toThrow(
      /belongs to other\/app, not to the configured repository Octo\/App/,
    );
    expect(() => githubIssueNumber('https://github.com/octo/other/issues/1', target)).toThrow(InputError);
  });

  it('refuses the same repository name on another GitHub host', () => {
    expect(() => githubIssueNumber('https://ghe.example.com/octo/app/issues/1', target)).toThrow(
      /ghe\.example\.com\/octo\/app/,
    );
  });

  it('refuses a Linear or Jira key', () => {
    expect(() => githubIssueNumber('ENG-42', target)).toThrow(/GitHub, whose issues are numbers/);
  });
});

describe('trackerIssueKey', () => {
  it('gives a bare number the configured prefix', () => {
    expect(trackerIssueKey('42', { tracker: 'linear', prefix: 'eng' })).toBe('ENG-42');
    expect(trackerIssueKey('#42', { tracker: 'jira', prefix: 'PROJ' })).toBe('PROJ-42');
  });

  it('needs a prefix for a bare number', () => {
    expect(() => trackerIssueKey('42', { tracker: 'jira' })).toThrow(/issues\.project/);
  });

  it('accepts keys and URLs of the configured team or project', () => {
    expect(trackerIssueKey('eng-42', { tracker: 'linear', prefix: 'ENG' })).toBe('ENG-42');
    expect(trackerIssueKey('https://linear.app/acme/issue/ENG-42/x', { tracker: 'linear', prefix: 'ENG' })).toBe(
      'ENG-42',
    );
    expect(
      trackerIssueKey('https://acme.atlassian.net/browse/PROJ-7', {
        tracker: 'jira',
        prefix: 'PROJ',
        webHost: 'acme.atlassian.net',
      }),
    ).toBe('PROJ-7');
    expect(trackerIssueKey('OPS-1', { tracker: 'jira' })).toBe('OPS-1');
  });

  it('refuses another team, project, tracker or host', () => {
    expect(() => trackerIssueKey('OPS-1', { tracker: 'linear', prefix: 'ENG' })).toThrow(
      /Linear team OPS, not to the configured team ENG/,
    );
    expect(() => trackerIssueKey('OPS-1', { tracker: 'jira', prefix: 'PROJ' })).toThrow(
      /Jira project OPS, not to the configured project PROJ/,
    );
    expect(() => trackerIssueKey('https://linear.app/a/issue/ENG-1', { tracker: 'jira', prefix: 'ENG' })).toThrow(
      /Linear URL/,
    );
    expect(() =>
      trackerIssueKey('https://other.atlassian.net/browse/PROJ-1', {
        tracker: 'jira',
        prefix: 'PROJ',
        webHost: 'acme.atlassian.net',
      }),
    ).toThrow(/other\.atlassian\.net/);
    expect(() => trackerIssueKey('octo/app#1', { tracker: 'linear', prefix: 'ENG' })).toThrow(/GitHub issue/);
  });
});

describe('repoFromRemoteUrl', () => {
  it.each([
    ['git@github.com:octo/app.git', 'octo/app'],
    ['git@github.com:octo/app', 'octo/app'],
    ['https://github.com/octo/app.git', 'octo/app'],
    ['https://github.com/octo/app/', 'octo/app'],
    ['ssh://git@ghe.example.com/octo/app.git', 'octo/app'],
    ['https://x-access-token:t@github.com/octo/my.app.git', 'octo/my.app'],
  ])('reads %s as %s', (url, repo) => {
    expect(repoFromRemoteUrl(url)).toBe(repo);
  });

  it.each(['', '/srv/git/app.git', 'file:///srv/octo/app', 'https://gitlab.com/group/sub/app.git'])(
    'finds no repository in %j',
    (url) => {
      expect(repoFromRemoteUrl(url)).toBeUndefined();
    },
  );
});
