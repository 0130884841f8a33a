// The README's first command: builds a throwaway sample repository with three local issues,
// creates a lane for each with the built CLI, and shows `lanes ls`. Everything it makes lives in
// one temporary folder, printed at the end; nothing outside it is touched.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'lanes.js');
const parent = mkdtempSync(join(tmpdir(), 'lanes-demo-'));
const repo = join(parent, 'shop');
mkdirSync(repo);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'lanes demo',
  GIT_AUTHOR_EMAIL: 'demo@lanes.local',
  GIT_COMMITTER_NAME: 'lanes demo',
  GIT_COMMITTER_EMAIL: 'demo@lanes.local',
};
const git = (...args) => execFileSync('git', args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
function lanes(...args) {
  console.log(`\n$ lanes ${args.join(' ')}`);
  const res = spawnSync(process.execPath, [cli, ...args], { cwd: repo, env, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`demo: lanes ${args.join(' ')} exited ${res.status}`);
    process.exit(res.status ?? 1);
  }
}

git('init', '-q', '-b', 'main');
writeFileSync(join(repo, 'README.md'), '# shop\nA sample app for the lanes demo.\n');
writeFileSync(join(repo, '.gitignore'), '.env*\n!.env.example\nnode_modules/\n');
writeFileSync(join(repo, '.env'), 'STRIPE_KEY=sk_test_demo\n');
writeFileSync(join(repo, 'lanes.config.json'), `${JSON.stringify({ ports: { services: { web: { base: 4000 }, api: { base: 5000 } } } }, null, 2)}\n`);
git('add', '-A');
git('commit', '-q', '-m', 'Sample app');

lanes('issue', 'add', 'Add a login page', '--label', 'feature');
lanes('issue', 'add', 'Fix the crash on an empty cart', '--label', 'bug');
lanes('issue', 'add', 'Refactor the price formatting', '--label', 'refactor');
git('add', '-A');
git('commit', '-q', '-m', 'Issues');
lanes('issues');
lanes('new', '1', '2', '3', '--no-agent');
lanes('ls');
lanes('env', 'issue-1');
lanes('doctor');
console.log(`\nThe sample repository is ${repo}; its lanes are in ${repo}-worktrees.`);
console.log(`Try: node ${cli} -C ${repo} rm issue-2`);
