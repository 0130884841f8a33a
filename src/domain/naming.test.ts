import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { branchName, envValue, issueRefName, laneName, sanitizeLaneName, slugify, worktreePath } from './naming.js';

const repo = { root: '/work/app', name: 'app', parent: '/work' };
const hostileTitle = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    '../../etc/passwd',
    '"; rm -rf / #',
    '$(touch "$MARK")',
    '`id`',
    'a\nb\r\nc',
    '🎉🚀 emoji',
    'x'.repeat(300),
    '.lock',
    '-',
    '..',
    '@{-1}',
    'refs/heads/x',
    'a/../b',
  ),
);
const issueId = fc.oneof(
  fc.integer({ min: 1, max: 10 ** 9 }).map(String),
  fc.constantFrom('ENG-42', 'PROJ-7', 'abc-1'),
  fc.string({ maxLength: 40 }),
);
const templates = fc.constantFrom('{ref}', '{ref}-{slug}', '{slug}', 'lane-{id}-{slug}');

describe('names derived from issues', () => {
  it("gives the article's defaults: 123 → issue-123, ENG-42 → eng-42", () => {
    expect(laneName({ id: '123', title: 'Add login page' })).toBe('issue-123');
    expect(branchName('issue-123')).toBe('issue-123');
    expect(worktreePath('issue-123', repo)).toBe('/work/app-worktrees/issue-123');
    expect(issueRefName('ENG-42')).toBe('eng-42');
  });

  it('slugs titles to lower-case ASCII words', () => {
    expect(slugify('Add "login" page — café ../x')).toBe('add-login-page-cafe-x');
    expect(slugify('🎉')).toBe('');
  });

  it('keeps long names distinct with a hash suffix', () => {
    const a = sanitizeLaneName(`${'a'.repeat(80)}-1`);
    const b = sanitizeLaneName(`${'a'.repeat(80)}-2`);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });

  it('any title and id give a valid ref, a path inside the worktrees folder and a safe lane name', () => {
    const branches: string[] = [];
    fc.assert(
      fc.property(issueId, hostileTitle, templates, (id, title, laneTemplate) => {
        const lane = laneName(
          { id, title },
          { lane: laneTemplate, branch: '{lane}', worktree: '{repoParent}/{repo}-worktrees/{lane}' },
        );
        expect(lane).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
        expect(lane).not.toContain('..');
        expect(lane.endsWith('.lock')).toBe(false);
        expect(lane.length).toBeLessThanOrEqual(64);
        const path = worktreePath(lane, repo);
        const rel = relative('/work/app-worktrees', resolve(path));
        expect(rel).toBe(lane);
        branches.push(branchName(lane, 'lanes/{lane}'));
      }),
      { numRuns: 300 },
    );
    // git itself is the judge of a valid branch name.
    const sample = [...new Set(branches)].slice(0, 150);
    for (const branch of sample) {
      const res = spawnSync('git', ['check-ref-format', '--branch', branch], { encoding: 'utf8' });
      expect(res.status, `git rejects branch ${JSON.stringify(branch)}`).toBe(0);
    }
  });

  it('env values survive a shell sourcing the env file and never run anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanes-env-'));
    try {
      const values = fc.sample(hostileTitle, 200);
      const file = join(dir, 'env');
      writeFileSync(file, values.map((v, i) => `V${i}="${envValue(v)}"`).join('\n'));
      const marker = join(dir, 'ran');
      const script = `set -a; . "$1"; for i in $(seq 0 ${values.length - 1}); do eval "printf '%s\\0' \\"\\$V$i\\""; done`;
      const res = spawnSync('bash', ['-c', script, 'bash', file], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, MARK: marker },
      });
      expect(res.status).toBe(0);
      const read = res.stdout.split('\0').slice(0, values.length);
      values.forEach((v, i) => expect(read[i]).toBe(v.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ')));
      // A title that ran would have made the marker file (MARK is set for the shell).
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
