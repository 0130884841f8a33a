/**
 * What lanes needs from a coding-agent CLI. An adapter is pure: it builds the launch (program,
 * argument array, environment, files to write, where stdin comes from) and parses the CLI's own
 * machine output into AgentEvents. It never starts a process: the runners do that through the
 * process gateway, so one place owns spawning, timeouts and signals.
 *
 * The prompt always travels in a file (the runner opens it as the child's stdin, or the command
 * adapter passes its path): never through a shell, and never limited by the argument size.
 */
import type { AgentEvent } from '../domain/agent-events.js';

export type { AgentEvent, AgentRunSummary, TokenUsage } from '../domain/agent-events.js';

/**
 * Set by the user (or lanes' demo) to point every agent at one model endpoint, such as the bundled
 * scripted model server or a proxy. Each adapter translates it into its vendor's own setting.
 */
export const AGENT_BASE_URL_VARIABLE = 'LANES_AGENT_BASE_URL';
/** The API key sent to that endpoint; default: a placeholder, since a fake server checks none. */
export const AGENT_API_KEY_VARIABLE = 'LANES_AGENT_API_KEY';

export interface AgentRunRequest {
  /** The file holding the whole prompt (issue, lane facts, rules). */
  promptFile: string;
  model?: string;
  lane: string;
  /** The lane's worktree: the agent's working directory. */
  worktree: string;
  /** A directory lanes owns for this run: generated agent config goes here. */
  runDir: string;
  /**
   * When set, the agent's home/config directory is isolated here (HOME, CODEX_HOME …) instead of
   * the user's own, where the CLI's login lives. Tests and the offline demo set it; a real run
   * normally does not.
   */
  agentHome?: string;
  /** Continue this session of the same CLI (from a previous run's `session` event). */
  resumeSessionId?: string;
  /**
   * The environment lanes was started with plus the agent's configured `env`. Adapters only read
   * it (for LANES_AGENT_BASE_URL and keys); the launch lists the variables to add.
   */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * A reviewer: the agent may read and run read-only commands but must not change files, where the
   * CLI can enforce it (Claude Code: write tools disallowed; Codex: `--sandbox read-only`).
   */
  readOnly?: boolean;
  /**
   * A JSON Schema file the final answer must satisfy, handed to CLIs that enforce one (Claude Code
   * `--json-schema`, Codex `--output-schema`); others are told in the prompt and checked by lanes.
   * The adapter's parser reports the structured answer as the run's final text.
   */
  outputSchemaFile?: string;
  /** Leave nothing to resume (Claude Code `--no-session-persistence`, Codex `--ephemeral`): a reviewer's session. */
  ephemeral?: boolean;
  /** The executable, instead of the adapter's default (config `agents.<name>.bin`). */
  bin?: string;
  /** For the command adapter: the argument template (config `agents.<name>.command`). */
  command?: readonly string[];
}

export interface AgentLaunch {
  /** Program to execute (looked up on PATH when it has no slash). */
  file: string;
  args: string[];
  cwd: string;
  /** Variables layered over the process gateway's scrubbed environment. */
  env: Record<string, string>;
  /** The prompt file as stdin (read to its end, then EOF), or no stdin at all. */
  stdin: { file: string } | 'closed';
  /** Files the runner writes before starting (generated agent configuration). */
  files: { path: string; content: string }[];
}

export interface ResumeSupport {
  /** `session-id`: resumes the session id a run reported; `none`: every run starts afresh. */
  kind: 'session-id' | 'none';
  /** How, for humans: e.g. `claude --resume <id>`. */
  how: string;
}

/** Line by line: the runner feeds each line of stdout as it arrives, then calls end(). */
export interface AgentOutputParser {
  push(line: string): AgentEvent[];
  end(): AgentEvent[];
}

/** Where a CLI finds its credentials, so lanes can say what is missing before it starts anything. */
export interface CredentialSources {
  /** Any one of these set (non-empty) is enough. */
  variables: string[];
  /** Files a logged-in CLI keeps, relative to the agent's home; `{VAR}` uses the variable when set. */
  files: (env: Readonly<Record<string, string | undefined>>, home: string) => string[];
  /** Where the login lives when no file shows it (the macOS keychain): not checkable, so assumed. */
  uncheckable?: (platform: NodeJS.Platform) => boolean;
  /** A login of another kind the CLI's own settings show (Claude Code's apiKeyHelper). */
  configured?: (env: Readonly<Record<string, string | undefined>>, home: string) => boolean;
  how: string;
}

export interface AgentAdapter {
  /** The name config and the state know it by (`agents.<name>.adapter`, a run's `adapter`). */
  readonly name: string;
  /** For messages: "Claude Code". */
  readonly displayName: string;
  readonly defaultBin: string;
  /** Shown when the executable is missing: how to install it. */
  readonly installHint: string;
  readonly resume: ResumeSupport;
  /** How to check its credentials; absent when any of many providers may serve it (nothing to check). */
  readonly credentials?: CredentialSources;
  launch(request: AgentRunRequest): AgentLaunch;
  createParser(): AgentOutputParser;
}

/**
 * The agent adapters a process can use, by name. Built by the entry point (src/cli/compose.ts) and
 * handed down, so use cases never import an adapter.
 */
export interface AgentAdapters {
  /** Every name `get` answers, in the order messages list them. */
  readonly names: readonly string[];
  get(name: string): AgentAdapter | undefined;
}
