/**
 * Which agent, model, runner and timeout a phase uses: `--agent` over `phases.<phase>.agent` over
 * the config's `agent`, defaulting to Claude Code. An agent name is a key of `agents` or an adapter
 * name; anything else is bad input named with what is accepted.
 */
import type { AgentAdapter, AgentAdapters } from '../../contracts/agent-adapter.js';
import { InputError } from '../../domain/errors.js';
import { didYouMean } from '../../domain/nearest.js';
import type { Config } from '../../infra/config-schema.js';

export interface ResolvedAgent {
  name: string;
  adapter: AgentAdapter;
  model: string | undefined;
  /** The runner asked for (`--runner`, `agents.<name>.runner`); undefined: the default runner. */
  runner: string | undefined;
  timeoutMs: number;
  bin: string | undefined;
  command: string[] | undefined;
  env: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MINUTES = 60;

/** The names an agent can be given by: the configured agents, then the built-in adapters. */
export function acceptedAgentNames(config: Config, adapters: AgentAdapters): string[] {
  return [...new Set([...Object.keys(config.agents), ...adapters.names])];
}

export function resolveAgent(
  config: Config,
  adapters: AgentAdapters,
  phase: string,
  override?: { agent?: string | undefined; model?: string | undefined; runner?: string | undefined },
): ResolvedAgent {
  const phaseConfig = config.phases[phase as keyof Config['phases']];
  const name = override?.agent ?? phaseConfig?.agent ?? config.agent ?? 'claude';
  const configured = config.agents[name];
  const adapterName = configured?.adapter ?? name;
  const adapter = adapters.get(adapterName);
  if (!adapter) {
    const accepted = acceptedAgentNames(config, adapters);
    const where =
      override?.agent !== undefined
        ? '--agent'
        : phaseConfig?.agent !== undefined
          ? `lanes.config.json: phases.${phase}.agent`
          : 'lanes.config.json: agent';
    throw new InputError(
      `${where} ${JSON.stringify(name)} is not a known agent${didYouMean(name, accepted)} (accepted: ${accepted.join(', ')}, or a name added under "agents" in lanes.config.json)`,
    );
  }
  if (adapterName === 'command' && !configured?.command?.length) {
    throw new InputError(
      `agent ${JSON.stringify(name)} uses the command adapter but has no "command" template in lanes.config.json (e.g. ["aider", "--message-file", "{promptFile}"])`,
    );
  }
  return {
    name,
    adapter,
    // The phase's model belongs to the phase's agent: another agent (--agent, a reviewer of another
    // vendor) gets its own model (agents.<name>.model), never a model name of another vendor.
    model:
      override?.model ??
      (phaseConfig?.agent === undefined || phaseConfig.agent === name ? phaseConfig?.model : undefined) ??
      configured?.model,
    runner: override?.runner ?? phaseConfig?.runner ?? configured?.runner,
    timeoutMs: (phaseConfig?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
    bin: configured?.bin,
    command: configured?.command,
    env: configured?.env ?? {},
  };
}
