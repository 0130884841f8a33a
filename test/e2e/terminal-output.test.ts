/**
 * Text from outside never drives the terminal: issue titles, labels and the errors that quote
 * them are printed without escape sequences or control characters, while --json keeps the text
 * exactly (JSON escapes what a terminal would act on).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const TITLE = 'Fix login\x1b]0;pwned\x07 \x1b[31mnow\x1b[0m\r\u202edone\x9b2J';
const LABEL = 'bug\x1b[2J';

describe('terminal output of text from outside', () => {
  it('lanes issues and lanes ls print titles and labels without control sequences; --json keeps them exactly', () => {
    repo = makeRepo();
    const added = lanes(repo, ['issue', 'add', TITLE, '--label', LABEL, '--label', 'plain']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).not.toMatch(CONTROL);
    expect(added.stderr).toContain('created issue 1: Fix login nowdone');

    const listed = lanes(repo, ['issues']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toMatch(CONTROL);
    expect(listed.stdout).toMatch(/^1 +open +Fix login nowdone +bug,plain$/m);

    const issues = json<{ title: string; labels: string[] }[]>(lanes(repo, ['issues', '--json']));
    expect(issues[0]?.title).toBe(TITLE);
    expect(issues[0]?.labels).toEqual([LABEL, 'plain']);
    expect(lanes(repo, ['issues', '--json']).stdout).not.toMatch(CONTROL);

    repo.commitAll('issue');
    const made = lanes(repo, ['new', '1', '--no-agent']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr + made.stdout).not.toMatch(CONTROL);
    const ls = lanes(repo, ['ls']);
    expect(ls.stdout).not.toMatch(CONTROL);
    expect(ls.stdout).toContain('1 Fix login nowdone');
    const lanesJson = json<{ issue: { title: string } }[]>(lanes(repo, ['ls', '--json']));
    expect(lanesJson[0]?.issue.title).toBe(TITLE);
  });

  it('an error that quotes an issue title prints it without control sequences', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'Closed \x1b[2J\x1b[Hfake prompt$ ', { state: 'closed' });
    repo.commitAll('issue');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).not.toMatch(CONTROL);
    expect(res.stderr).toContain('lanes: issue 1 (Closed fake prompt$ ) is closed');
  });
});
