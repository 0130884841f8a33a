// The rm-safety matrix, through the built CLI. Each row puts work in a lane in one of the ways that
// have lost it, then: `lanes rm` must refuse with exit 3 and leave everything in place (and a
// `lanes doctor --fix` after it must not lose it either); `lanes rm --force` must succeed and its
// backup must give back every commit and every byte of every file at risk.
//
// Restoring a backup follows its README: every *.bundle is fetched, every *.patch is applied to the
// lane's HEAD commit in a scratch worktree, and files/ is copied over it. Messages are not asserted
// where the contract does not fix them: the safety properties are (exit code, file bytes, commits).
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundlesIn,
  checkInvariants,
  cli,
  commitIn,
  COUNTS,
  gitIn,
  makeTrialRepo,
  prng,
  sleep,
  snapshot,
  startCli,
  TIMEOUT_MS,
  trialSeed,
  tryGit,
  type LaneJson,
  type TrialRepo,
} from './harness.js';

let repo: TrialRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A file at risk: its path in the worktree as raw bytes (names need not be UTF-8) and its content. */
interface FileAtRisk {
  path: Buffer;
  bytes: Buffer;
}

interface AtRisk {
  /** Where the lane's worktree really is now. */
  dir: string;
  /** The commit its HEAD is on (the patch applies there). */
  head: string;
  commits: string[];
  files: FileAtRisk[];
  /** A commit made inside a submodule of the lane, which no ref of the repository holds. */
  submoduleCommit?: string;
}

const file = (path: string | Buffer, bytes: string | Buffer): FileAtRisk => ({
  path: typeof path === 'string' ? Buffer.from(path) : path,
  bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
});

function writeAtRisk(dir: string, f: FileAtRisk): void {
  const slash = f.path.lastIndexOf('/');
  if (slash > 0) mkdirSync(Buffer.concat([Buffer.from(`${dir}/`), f.path.subarray(0, slash)]), { recursive: true });
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), f.path]), f.bytes);
}

function readAt(dir: string, path: Buffer): Buffer | undefined {
  const full = Buffer.concat([Buffer.from(`${dir}/`), path]);
  return existsSync(full) ? readFileSync(full) : undefined;
}

function reachable(r: TrialRepo, commit: string): boolean {
  if (!tryGit(r, r.root, ['cat-file', '-e', `${commit}^{commit}`]).ok) return false;
  const tips = gitIn(r, r.root, ['for-each-ref', '--format=%(objectname)']).split('\n').filter(Boolean);
  const heads = gitIn(r, r.root, ['worktree', 'list', '--porcelain'])
    .split('\n')
    .filter((l) => l.startsWith('HEAD '))
    .map((l) => l.slice(5))
    .filter((h) => !/^0+$/.test(h));
  return gitIn(r, r.root, ['rev-list', '--stdin'], `${[...tips, ...heads].join('\n')}\n`)
    .split('\n')
    .includes(commit);
}

async function laneOf(r: TrialRepo, name: string): Promise<LaneJson | undefined> {
  const res = await cli(r, ['ls', '--json']);
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as LaneJson[]).find((l) => l.name === name);
}

/** Asserts that nothing at risk moved: the lane is listed, its files hold the same bytes, its commits are reachable. */
async function expectAllInPlace(r: TrialRepo, risk: AtRisk, when: string): Promise<void> {
  expect(await laneOf(r, 'issue-1'), `${when}: lane issue-1 is still listed`).toBeDefined();
  for (const f of risk.files)
    expect(readAt(risk.dir, f.path), `${when}: ${f.path.toString('latin1')} holds its bytes`).toEqual(f.bytes);
  for (const c of risk.commits) expect(reachable(r, c), `${when}: commit ${c.slice(0, 12)} is reachable`).toBe(true);
}

/** Restores a backup into a scratch worktree as its README says; returns that worktree. */
function restore(r: TrialRepo, backup: string, head: string): string {
  // A submodule's bundle belongs in a clone of that submodule (it builds on its remote's commits);
  // the submodule row checks it there.
  bundlesIn(backup)
    .filter((b) => !basename(b).startsWith('submodule-'))
    .forEach((bundle, i) => {
      const heads = gitIn(r, r.root, ['bundle', 'list-heads', bundle]).split('\n').filter(Boolean);
      heads.forEach((line, j) =>
        gitIn(r, r.root, [
          'fetch',
          '-q',
          '--no-recurse-submodules',
          bundle,
          `+${line.split(' ')[1]}:refs/restored/${i}/${j}`,
        ]),
      );
    });
  const scratch = join(r.parent, `restored-${Date.now()}`);
  gitIn(r, r.root, ['worktree', 'add', '-q', '--detach', scratch, head]);
  for (const name of readdirSync(backup)) {
    const p = join(backup, name);
    if (name.endsWith('.patch') && statSync(p).size > 0) gitIn(r, scratch, ['apply', '--binary', p]);
  }
  if (existsSync(join(backup, 'files'))) copyTreeBytes(Buffer.from(join(backup, 'files')), Buffer.from(scratch));
  return scratch;
}

