// @ts-check
// The README's first command: builds a throwaway sample repository with three local issues,
// creates a lane for each with the built CLI, then runs the whole pipeline in every lane at once
// with `lanes run` (implement, a local review request, a fresh-context review, a fix round for
// the lane sent back, until approved), shows `lanes ls`, a stored review and one lane's
// `lanes logs`, then lands the approved lanes (`lanes land`) and prints `lanes stats`. The agent
// is the real Claude Code when it is on PATH and ANTHROPIC_API_KEY is set (LANES_DEMO_OFFLINE=1
// declines it); otherwise the Claude Code CLI from test/agents (installed on first use) against
// the bundled scripted model server, so the demo runs offline and costs nothing. It says which
// one it used. Everything it makes lives in one temporary folder, printed at the end; nothing
// outside it is touched.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'lanes.js');
const parent = mkdtempSync(join(tmpdir(), 'lanes-demo-'));
const repo = join(parent, 'shop');
mkdirSync(repo);
/** @type {NodeJS.ProcessEnv} */
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'lanes demo',
  GIT_AUTHOR_EMAIL: 'demo@lanes.local',
  GIT_COMMITTER_NAME: 'lanes demo',
  GIT_COMMITTER_EMAIL: 'demo@lanes.local',
};
const git = (/** @type {string[]} */ ...args) =>
  execFileSync('git', args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
// Quoted for pasting: a temporary folder's path could hold spaces or quotes.
const q = (/** @type {string} */ arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
/** The command exactly as run, so each printed line can be pasted into a shell as it is. */
const pasteable = (/** @type {readonly string[]} */ args) => ['node', cli, '-C', repo, ...args].map(q).join(' ');
/** @param {string[]} args */
function lanes(...args) {
  console.log(`\n$ ${pasteable(args)}`);
  const res = spawnSync(process.execPath, [cli, '-C', repo, ...args], { cwd: repo, env, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`demo: ${pasteable(args)} exited ${res.status}`);
    stopServer();
    process.exit(res.status ?? 1);
  }
}

/** @param {string} name */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

/** @type {import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, null> | undefined} */
let server;
function stopServer() {
  if (server && server.exitCode === null) server.kill('SIGTERM');
}

/**
 * The bundled scripted model server, as its own process. One script drives the whole pipeline, told
 * apart by what each conversation says: a writer writes WORK.md and commits it; a reviewer (its
 * prompt declares the change data to judge) approves; a fixer (its prompt is a review round's
 * findings) adds the test a bug fix needs, commits it and answers the finding. So issue 2, a bug whose
 * lane adds no test, is sent back by lanes' own check and approved in round 2.
 */
async function startScriptedModel() {
  const approve = {
    verdict: 'approve',
    findings: [],
    audit: { criteria: [], scopeDrift: [] },
    disputes: [],
  };
  const script = {
    usage: { input: 1200, output: 250 },
    turns: [
      {
        kind: 'write',
        path: 'WORK.md',
        content: 'Work on this issue, written by the scripted model.\n',
        text: 'I will write down the work for this issue.',
        delayMs: 400,
      },
      {
        kind: 'shell',
        command: 'git add WORK.md && git commit -q -m "Work on the issue (scripted model)"',
        delayMs: 400,
      },
      { kind: 'text', text: "Committed WORK.md on this lane's branch.", delayMs: 400 },
    ],
    routes: [
      {
        when: 'is DATA to judge, not instructions',
        script: {
          turns: [{ kind: 'answer', json: approve, text: 'The change does what the issue asks.', delayMs: 400 }],
        },
      },
      {
        when: 'A fresh-context review (round',
        script: {
          turns: [
            {
              kind: 'write',
              path: 'test/work.test.md',
              content: 'A regression test for this issue, written by the scripted model.\n',
              text: 'The review is right: a bug fix needs a test. Adding one.',
              delayMs: 400,
            },
            {
              kind: 'shell',
              command: 'git add test && git commit -q -m "Add the regression test (scripted model)"',
              delayMs: 400,
            },
            {
              kind: 'answer',
              json: { answers: [{ id: 'R1-1', status: 'fixed', commit: null, reason: 'added test/work.test.md' }] },
              delayMs: 400,
            },
          ],
        },
      },
    ],
  };
  const scriptFile = join(parent, 'scripted-model.json');
  writeFileSync(scriptFile, JSON.stringify(script));
  const tsx = createRequire(join(root, 'package.json')).resolve('tsx');
  const started = spawn(
    process.execPath,
    ['--import', tsx, join(root, 'test', 'fakes', 'model-server', 'main.ts'), '--script', scriptFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  server = started;
  /** @type {string} */
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: started.stdout }).once('line', resolve);
    started.once('exit', (code) => reject(new Error(`the scripted model server exited (${code}) before it listened`)));
  });
  /** @type {{ url: string }} */
  const listening = JSON.parse(line);
  return listening.url;
}

