/**
 * Whether the agents a command is about to start can start: each name resolves, each CLI is
 * installed, and each has credentials (a key in the environment, a login the CLI saved, or the
 * LANES_AGENT_BASE_URL endpoint). Checked before anything is made, so a typo or a missing key
 * stops `lanes run` once with one message instead of failing every lane.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_BASE_URL_VARIABLE, type AgentAdapterName } from '../../contracts/agent-adapter.js';
import { ToolError } from '../../domain/errors.js';
import type { Config } from '../../infra/config-schema.js';
import { findExecutable } from '../../infra/exec.js';
import { resolveAgent, type ResolvedAgent, type Runner } from './resolve-agent.js';

export interface AgentRequest {
  phase: string;
  agent?: string | undefined;
  model?: string | undefined;
  runner?: Runner | undefined;
}

interface CredentialSources {
  /** Any one of these set (non-empty) is enough. */
  variables: string[];
  /** Files a logged-in CLI keeps, relative to the agent's home; `{VAR}` uses the variable when set. */
  files: (env: Readonly<Record<string, string | undefined>>, home: string) => string[];
  /** Where the login lives when no file shows it (the macOS keychain): not checkable, so assumed. */
  uncheckable?: (platform: NodeJS.Platform) => boolean;
  how: string;
}

// Adapters without an entry (opencode: any of many providers; command: any program) are not checked.
const CREDENTIALS: Partial<Record<AgentAdapterName, CredentialSources>> = {
  claude: {
    variables: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'],
    files: (env, home) => [join(env.CLAUDE_CONFIG_DIR ?? join(home, '.claude'), '.credentials.json')],
    // Claude Code keeps its login in the keychain on macOS; an apiKeyHelper in settings also counts.
    uncheckable: (platform) => platform === 'darwin',
    how: 'set ANTHROPIC_API_KEY, or run `claude` once to log in',
  },
  codex: {
    variables: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    files: (env, home) => [join(env.CODEX_HOME ?? join(home, '.codex'), 'auth.json')],
    how: 'set OPENAI_API_KEY, or run `codex login`',
  },
  gemini: {
    variables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA', 'GOOGLE_APPLICATION_CREDENTIALS'],
    files: (_env, home) => [join(home, '.gemini', 'oauth_creds.json')],
    how: 'set GEMINI_API_KEY, or run `gemini` once to log in',
  },
};

/** Resolves every request (bad input for an unknown name) and throws one ToolError listing what is missing. */
export function requireAgentsReady(config: Config, env: Readonly<Record<string, string | undefined>>, requests: readonly AgentRequest[], opts: { platform?: NodeJS.Platform; hint?: string } = {}): ResolvedAgent[] {
  const agents = requests.map((r) => resolveAgent(config, r.phase, r));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const agent of agents) {
    if (seen.has(agent.name)) continue;
    seen.add(agent.name);
    const problem = agentProblem(agent, env, opts.platform ?? process.platform);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ToolError(problems.join('; '), opts.hint === undefined ? {} : { hint: opts.hint });
  return agents;
}

/** What keeps one agent from starting, in one sentence, or undefined when it can start. */
export function agentProblem(agent: ResolvedAgent, baseEnv: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string | undefined {
  const env = { ...baseEnv, ...agent.env };
  const bin = agent.adapter.name === 'command' ? agent.command![0]! : (agent.bin ?? agent.adapter.defaultBin);
  if (!findExecutable(bin, env)) {
    return `${agent.adapter.displayName} CLI not found: "${bin}" is not on PATH; install it with: ${agent.adapter.installHint}`;
  }
  const sources = CREDENTIALS[agent.adapter.name];
  if (!sources || nonEmpty(env[AGENT_BASE_URL_VARIABLE])) return undefined;
  if (sources.variables.some((v) => nonEmpty(env[v]))) return undefined;
  if (sources.uncheckable?.(platform)) return undefined;
  const home = env.LANES_AGENT_HOME ?? env.HOME ?? '';
  if (sources.files(env, home).some((f) => existsSync(f))) return undefined;
  if (agent.adapter.name === 'claude' && hasApiKeyHelper(join(env.CLAUDE_CONFIG_DIR ?? join(home, '.claude'), 'settings.json'))) return undefined;
  return `${agent.adapter.displayName} (agent "${agent.name}") has no credentials: ${sources.how}, or point every agent at a model endpoint with ${AGENT_BASE_URL_VARIABLE}`;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function hasApiKeyHelper(settingsFile: string): boolean {
  try {
    return typeof (JSON.parse(readFileSync(settingsFile, 'utf8')) as { apiKeyHelper?: unknown }).apiKeyHelper === 'string';
  } catch {
    return false;
  }
}