/** Copies a tree by raw byte names (cpSync takes only string paths, which lose non-UTF-8 names). */
function copyTreeBytes(from: Buffer, to: Buffer): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from, { encoding: 'buffer' })) {
    const src = Buffer.concat([from, Buffer.from('/'), name]);
    const dst = Buffer.concat([to, Buffer.from('/'), name]);
    const st = lstatSync(src);
    if (st.isDirectory()) copyTreeBytes(src, dst);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else writeFileSync(dst, readFileSync(src));
  }
}

interface Row {
  name: string;
  config?: Record<string, unknown>;
  gitignore?: string;
  /** Before `lanes new`. */
  before?(r: TrialRepo): void;
  /** After `lanes new`: puts work at risk in the lane. */
  setup(r: TrialRepo, lane: LaneJson): AtRisk;
  /** Extra check that the work is still there (after the refused rm) or kept (after --force). */
  verify?(r: TrialRepo, risk: AtRisk, phase: 'refused' | 'forced', backup?: string): void;
}

/** Uncommitted work only (an edit and an untracked file): what the worktree checks alone protect. */
function dirty(r: TrialRepo, dir: string): AtRisk {
  const files = [file('README.md', '# app\nuncommitted edit\n'), file('notes.txt', 'untracked notes\n')];
  for (const f of files) writeAtRisk(dir, f);
  return { dir, head: gitIn(r, dir, ['rev-parse', 'HEAD']), commits: [], files };
}

const IGNORE_WITH_SCRATCH = '.env*\n!.env.example\nnode_modules/\ndist/\ndata/\nscratch/\n';

