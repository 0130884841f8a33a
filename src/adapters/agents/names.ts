/**
 * The built-in agent adapters' names: the one list the config schema, config validation and the
 * registry (registry.ts, which must have exactly these keys) derive from. A module of its own so
 * that validating a config does not load the adapters.
 */
export const AGENT_ADAPTER_NAMES = ['claude', 'codex', 'gemini', 'opencode', 'command'] as const;
export type AgentAdapterName = (typeof AGENT_ADAPTER_NAMES)[number];
