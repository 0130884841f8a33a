import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../domain/agent-events.js';
import { failedCommit, isNoCommitWarning, noCommitWarning } from './commit-check.js';

const commit = (id: string): AgentEvent => ({
  type: 'tool-use',
  name: 'Bash',
  id,
  input: { command: 'git add -A && git commit -m "Add x"' },
});

describe('failedCommit', () => {
  it("gives git's fatal line of a failed commit call, matched by id", () => {
    const events: AgentEvent[] = [
      commit('a'),
      { type: 'tool-use', name: 'Bash', id: 'b', input: { command: 'ls' } },
      { type: 'tool-result', id: 'b', ok: false, output: 'ls: cannot access' },
      {
        type: 'tool-result',
        id: 'a',
        ok: false,
        output: 'Exit code 128\n*** Please tell me who you are.\nfatal: unable to auto-detect email address',
      },
    ];
    expect(failedCommit(events)).toBe('fatal: unable to auto-detect email address');
  });

  it('gives the last line when git prints no fatal line, and pairs results without ids by order', () => {
    const events: AgentEvent[] = [
      { type: 'tool-use', name: 'shell', input: ['git', 'commit', '-m', 'x'] },
      {
        type: 'tool-result',
        ok: false,
        output:
          'Exit code 1\nOn branch issue-1\nUntracked files:\n\twork.txt\n\nnothing added to commit but untracked files present (use "git add" to track)\n',
      },
    ];
    expect(failedCommit(events)).toBe('nothing added to commit but untracked files present (use "git add" to track)');
  });

  it('forgets a failure that a later commit call fixed, and ignores failures of other commands', () => {
    expect(
      failedCommit([
        commit('a'),
        { type: 'tool-result', id: 'a', ok: false, output: 'error: x' },
        commit('b'),
        { type: 'tool-result', id: 'b', ok: true, output: '' },
      ]),
    ).toBeUndefined();
    expect(
      failedCommit([
        { type: 'tool-use', name: 'Bash', id: 'c', input: { command: 'npm test' } },
        { type: 'tool-result', id: 'c', ok: false, output: 'failed' },
      ]),
    ).toBeUndefined();
  });
});

describe('noCommitWarning', () => {
  it('names the branch and the reason, and is recognised as the warning', () => {
    const withReason = noCommitWarning('issue-1', [
      commit('a'),
      { type: 'tool-result', id: 'a', ok: false, output: 'fatal: boom' },
    ]);
    expect(withReason).toBe('finished without a new commit on branch issue-1: git commit failed: fatal: boom');
    expect(noCommitWarning('issue-1', [])).toBe(
      'finished without a new commit on branch issue-1 (lanes diff shows what it left uncommitted)',
    );
    expect(isNoCommitWarning(withReason)).toBe(true);
    expect(isNoCommitWarning('the agent supervisor is gone')).toBe(false);
    expect(isNoCommitWarning(null)).toBe(false);
  });
});
