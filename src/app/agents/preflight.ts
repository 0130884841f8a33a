/**
 * Whether the agents a command is about to start can start: each name resolves, each CLI is
 * installed, and each has credentials (a key in the environment, a login the CLI saved, or the
 * LANES_AGENT_BASE_URL endpoint). Checked before anything is made, so a typo or a missing key
 * stops `lanes run` once with one message instead of failing every lane.
 */
import { existsSync } from 'node:fs';
import { AGENT_BASE_URL_VARIABLE, type AgentAdapters } from '../../contracts/agent-adapter.js';
import { ToolError } from '../../domain/errors.js';
import type { Config } from '../../infra/config-schema.js';
import { findExecutable } from '../../infra/exec.js';
import { resolveAgent, type ResolvedAgent } from './resolve-agent.js';

export interface AgentRequest {
  phase: string;
  agent?: string | undefined;
  model?: string | undefined;
  runner?: string | undefined;
}

/** Resolves every request (bad input for an unknown name) and throws one ToolError listing what is missing. */
export function requireAgentsReady(
  config: Config,
  adapters: AgentAdapters,
  env: Readonly<Record<string, string | undefined>>,
  requests: readonly AgentRequest[],
  opts: { platform?: NodeJS.Platform; hint?: string } = {},
): ResolvedAgent[] {
  const agents = requests.map((r) => resolveAgent(config, adapters, r.phase, r));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const agent of agents) {
    if (seen.has(agent.name)) continue;
    seen.add(agent.name);
    // An agent on a runner configured under `runners` runs in the runner's image, with the runner's
    // credentials (a Kubernetes Secret): this machine needs neither its CLI nor its key.
    if (agent.runner !== undefined && config.runners[agent.runner]) continue;
    const problem = agentProblem(agent, env, opts.platform ?? process.platform);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ToolError(problems.join('; '), opts.hint === undefined ? {} : { hint: opts.hint });
  return agents;
}

/** What keeps one agent from starting, in one sentence, or undefined when it can start. */
export function agentProblem(
  agent: ResolvedAgent,
  baseEnv: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
): string | undefined {
  const env = { ...baseEnv, ...agent.env };
  const bin = agent.adapter.name === 'command' ? agent.command![0]! : (agent.bin ?? agent.adapter.defaultBin);
  if (!findExecutable(bin, env)) {
    return `${agent.adapter.displayName} CLI not found: "${bin}" is not on PATH; install it with: ${agent.adapter.installHint}`;
  }
  const sources = agent.adapter.credentials;
  if (!sources || nonEmpty(env[AGENT_BASE_URL_VARIABLE])) return undefined;
  if (sources.variables.some((v) => nonEmpty(env[v]))) return undefined;
  if (sources.uncheckable?.(platform)) return undefined;
  const home = env.LANES_AGENT_HOME ?? env.HOME ?? '';
  if (sources.files(env, home).some((f) => existsSync(f))) return undefined;
  if (sources.configured?.(env, home)) return undefined;
  return `${agent.adapter.displayName} (agent "${agent.name}") has no credentials: ${sources.how}, or point every agent at a model endpoint with ${AGENT_BASE_URL_VARIABLE}`;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
