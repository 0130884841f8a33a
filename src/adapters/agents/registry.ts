/** The agent adapters by name: adding an agent is one folder, its name in names.ts and one line here. */
import type { AgentAdapter, AgentAdapters } from '../../contracts/agent-adapter.js';
import { claudeAdapter } from './claude/index.js';
import { codexAdapter } from './codex/index.js';
import { commandAdapter } from './command/index.js';
import { geminiAdapter } from './gemini/index.js';
import { opencodeAdapter } from './opencode/index.js';
import { AGENT_ADAPTER_NAMES, type AgentAdapterName } from './names.js';

// Exactly the names of names.ts: a missing or extra entry does not compile.
const ADAPTERS: Readonly<Record<AgentAdapterName, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  command: commandAdapter,
};

export const agentAdapters: AgentAdapters = {
  names: AGENT_ADAPTER_NAMES,
  get: (name) => (Object.hasOwn(ADAPTERS, name) ? ADAPTERS[name as AgentAdapterName] : undefined),
};
