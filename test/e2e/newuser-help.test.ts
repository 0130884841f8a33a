/** Every command's --help has examples and its exit codes; lanes run's phases and options. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
beforeAll(() => {
  repo = makeRepo();
});
afterAll(() => repo.cleanup());

/** The command names `lanes --help` lists (so a new command cannot be forgotten here). */
function listedCommands(): string[] {
  const help = lanes(repo, ['--help']).stdout;
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('Examples:'));
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

describe('--help', () => {
  it('lists the commands of the contract', () => {
    expect(listedCommands()).toEqual(
      expect.arrayContaining([
        'init',
        'issues',
        'issue',
        'new',
        'ls',
        'port',
        'env',
        'cd',
        'diff',
        'start',
        'stop',
        'logs',
        'attach',
        'fix',
        'run',
        'heal',
        'rm',
        'doctor',
        'shell-init',
      ]),
    );
  });

  it('of lanes itself, and of every command and subcommand, has examples and exit codes', () => {
    const commands = [[], ...listedCommands().map((c) => [c]), ['issue', 'add']];
    for (const command of commands) {
      const res = lanes(repo, [...command, '--help']);
      expect(res.code, command.join(' ')).toBe(0);
      expect(res.stdout, command.join(' ')).toMatch(/\nExamples:\n {2}\$ .*lanes /);
      expect(res.stdout, command.join(' ')).toMatch(/\nExit codes:\n {4}0 {2}success\n/);
      expect(res.stdout, command.join(' ')).toContain('  2  bad input or usage');
    }
  });

  it('names exit 3 where work is protected (rm) and not where it cannot happen (ls)', () => {
    expect(lanes(repo, ['rm', '--help']).stdout).toContain('  3  refused to protect work');
    expect(lanes(repo, ['ls', '--help']).stdout).not.toContain('  3  refused');
  });

  it('offers the whole pipeline by default, and names the accepted phases for an unknown --until', () => {
    const help = lanes(repo, ['run', '--help']).stdout;
    for (const option of ['--max-rounds <n>', '--reviewer <agent>', '--adversarial', '(default: "approve")'])
      expect(help).toContain(option);
    const res = lanes(repo, ['run', '1', '--until', 'merge']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('lanes: --until "merge": unknown phase; accepted: implement, pr, review, approve\n');
    const rounds = lanes(repo, ['run', '1', '--max-rounds', '0']);
    expect(rounds.code).toBe(2);
    expect(rounds.stderr).toBe('lanes: --max-rounds "0": expected a whole number of at least 1\n');
  });
});
