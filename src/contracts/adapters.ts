/**
 * Everything a use case reaches outside lanes' own code through a contract, as one set the entry
 * point builds (src/cli/compose.ts) and hands down in the Context. src/app imports none of the
 * implementations; tests build the same set with a runner of their own.
 *
 * Factories are async so that an implementation with a heavy client (Octokit, the Linear and
 * Jira SDKs, pg, Neon) is loaded only by a command that uses it.
 */
import type { Config } from '../infra/config-schema.js';
import type { AgentAdapters } from './agent-adapter.js';
import type { DbBranches } from './db-branches.js';
import type { RemoteExecutors } from './executor.js';
import type { Forge } from './forge.js';
import type { IssueSource } from './issue-source.js';
import type { Runners } from './runner.js';

export interface IssueSourceRequest {
  config: Config['issues'];
  /** A per-command `--source` naming another kind of source than the configured one. */
  override: string | undefined;
  repoRoot: string;
  env: Record<string, string | undefined>;
  /** Rate-limit waits and similar notes for the user (stderr). */
  onWait: (message: string) => void;
}

export interface DbBranchesRequest {
  config: Config['database'];
  repoRoot: string;
  env: Record<string, string | undefined>;
}

export interface ForgeRequest {
  /** The whole config: the forge follows `forge` when set, else the GitHub issue source, else the remote. */
  config: Config;
  repoRoot: string;
  /** The URL of the remote lanes pushes to, when there is one: a github.com remote names its repository. */
  remoteUrl: string | undefined;
  env: Record<string, string | undefined>;
  onWait: (message: string) => void;
}

/** The time, for records; a test can hold it still. */
export interface Clock {
  now(): Date;
}

export interface Adapters {
  issueSource(request: IssueSourceRequest): Promise<IssueSource>;
  /** undefined when the config has no database provider. */
  dbBranches(request: DbBranchesRequest): Promise<DbBranches | undefined>;
  agents(): Promise<AgentAdapters>;
  /** Where runners configured under `runners.<name>` run agents (Kubernetes, SSH); loaded by the supervisor. */
  executors(): Promise<RemoteExecutors>;
  /** undefined when the repository has no forge: lanes keeps local review requests instead. */
  forge(request: ForgeRequest): Promise<Forge | undefined>;
  runners: Runners;
  clock: Clock;
}