const rows: Row[] = [
  {
    // The control row: work rm has always seen. It shows the harness's restore works on today's backups.
    name: 'a commit, an uncommitted edit and an untracked file (control)',
    setup(r, lane) {
      const c = commitIn(r, lane.path, 'feature.txt', 'committed work\n');
      return { ...dirty(r, lane.path), head: c, commits: [c] };
    },
  },
  {
    name: 'commits on a detached HEAD in the lane',
    setup(r, lane) {
      gitIn(r, lane.path, ['checkout', '-q', '--detach']);
      const c = commitIn(r, lane.path, 'detached.txt', 'work on a detached HEAD\n');
      return { dir: lane.path, head: c, commits: [c], files: [] };
    },
  },
  {
    name: 'an uncommitted change with Latin-1 bytes',
    setup(r, lane) {
      const f = file('README.md', Buffer.from('# app\ncaf\xe9 cr\xe8me br\xfbl\xe9e\n', 'latin1'));
      writeAtRisk(lane.path, f);
      return { dir: lane.path, head: gitIn(r, lane.path, ['rev-parse', 'HEAD']), commits: [], files: [f] };
    },
  },
  {
    name: 'an untracked file whose name is not UTF-8',
    setup(r, lane) {
      const f = file(Buffer.from('r\xe9sum\xe9.txt', 'latin1'), 'my notes\n');
      writeAtRisk(lane.path, f);
      return { dir: lane.path, head: gitIn(r, lane.path, ['rev-parse', 'HEAD']), commits: [], files: [f] };
    },
  },
  {
    name: 'unpushed commits in a submodule of the lane',
    before(r) {
      const lib = join(r.parent, 'lib');
      mkdirSync(lib);
      gitIn(r, lib, ['init', '-q', '-b', 'main']);
      writeFileSync(join(lib, 'lib.txt'), 'lib\n');
      gitIn(r, lib, ['add', '-A']);
      gitIn(r, lib, ['commit', '-q', '-m', 'lib']);
      gitIn(r, r.root, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'lib']);
      gitIn(r, r.root, ['commit', '-q', '-m', 'add the lib submodule']);
    },
    setup(r, lane) {
      gitIn(r, lane.path, ['-c', 'protocol.file.allow=always', 'submodule', 'update', '-q', '--init']);
      const c = commitIn(r, join(lane.path, 'lib'), 'sub-work.txt', 'work inside the submodule\n');
      return {
        dir: lane.path,
        head: gitIn(r, lane.path, ['rev-parse', 'HEAD']),
        commits: [],
        files: [],
        submoduleCommit: c,
      };
    },
    verify(r, risk, phase, backup) {
      const c = risk.submoduleCommit!;
      if (phase === 'refused') {
        expect(
          tryGit(r, join(risk.dir, 'lib'), ['cat-file', '-e', `${c}^{commit}`]).ok,
          'the submodule commit is still in the lane',
        ).toBe(true);
        return;
      }
      // The backup must hold the submodule's commit: fetch every bundle into a clone of the submodule's origin.
      const clone = join(r.parent, 'lib-restore');
      gitIn(r, r.parent, ['clone', '-q', join(r.parent, 'lib'), clone]);
      for (const bundle of bundlesIn(backup!)) tryGit(r, clone, ['fetch', '-q', bundle, '+refs/*:refs/restored/*']);
      expect(
        tryGit(r, clone, ['cat-file', '-e', `${c}^{commit}`]).ok,
        'the submodule commit is in a backup bundle',
      ).toBe(true);
    },
  },
  {
    name: 'a symlinked worktrees folder',
    before(r) {
      mkdirSync(join(r.parent, 'real-worktrees'));
      symlinkSync(join(r.parent, 'real-worktrees'), r.worktrees);
    },
    setup: (r, lane) => dirty(r, lane.path),
  },
  ...[
    '{repoParent}/{repo}-worktrees/../{repo}-worktrees/{lane}',
    '{repoParent}//{repo}-worktrees//{lane}',
    '{repoParent}/{repo}-worktrees/{lane}/',
  ].map((template): Row => ({
    name: `templates.worktree ${JSON.stringify(template)}`,
    config: { templates: { worktree: template } },
    setup: (r, lane) => dirty(r, lane.path),
  })),
  {
    name: 'a lane worktree moved with git worktree move',
    setup(r, lane) {
      const moved = join(r.parent, 'moved-issue-1');
      gitIn(r, r.root, ['worktree', 'move', lane.path, moved]);
      return dirty(r, moved);
    },
  },
  {
    name: 'ignored files created in the lane (.env.production.local, notes in an ignored folder)',
    gitignore: IGNORE_WITH_SCRATCH,
    setup(r, lane) {
      const files = [file('.env.production.local', 'API_KEY=prod-secret\n'), file('scratch/notes.md', '# my notes\n')];
      for (const f of files) writeAtRisk(lane.path, f);
      return { dir: lane.path, head: gitIn(r, lane.path, ['rev-parse', 'HEAD']), commits: [], files };
    },
  },
  {
    name: 'a stale remote-tracking ref (the branch was deleted on the remote)',
    before(r) {
      const origin = join(r.parent, 'origin.git');
      gitIn(r, r.parent, ['init', '-q', '--bare', origin]);
      gitIn(r, r.root, ['remote', 'add', 'origin', origin]);
      gitIn(r, r.root, ['push', '-q', 'origin', 'main']);
    },
    setup(r, lane) {
      const c = commitIn(r, lane.path, 'feature.txt', 'pushed, then deleted on the remote\n');
      gitIn(r, lane.path, ['push', '-q', 'origin', 'issue-1']);
      gitIn(r, join(r.parent, 'origin.git'), ['update-ref', '-d', 'refs/heads/issue-1']);
      return { dir: lane.path, head: c, commits: [c], files: [] };
    },
    verify(r, risk, phase) {
      if (phase !== 'refused') return;
      // The next prune drops the stale ref: the commit must still be held by the lane's branch.
      gitIn(r, r.root, ['fetch', '-q', '--prune', 'origin']);
      for (const c of risk.commits) expect(reachable(r, c), 'the commit is reachable after fetch --prune').toBe(true);
    },
  },
  {
    name: 'a squash merge followed by more commits',
    setup(r, lane) {
      commitIn(r, lane.path, 'a.txt', 'a\n');
      gitIn(r, r.root, ['merge', '-q', '--squash', 'issue-1']);
      gitIn(r, r.root, ['commit', '-q', '-m', 'squashed issue-1']);
      const b = commitIn(r, lane.path, 'b.txt', 'after the squash\n');
      return { dir: lane.path, head: b, commits: [b], files: [] };
    },
  },
  {
    name: 'a branch renamed in the lane (git branch -m)',
    setup(r, lane) {
      gitIn(r, lane.path, ['branch', '-m', 'issue-1', 'feature-x']);
      const c = commitIn(r, lane.path, 'renamed.txt', 'work on the renamed branch\n');
      return { dir: lane.path, head: c, commits: [c], files: [] };
    },
  },
];

