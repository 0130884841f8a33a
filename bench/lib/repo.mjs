// @ts-check
// Generated repositories for the benchmarks: N tracked files written by one `git fast-import`
// (no per-file `git add`), then checked out with one `git reset --hard`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Git identity and a quiet, predictable environment for the benchmark's git commands. */
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'lanes bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'lanes bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

/**
 * The environment for the lanes commands of a benchmark working in `workDir`: GIT_ENV, and lanes'
 * machine-wide state (the port registry) in the work dir. Without it every run leaves its lanes'
 * port leases in the user's registry (the work dir goes, the leases stay), and the leases of
 * earlier runs change what port allocation in later runs has to step over.
 * @param {string} workDir
 * @returns {NodeJS.ProcessEnv}
 */
export function lanesEnv(workDir) {
  return { ...GIT_ENV, LANES_STATE_HOME: join(workDir, 'lanes-state') };
}

// Only for generating: glibc grows the heap in 128 KB brk steps by default, and on this VM (a
// Firecracker guest) each brk costs ~130 us, which made `git fast-import` of 20,000 blobs take
// ~37 s; a 512 MB top pad makes it well under a second. Never used for the measured commands.
const GEN_ENV = { ...GIT_ENV, MALLOC_TOP_PAD_: String(512 * 1024 * 1024) };

/**
 * @param {string} cwd
 * @param {readonly string[]} args
 * @param {Buffer} [input] written to git's stdin (stdout is then a Buffer, else a string)
 */
function git(cwd, args, input) {
  const res = spawnSync('git', args, {
    cwd,
    env: GEN_ENV,
    input,
    encoding: input === undefined ? 'utf8' : undefined,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${res.stderr}`);
  return res;
}

/**
 * The i-th file's path: packages/pkgNN/src/modNN/fileNNNN.ts, ~100 files a folder.
 * @param {number} i
 */
function filePath(i) {
  const pkg = Math.floor(i / 1000);
  const mod = Math.floor(i / 100) % 10;
  return `packages/pkg${String(pkg).padStart(2, '0')}/src/mod${mod}/file${String(i).padStart(5, '0')}.ts`;
}

/** @param {number} i */
function fileContent(i) {
  // 300 B to ~2.4 KB, distinct per file so every blob is its own object.
  const lines = [`// generated file ${i}`, `export const id${i} = ${i};`];
  for (let k = 0; k < 8 + (i % 64); k++)
    lines.push(`export function f${i}_${k}(x: number): number { return x * ${k} + ${i}; }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Creates a repository at `root` on branch main with `files` tracked files, a .gitignore that
 * ignores .env* (but not .env.example) and a gitignored .env in the main worktree (what lanes
 * copies into new lanes by default). Returns { root, files, ms }.
 * @param {string} root
 * @param {{ files?: number }} [options]
 * @returns {{ root: string, files: number, ms: number }}
 */
export function generateRepo(root, { files = 20_000 } = {}) {
  const start = process.hrtime.bigint();
  mkdirSync(root, { recursive: true });
  git(root, ['init', '-q', '-b', 'main']);
  /** @type {string[]} */
  const chunks = [];
  const msg = 'generated repository';
  chunks.push(
    `commit refs/heads/main\ncommitter lanes bench <bench@example.invalid> 1700000000 +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`,
  );
  /** @type {(path: string, content: string) => void} */
  const inline = (path, content) => {
    chunks.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  };
  inline('.gitignore', '.env*\n!.env.example\nnode_modules/\n');
  inline('README.md', `# generated\n\n${files} files for the lanes benchmarks.\n`);
  for (let i = 0; i < files - 2; i++) inline(filePath(i), fileContent(i));
  chunks.push('done\n');
  git(root, ['fast-import', '--quiet', '--done'], Buffer.from(chunks.join('')));
  git(root, ['reset', '-q', '--hard', 'main']);
  writeFileSync(join(root, '.env'), 'API_URL=http://localhost:3000\nSECRET=bench\n');
  return { root, files, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/**
 * Local issue files issues/<n>.md for lanes' local issue source (untracked, like a user's).
 * @param {string} root
 * @param {readonly string[]} ids
 */
export function writeIssues(root, ids) {
  mkdirSync(join(root, 'issues'), { recursive: true });
  for (const id of ids)
    writeFileSync(
      join(root, 'issues', `${id}.md`),
      `---\ntitle: Bench issue ${id}\n---\n\nGenerated for the lanes benchmarks.\n`,
    );
}

/**
 * Runs git in `cwd` (throws on failure) and returns its stdout.
 * @param {string} cwd
 * @param {readonly string[]} args
 * @returns {string}
 */
export function gitSync(cwd, args) {
  return String(git(cwd, args).stdout);
}
