/**
 * Generated hostile issue titles through the built CLI: `lanes issue add`, `lanes issues`,
 * `lanes new --no-agent`, `lanes ls`. Whatever the title holds (`../`, quotes, `$()`, backticks,
 * newlines, ESC/CSI/OSC sequences, bidi controls, lone surrogates, 300+ characters, emoji), every
 * command exits 0, nothing printed carries a control character, the branch is a valid ref and the
 * worktree sits in the worktrees folder. A modest number of runs in `npm test`; LANES_FUZZ_RUNS
 * asks for more.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleControls } from '../../src/domain/terminal-text.js';
import { CLI, addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

const RUNS = Number(process.env.LANES_FUZZ_RUNS ?? 15);
/** Control characters but newline (which a multi-line message keeps) and tab; DEL, C1 and bidi controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '../',
      '../../etc/passwd',
      '"',
      "'",
      '$(touch pwned)',
      '`id`',
      '\n',
      '\r\n',
      '\r',
      '\t',
      '\x1b[2J',
      '\x1b[31m',
      '\x1b]0;pwned\x07',
      '\x1b]8;;https://evil.example\x1b\\',
      '\x9b2J',
      '\x1bc',
      '\u202e',
      '\u2066',
      '\ud800',
      '\udc00',
      '🎉',
      '👩‍👩‍👧',
      '日本語',
      'x'.repeat(310),
      '.lock',
      '@{-1}',
      '--',
      '-rf',
      '~',
      '^',
      ':',
      '?*[',
      '\\',
      '---',
    ),
  },
);
const hostileTitle = fc
  .array(piece, { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join('').replace(/\0/g, ''))
  // An empty title is refused by design (exit 2); argv cannot hold NUL.
  .filter((title) => title.trim() !== '');

let repo: TempRepo;
beforeAll(() => {
  repo = makeRepo({
    files: { 'lanes.config.json': JSON.stringify({ templates: { lane: '{ref}-{slug}', branch: 'lanes/{lane}' } }) },
  });
});
afterAll(() => repo?.cleanup());

function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function printed(res: { stdout: string; stderr: string }): string {
  return res.stdout + res.stderr;
}

describe('hostile issue titles through the CLI', () => {
  it(
    `stay printable and produce safe branches and paths (${RUNS} generated titles)`,
    () => {
      const worktrees = join(repo.parent, 'app-worktrees');
      fc.assert(
        fc.property(hostileTitle, (title) => {
          // `--` ends the options: a title may start with `-`.
          const added = lanes(repo, ['issue', 'add', `--label=${title.slice(0, 40)}`, '--json', '--', title]);
          expect(added.code, added.stderr).toBe(0);
          expect(added.stderr).not.toMatch(CONTROL);
          const issue = json<{ id: string; title: string }>(added);
          // The text is kept as given (argv carries UTF-8, so a lone surrogate arrives as U+FFFD).
          expect(issue.title.trim()).toBe(wellFormed(title).trim());

          const listed = lanes(repo, ['issues']);
          expect(listed.code, listed.stderr).toBe(0);
          expect(printed(listed)).not.toMatch(CONTROL);

          const made = lanes(repo, ['new', issue.id, '--no-agent']);
          expect(made.code, made.stderr).toBe(0);
          expect(printed(made)).not.toMatch(CONTROL);

          const ls = lanes(repo, ['ls']);
          expect(ls.code, ls.stderr).toBe(0);
          expect(printed(ls)).not.toMatch(CONTROL);

          const lane = json<{ name: string; branch: string; path: string; issue: { id: string } }[]>(
            lanes(repo, ['ls', '--json']),
          ).find((l) => l.issue.id === issue.id);
          expect(lane).toBeDefined();
          const refCheck = spawnSync('git', ['check-ref-format', `refs/heads/${lane!.branch}`], {
            cwd: repo.root,
            env: repo.env,
          });
          expect(refCheck.status, lane!.branch).toBe(0);
          expect(repo.git('rev-parse', '--verify', '--quiet', `refs/heads/${lane!.branch}`)).toMatch(/^[0-9a-f]{40}$/);
          expect(dirname(lane!.path)).toBe(worktrees);
          expect(realpathSync(lane!.path)).toBe(join(realpathSync(worktrees), lane!.name));
        }),
        { numRuns: RUNS, seed: process.env.LANES_FUZZ_SEED ? Number(process.env.LANES_FUZZ_SEED) : undefined },
      );
    },
    60_000 + RUNS * 8_000,
  );
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** A repository with issue 1 whose hooks.postCreate is, in turn, each generated hostile command. */
function withHostileHooks(runs: number, check: (repo: TempRepo, command: string) => void): void {
  const hookRepo = makeRepo();
  addIssue(hookRepo, 1, 'x');
  hookRepo.commitAll('issue');
  try {
    fc.assert(
      fc.property(hostileTitle, (command) => {
        hookRepo.write('lanes.config.json', JSON.stringify({ hooks: { postCreate: [command] } }));
        check(hookRepo, command);
      }),
      { numRuns: runs },
    );
  } finally {
    hookRepo.cleanup();
  }
}

describe('hostile hook commands in the approval prompt', () => {
  it(
    `are named with every control character visible, and refused without a terminal (${Math.ceil(RUNS / 2)} generated commands)`,
    () => {
      withHostileHooks(Math.ceil(RUNS / 2), (hookRepo, command) => {
        const res = lanes(hookRepo, ['new', '1', '--no-agent']);
        expect(res.code, res.stderr).toBe(2);
        expect(printed(res)).not.toMatch(CONTROL);
        expect(res.stderr).toContain(
          `lanes: hooks.postCreate "${visibleControls(command).replace(/"/g, '\\"')}" is not approved yet`,
        );
        expect(hookRepo.git('branch', '--list', 'issue-1')).toBe('');
      });
    },
    60_000 + RUNS * 4_000,
  );

  it.skipIf(!hasScript)(
    'are shown escaped on a terminal, where refusing runs nothing',
    () => {
      withHostileHooks(Math.ceil(RUNS / 3), (hookRepo, command) => {
        const argv = [process.execPath, CLI, 'new', '1', '--no-agent']
          .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
          .join(' ');
        const res = spawnSync('script', ['-qec', argv, '/dev/null'], {
          cwd: hookRepo.root,
          env: { ...hookRepo.env, COLUMNS: '10000' },
          input: 'n\n',
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(res.status, res.stdout).toBe(2);
        expect(res.stdout).toContain(`lanes: hooks.postCreate wants to run: ${visibleControls(command)}`);
        expect(hookRepo.git('branch', '--list', 'issue-1')).toBe('');
      });
    },
    60_000 + RUNS * 4_000,
  );
});