async function newLane(r: TrialRepo): Promise<LaneJson | 'refused-template'> {
  const res = await cli(r, ['new', '1', '--no-agent', '--yes']);
  // A template lanes decides to reject must be rejected cleanly: exit 2 naming the key, nothing made.
  if (res.code === 2 && res.stderr.includes('templates.worktree')) return 'refused-template';
  expect(res.code, res.stderr).toBe(0);
  return (await laneOf(r, 'issue-1'))!;
}

describe('lanes rm refuses (exit 3) and rm --force backs up byte-exact', () => {
  for (const row of rows) {
    it(`${row.name}: rm refuses and loses nothing; rm --force saves all of it`, async () => {
      repo = makeTrialRepo({ issues: 1, config: row.config, gitignore: row.gitignore });
      row.before?.(repo);
      const lane = await newLane(repo);
      if (lane === 'refused-template') {
        expect(readdirSync(repo.parent).filter((n) => n.includes('worktrees'))).toEqual([]);
        return;
      }
      const risk = row.setup(repo, lane);

      const rm = await cli(repo, ['rm', 'issue-1']);
      expect(rm.code, `lanes rm exit code (stderr: ${rm.stderr.trim()})`).toBe(3);
      await expectAllInPlace(repo, risk, 'after the refused rm');
      row.verify?.(repo, risk, 'refused');
      const fix = await cli(repo, ['doctor', '--fix', '--json']);
      expect([0, 1], fix.stderr).toContain(fix.code);
      await expectAllInPlace(repo, risk, 'after doctor --fix');

      const forced = await cli(repo, ['rm', '--force', 'issue-1', '--json']);
      expect(forced.code, forced.stderr).toBe(0);
      const backup = (JSON.parse(forced.stdout) as { backup?: string }[])[0]?.backup;
      expect(backup, 'rm --force names its backup').toBeTruthy();
      const restored = restore(repo, backup!, risk.head);
      for (const c of risk.commits)
        expect(reachable(repo, c), `commit ${c.slice(0, 12)} is kept or restored from the backup`).toBe(true);
      for (const f of risk.files)
        expect(readAt(restored, f.path), `${f.path.toString('latin1')} restored byte-exact`).toEqual(f.bytes);
      row.verify?.(repo, risk, 'forced', backup);
    });
  }

  it('disposable ignored files (node_modules, dist) do not stop the removal', async () => {
    repo = makeTrialRepo({ issues: 1 });
    const lane = (await newLane(repo)) as LaneJson;
    writeAtRisk(lane.path, file('node_modules/pkg/index.js', 'module.exports = 1;\n'));
    writeAtRisk(lane.path, file('dist/out.js', 'built\n'));
    const rm = await cli(repo, ['rm', 'issue-1']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(lane.path)).toBe(false);
  });

  it('stashes made in the lane survive rm and rm --force (kept, or in the backup)', async () => {
    repo = makeTrialRepo({ issues: 1 });
    const lane = (await newLane(repo)) as LaneJson;
    writeFileSync(join(lane.path, 'README.md'), '# app\nstashed edit\n');
    gitIn(repo, lane.path, ['stash', '-q']);
    writeFileSync(join(lane.path, 'notes.txt'), 'stashed untracked\n');
    gitIn(repo, lane.path, ['stash', '-q', '-u']);
    const stashes = [
      gitIn(repo, repo.root, ['rev-parse', 'stash@{0}']),
      gitIn(repo, repo.root, ['rev-parse', 'stash@{1}']),
    ];
    const rm = await cli(repo, ['rm', 'issue-1']);
    expect([0, 3], rm.stderr).toContain(rm.code);
    const kept = (backup?: string) => {
      const listed = gitIn(repo!, repo!.root, ['log', '-g', '--format=%H', 'refs/stash']).split('\n');
      if (backup)
        for (const bundle of bundlesIn(backup))
          tryGit(repo!, repo!.root, ['fetch', '-q', bundle, '+refs/*:refs/restored/*']);
      for (const s of stashes)
        expect(listed.includes(s) || reachable(repo!, s), `stash ${s.slice(0, 12)} is kept`).toBe(true);
    };
    kept();
    if (rm.code === 3) {
      const forced = await cli(repo, ['rm', '--force', 'issue-1', '--json']);
      expect(forced.code, forced.stderr).toBe(0);
      kept((JSON.parse(forced.stdout) as { backup?: string }[])[0]?.backup);
    }
    expect(gitIn(repo, repo.root, ['stash', 'show', '-p', 'stash@{1}'])).toContain('+stashed edit');
  });

  it('never deletes a branch checked out in the main worktree', async () => {
    repo = makeTrialRepo({ issues: 1 });
    const lane = (await newLane(repo)) as LaneJson;
    gitIn(repo, lane.path, ['checkout', '-q', '--detach']);
    gitIn(repo, repo.root, ['checkout', '-q', 'issue-1']);
    const head = gitIn(repo, repo.root, ['rev-parse', 'HEAD']);
    const branchStays = (when: string) => {
      expect(gitIn(repo!, repo!.root, ['branch', '--list', 'issue-1']), `${when}: branch issue-1 exists`).toContain(
        'issue-1',
      );
      expect(
        tryGit(repo!, repo!.root, ['rev-parse', '--verify', 'HEAD']).out,
        `${when}: the main worktree is not on an unborn branch`,
      ).toBe(head);
    };
    const rm = await cli(repo, ['rm', 'issue-1']);
    expect([0, 3], rm.stderr).toContain(rm.code);
    branchStays('after lanes rm');
    await cli(repo, ['doctor', '--fix', '--json']);
    branchStays('after doctor --fix');
    if (rm.code === 3) {
      expect((await cli(repo, ['rm', '--force', 'issue-1'])).code).toBe(0);
      branchStays('after lanes rm --force');
    }
  });
});

