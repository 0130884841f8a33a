/**
 * The one context object the entry point builds and passes down: where the command runs, its
 * environment, its output, cancellation, and lazily opened repository, config and state. No
 * module below reads process.cwd() or process.env; they get them from here.
 */
import { InputError } from '../domain/errors.js';
import { forgeRemote } from '../domain/forge-remote.js';
import type { AgentAdapters } from '../contracts/agent-adapter.js';
import type { Adapters, Clock } from '../contracts/adapters.js';
import type { RemoteExecutors } from '../contracts/executor.js';
import type { DbBranches } from '../contracts/db-branches.js';
import type { Forge } from '../contracts/forge.js';
import type { IssueSource } from '../contracts/issue-source.js';
import type { Runners } from '../contracts/runner.js';
import type { Config } from '../infra/config-schema.js';
import type { RepoContext } from '../infra/git.js';
import type { PortRegistry } from '../infra/port-registry.js';
import type { StateStore } from '../infra/store.js';

export interface Io {
  /** Results: stdout. */
  out(text: string): void;
  /** Progress, warnings, hints: stderr. */
  err(text: string): void;
  /** Whether a person is watching stderr (progress lines, colour). */
  interactive: boolean;
  /** Asks a yes/no question on the terminal; undefined when nobody can answer (no TTY). */
  confirm(question: string): Promise<boolean | undefined>;
}

export interface Context {
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  io: Io;
  /** --yes: approve hooks and prompts for scripts. */
  yes: boolean;
  verbose: boolean;
  /** The installed lanes package's root (schema, version). */
  packageRoot: string;
  repo(): Promise<RepoContext>;
  config(): Promise<Config>;
  store(): Promise<StateStore>;
  /** The user's machine-wide port registry (in the state directory the environment names). */
  portRegistry(): Promise<PortRegistry>;
  /** The configured issue source, or the one a per-command `--source` names. */
  issueSource(override?: string): Promise<IssueSource>;
  /** The configured database branch provider; undefined for `database.provider: "none"`. */
  dbBranches(): Promise<DbBranches | undefined>;
  /** The agent adapters by name (loaded on first use). */
  agentAdapters(): Promise<AgentAdapters>;
  /** Where runners configured under `runners` run agents (Kubernetes, SSH), loaded on first use. */
  remoteExecutors(): Promise<RemoteExecutors>;
  /** Where pull requests go (config `forge`, a GitHub issue source, a github.com remote); undefined: local requests. */
  forge(): Promise<Forge | undefined>;
  /** Where agent runs' supervisors live: headless, tmux … by name. */
  runners: Runners;
  clock: Clock;
  /** Releases what was opened (the state database, the port registry). */
  close(): void;
}

export interface ContextOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  io: Io;
  yes?: boolean;
  verbose?: boolean;
  packageRoot: string;
  /** The implementations behind the contracts, chosen by the entry point (src/cli/compose.ts). */
  adapters: Adapters;
}

export function createContext(opts: ContextOptions): Context {
  let repo: Promise<RepoContext> | undefined;
  let config: Promise<Config> | undefined;
  let store: StateStore | undefined;
  let opening: Promise<StateStore> | undefined;
  let registry: PortRegistry | undefined;
  const sources = new Map<string, Promise<IssueSource>>();
  let dbBranches: Promise<DbBranches | undefined> | undefined;
  let forge: Promise<Forge | undefined> | undefined;
  const { adapters } = opts;
  const ctx: Context = {
    cwd: opts.cwd,
    env: opts.env,
    signal: opts.signal,
    io: opts.io,
    yes: opts.yes ?? false,
    verbose: opts.verbose ?? false,
    packageRoot: opts.packageRoot,
    runners: adapters.runners,
    clock: adapters.clock,
    repo() {
      repo ??= import('../infra/git.js').then((g) => g.loadRepoContext(opts.cwd, { signal: opts.signal }));
      return repo;
    },
    config() {
      // Paths from the config are checked against the repository once, before any command uses them.
      config ??= Promise.all([ctx.repo(), import('../infra/config-file.js'), import('./lane/config-paths.js')]).then(
        async ([r, c, p]) => p.requireConfigPaths(await c.loadConfigFile(r.mainRoot), r),
      );
      return config;
    },
    store() {
      // One opening shared by every caller, a failed one too: opening again would wait out the busy timeout again.
      opening ??= Promise.all([ctx.repo(), import('../infra/store.js')]).then(
        ([r, s]) => (store = s.StateStore.open(r.commonDir, { busyTimeoutMs: busyTimeoutFrom(opts.env) })),
      );
      return opening;
    },
    async portRegistry() {
      if (!registry) {
        const r = await import('../infra/port-registry.js');
        registry ??= r.PortRegistry.open(r.userStateDir(opts.env));
      }
      return registry;
    },
    issueSource(override?: string) {
      const key = override ?? '';
      let source = sources.get(key);
      if (!source) {
        source = Promise.all([ctx.repo(), ctx.config()]).then(([r, c]) =>
          adapters.issueSource({
            config: c.issues,
            override,
            repoRoot: r.mainRoot,
            env: opts.env,
            onWait: (m) => opts.io.err(`lanes: ${m}`),
          }),
        );
        sources.set(key, source);
      }
      return source;
    },
    dbBranches() {
      dbBranches ??= Promise.all([ctx.repo(), ctx.config()]).then(([r, c]) =>
        adapters.dbBranches({ config: c.database, repoRoot: r.mainRoot, env: opts.env }),
      );
      return dbBranches;
    },
    remoteExecutors: () => adapters.executors(),
    agentAdapters() {
      return adapters.agents();
    },
    forge() {
      forge ??= Promise.all([ctx.repo(), ctx.config(), import('../infra/git.js')]).then(async ([r, c, g]) => {
        const remote = forgeRemote(c.forge);
        const url = remote
          ? await g.git(r.mainRoot, ['remote', 'get-url', '--', remote], { check: false, signal: opts.signal })
          : undefined;
        return adapters.forge({
          config: c,
          repoRoot: r.mainRoot,
          remoteUrl: url?.exitCode === 0 ? url.stdout.trim() || undefined : undefined,
          env: opts.env,
          onWait: (m) => opts.io.err(`lanes: ${m}`),
        });
      });
      return forge;
    },
    close() {
      store?.close();
      store = undefined;
      opening = undefined;
      registry?.close();
      registry = undefined;
    },
  };
  return ctx;
}

/** LANES_STATE_BUSY_TIMEOUT_MS: how long to wait for another process's lock on the state (default 30 s). */
function busyTimeoutFrom(env: Record<string, string | undefined>): number | undefined {
  const raw = env.LANES_STATE_BUSY_TIMEOUT_MS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new InputError(
      `LANES_STATE_BUSY_TIMEOUT_MS must be a whole number of milliseconds, got ${JSON.stringify(raw)}`,
    );
  return Number(raw);
}
