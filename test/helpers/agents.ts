/**
 * For e2e tests that run real agent CLIs through the built `lanes`: a repository configured for
 * them, a fake model server (in this process, so lanes must be started with `lanesAsync`, never
 * the blocking `lanes`), a router that gives each lane its own script, and cleanup that leaves
 * no agent, supervisor or tmux server behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startFakeModelServer, type FakeModelServer, type FakeScript } from '../fakes/model-server/index.js';
import { StateStore, type RunRecord } from '../../src/infra/store.js';
import { addIssue, lanesAsync, makeRepo, ROOT, type TempRepo } from './repo.js';

export const AGENTS_BIN = join(ROOT, 'test', 'agents', 'node_modules', '.bin');

export const COMMIT_SUBJECT = (lane: string) => `Add ${lane}.txt`;

/** Writes a file, renames it `<lane>.txt` (the worktree's name) and commits it, then says done. */
export function writeAndCommit(opts: { delayMs?: number } = {}): FakeScript {
  const delay = opts.delayMs ? { delayMs: opts.delayMs } : {};
  return {
    usage: { input: 1000, output: 200, cacheRead: 0, cacheWrite: 0 },
    turns: [
      {
        kind: 'write',
        path: 'work.txt',
        content: 'written by the scripted model\n',
        text: 'Writing work.txt.',
        ...delay,
      },
      {
        kind: 'shell',
        command: 'lane=$(basename "$PWD") && mv work.txt "$lane.txt" && git add -A && git commit -q -m "Add $lane.txt"',
        ...delay,
      },
      { kind: 'text', text: 'Committed the work.', ...delay },
    ],
  };
}

export interface ModelEndpoint {
  url: string;
  /** Every request that reached the scripted servers. */
  requests(): FakeModelServer['requests'];
  close(): Promise<void>;
}

/**
 * One URL for all lanes; a request whose conversation names a lane's worktree (`…/issue-2`) goes to
 * that lane's script, any other to `fallback`. The fake server itself is stateless per request,
 * so this is the only way one `lanes run` can give its lanes different fates.
 */
export async function startModelEndpoint(
  fallback: FakeScript,
  byLane: Record<string, FakeScript> = {},
  /** Checked before the lanes: a request whose body matches goes to that script (e.g. a retry's prompt). */
  byContent: { pattern: RegExp; script: FakeScript }[] = [],
): Promise<ModelEndpoint> {
  const base = await startFakeModelServer(fallback);
  const named = await Promise.all([
    ...byContent.map(async ({ pattern, script }) => [pattern, await startFakeModelServer(script)] as const),
    ...Object.entries(byLane).map(
      async ([lane, script]) => [new RegExp(`[\\\\/]${lane}(?![\\w-])`), await startFakeModelServer(script)] as const,
    ),
  ]);
  if (named.length === 0) return { url: base.url, requests: () => base.requests, close: base.close };
  const pick = (body: string) => named.find(([pattern]) => pattern.test(body))?.[1] ?? base;
  const open = new Set<IncomingMessage>();
  const router: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = pick(body.toString('utf8'));
      const out = httpRequest(
        `${target.url}${req.url ?? '/'}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target.url).host } },
        (up) => {
          open.add(up);
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('close', () => open.delete(up));
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  const port = (router.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [base, ...named.map(([, s]) => s)].flatMap((s) => s.requests),
    close: async () => {
      for (const up of open) up.destroy();
      router.closeAllConnections();
      await new Promise<void>((resolve) => router.close(() => resolve()));
      await Promise.all([base.close(), ...named.map(([, s]) => s.close())]);
    },
  };
}

export interface AgentRepo extends TempRepo {
  /** The environment lanes runs with: real CLIs on PATH, the fake endpoint, an isolated agent home, a private tmux. */
  agentEnv: Record<string, string>;
  run(args: string[], opts?: { env?: Record<string, string> }): ReturnType<typeof lanesAsync>;
  runs(): RunRecord[];
  /** Kills whatever agents, supervisors and tmux server the test left running, then removes the repo. */
  dispose(): Promise<void>;
}

export interface AgentRepoOptions {
  endpoint: ModelEndpoint;
  issues: number;
  config?: Record<string, unknown>;
  files?: Record<string, string>;
  issueBody?: (id: number) => string;
}

export function makeAgentRepo(opts: AgentRepoOptions): AgentRepo {
  const config = { agent: 'claude', phases: { implement: { model: 'claude-sonnet-4-5' } }, ...opts.config };
  const repo = makeRepo({ files: { 'lanes.config.json': `${JSON.stringify(config, null, 2)}\n`, ...opts.files } });
  for (let id = 1; id <= opts.issues; id++)
    addIssue(repo, id, `Issue number ${id}`, {}, opts.issueBody?.(id) ?? `Make lane ${id} write its file.\n`);
  repo.commitAll('issues');
  const agentHome = join(repo.parent, 'agent-home');
  const tmuxDir = join(repo.parent, 'tmux');
  mkdirSync(agentHome);
  mkdirSync(tmuxDir);
  const agentEnv: Record<string, string> = {
    PATH: `${AGENTS_BIN}:${repo.env.PATH}`,
    LANES_AGENT_BASE_URL: opts.endpoint.url,
    LANES_AGENT_HOME: agentHome,
    LANES_AGENT_MAX_RETRIES: '0',
    TMUX_TMPDIR: tmuxDir,
  };
  const storeOf = () => StateStore.open(repo.git('rev-parse', '--path-format=absolute', '--git-common-dir'));
  const runs = () => {
    const store = storeOf();
    try {
      return store.runsOf();
    } finally {
      store.close();
    }
  };
  return {
    ...repo,
    agentEnv,
    run: (args, o = {}) => lanesAsync(repo, args, { env: { ...agentEnv, ...o.env } }),
    runs,
    async dispose() {
      if (existsSync(join(repo.root, '.git', 'lanes'))) {
        for (const run of runs()) for (const pid of [run.agentPid, run.supervisorPid]) if (pid) killGroup(pid);
      }
      try {
        execFileSync('tmux', ['kill-server'], { env: { ...repo.env, TMUX_TMPDIR: tmuxDir }, stdio: 'ignore' });
      } catch {
        // No server was started.
      }
      repo.cleanup();
    },
  };
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is not running; it only waits for its parent to reap it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Model endpoints a test file starts, closed together after each test: `start` takes the arguments of
 * startModelEndpoint and remembers the endpoint; `closeAll` closes every one started since.
 */
export function endpointPool(): {
  start: (...args: Parameters<typeof startModelEndpoint>) => Promise<ModelEndpoint>;
  closeAll: () => Promise<void>;
} {
  const started: ModelEndpoint[] = [];
  return {
    async start(...args) {
      const endpoint = await startModelEndpoint(...args);
      started.push(endpoint);
      return endpoint;
    },
    closeAll: () => Promise.all(started.splice(0).map((e) => e.close())).then(() => undefined),
  };
}