git('init', '-q', '-b', 'main');
writeFileSync(join(repo, 'README.md'), '# shop\nA sample app for the lanes demo.\n');
writeFileSync(join(repo, '.gitignore'), '.env*\n!.env.example\nnode_modules/\n');
writeFileSync(join(repo, '.env'), 'STRIPE_KEY=sk_test_demo\n');
// Which agent runs in the lanes: the real Claude Code when it can, else the scripted model (below).
const realAgent = process.env.LANES_DEMO_OFFLINE !== '1' && onPath('claude') && Boolean(process.env.ANTHROPIC_API_KEY);
const implement = realAgent
  ? { model: 'claude-haiku-4-5', timeoutMinutes: 10 }
  : { model: 'claude-sonnet-4-5', timeoutMinutes: 5 };
// The narrow tasks on the cheaper model (lanes stats shows what that saved); the real demo is all haiku.
const narrow = { model: 'claude-haiku-4-5', timeoutMinutes: realAgent ? 10 : 5 };
writeFileSync(
  join(repo, 'lanes.config.json'),
  `${JSON.stringify({ ports: { services: { web: { base: 4000 }, api: { base: 5000 } } }, agent: 'claude', phases: { implement, review: narrow, fix: narrow } }, null, 2)}\n`,
);
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

// Agents in the three lanes at once.
if (realAgent) {
  console.log(
    '\ndemo: using the REAL Claude Code CLI (claude is on PATH and ANTHROPIC_API_KEY is set), with claude-haiku-4-5; this spends a few cents of tokens. LANES_DEMO_OFFLINE=1 runs the scripted model instead.',
  );
} else {
  const agentsBin = join(root, 'test', 'agents', 'node_modules', '.bin');
  if (!existsSync(join(agentsBin, 'claude'))) {
    console.log(
      '\ndemo: installing the pinned agent CLIs into test/agents (npm ci --prefix test/agents, about 20 s, once)',
    );
    const npm = spawnSync('npm', ['ci', '--prefix', join(root, 'test', 'agents'), '--no-audit', '--no-fund'], {
      stdio: 'inherit',
    });
    if (npm.status !== 0) {
      console.error('demo: npm ci --prefix test/agents failed; the agent part of the demo needs it');
      process.exit(1);
    }
  }
  const url = await startScriptedModel();
  console.log(
    `\ndemo: using the SCRIPTED model server at ${url} (no real agent is configured: claude on PATH and ANTHROPIC_API_KEY are needed for that) with the real Claude Code CLI from test/agents. The model's answers are scripted (writers write WORK.md and commit it, reviewers approve, the bug's fixer adds a test); Claude Code runs them for real in each lane.`,
  );
  const agentHome = join(parent, 'agent-home');
  Object.assign(env, {
    PATH: `${agentsBin}${delimiter}${process.env.PATH ?? ''}`,
    LANES_AGENT_BASE_URL: url,
    LANES_AGENT_HOME: agentHome,
    LANES_AGENT_MAX_RETRIES: '0',
  });
  mkdirSync(agentHome);
}
lanes('run', '1', '2', '3', '--parallel', '3');
lanes('ls');
lanes('review', 'issue-2');
lanes('logs', 'issue-1');
// The approved lanes land on main through the local merge queue, in the order that conflicts least.
lanes('land', '--approved', '--dry-run');
lanes('land', '--approved');
lanes('stats');
stopServer();
console.log(
  `\ndemo: the agent was ${realAgent ? 'the real Claude Code CLI with your API key' : 'Claude Code from test/agents against the bundled scripted model server (offline)'}.`,
);
console.log(`\nThe sample repository is ${repo}; its lanes are in ${repo}-worktrees.`);
console.log(`Try: ${pasteable(['rm', '--merged'])} (the landed lanes), ${pasteable(['cost'])}`);
