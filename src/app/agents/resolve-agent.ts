/**
 * Which agent, model, runner and timeout a phase uses: `--agent` over `phases.<phase>.agent` over
 * the config's `agent`, defaulting to Claude Code. An agent name is a key of `agents` or an adapter
 * name; anything else is bad input named with what is accepted.
 */
import { AGENT_ADAPTER_NAMES, type AgentAdapter, type AgentAdapterName } from '../../contracts/agent-adapter.js';
import { AGENT_ADAPTERS } from '../../adapters/agents/registry.js';
import { InputError } from '../../domain/errors.js';
import { didYouMean } from '../../domain/nearest.js';
import type { Config } from '../../infra/config-schema.js';

export type Runner = 'headless' | 'tmux';

export interface ResolvedAgent {
  name: string;
  adapter: AgentAdapter;
  model: string | undefined;
  runner: Runner;
  timeoutMs: number;
  bin: string | undefined;
  command: string[] | undefined;
  env: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MINUTES = 60;

/** The names an agent can be given by: the configured agents, then the built-in adapters. */
export function acceptedAgentNames(config: Config): string[] {
  return [...new Set([...Object.keys(config.agents), ...AGENT_ADAPTER_NAMES])];
}

export function resolveAgent(config: Config, phase: string, override?: { agent?: string | undefined; model?: string | undefined; runner?: Runner | undefined }): ResolvedAgent {
  const phaseConfig = config.phases[phase as keyof Config['phases']];
  const name = override?.agent ?? phaseConfig?.agent ?? config.agent ?? 'claude';
  const configured = config.agents[name];
  const adapterName = (configured?.adapter ?? name) as AgentAdapterName;
  if (!AGENT_ADAPTER_NAMES.includes(adapterName)) {
    const accepted = acceptedAgentNames(config);
    const where = override?.agent !== undefined ? '--agent' : phaseConfig?.agent !== undefined ? `lanes.config.json: phases.${phase}.agent` : 'lanes.config.json: agent';
    throw new InputError(`${where} ${JSON.stringify(name)} is not a known agent${didYouMean(name, accepted)} (accepted: ${accepted.join(', ')}, or a name added under "agents" in lanes.config.json)`);
  }
  if (adapterName === 'command' && !configured?.command?.length) {
    throw new InputError(`agent ${JSON.stringify(name)} uses the command adapter but has no "command" template in lanes.config.json (e.g. ["aider", "--message-file", "{promptFile}"])`);
  }
  return {
    name,
    adapter: AGENT_ADAPTERS[adapterName],
    model: override?.model ?? phaseConfig?.model,
    runner: override?.runner ?? configured?.runner ?? 'headless',
    timeoutMs: (phaseConfig?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
    bin: configured?.bin,
    command: configured?.command,
    env: configured?.env ?? {},
  };
}