describe('races on one lane name leave a consistent repository (no repair needed)', () => {
  it(
    `lanes doctor --fix racing lanes new of a previously removed name (${COUNTS.races} trials)`,
    async () => {
      const failures: string[] = [];
      for (let i = 0; i < COUNTS.races; i++) {
        const seed = trialSeed('doctor-vs-new', i);
        const rng = prng(seed);
        const r = makeTrialRepo({ issues: 1, sqlite: rng() < 0.5 });
        try {
          expect((await cli(r, ['new', '1', '--no-agent'])).code).toBe(0);
          const rm1 = await cli(r, ['rm', 'issue-1']);
          expect(rm1.code, rm1.stderr).toBe(0);
          const before = snapshot(r);
          const created = startCli(r, ['new', '1', '--no-agent']);
          await sleep(Math.floor(rng() * 150));
          const fixed = await startCli(r, ['doctor', '--fix', '--json']).done;
          const made = await created.done;
          const v = await checkInvariants(r, before);
          if (made.code !== 0) v.push(`lanes new exited ${made.code}: ${made.stderr.trim()}`);
          try {
            JSON.parse(fixed.stdout);
          } catch {
            v.push(`doctor --fix --json printed no JSON: ${fixed.stderr.trim()}`);
          }
          if (v.length > 0) failures.push(`trial ${i} (seed ${seed}): ${v.join(' | ')}`);
        } finally {
          r.cleanup();
        }
      }
      console.log(
        `[reliability] doctor --fix vs new of a removed name: ${COUNTS.races} trials, ${failures.length} failed\n  ${failures.join('\n  ')}`,
      );
      expect(failures).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    `lanes rm X racing lanes new X (${COUNTS.races} trials)`,
    async () => {
      const failures: string[] = [];
      for (let i = 0; i < COUNTS.races; i++) {
        const seed = trialSeed('rm-vs-new', i);
        const rng = prng(seed);
        const r = makeTrialRepo({ issues: 1, sqlite: rng() < 0.5 });
        try {
          const before = snapshot(r);
          const created = startCli(r, ['new', '1', '--no-agent']);
          await sleep(Math.floor(rng() * 200));
          const removed = await startCli(r, ['rm', 'issue-1']).done;
          const made = await created.done;
          const v = await checkInvariants(r, before);
          for (const [what, res] of [
            ['new', made],
            ['rm', removed],
          ] as const)
            if (![0, 1, 2, 3].includes(res.code)) v.push(`lanes ${what} exited ${res.code}`);
          if (v.length > 0)
            failures.push(`trial ${i} (seed ${seed}; new ${made.code}, rm ${removed.code}): ${v.join(' | ')}`);
        } finally {
          r.cleanup();
        }
      }
      console.log(
        `[reliability] rm X vs new X: ${COUNTS.races} trials, ${failures.length} failed\n  ${failures.join('\n  ')}`,
      );
      expect(failures).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
