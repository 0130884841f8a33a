/** The agent adapters by name: adding an agent is one folder and one line here. */
import type { AgentAdapter, AgentAdapterName } from '../../contracts/agent-adapter.js';
import { claudeAdapter } from './claude/index.js';
import { codexAdapter } from './codex/index.js';
import { commandAdapter } from './command/index.js';
import { geminiAdapter } from './gemini/index.js';
import { opencodeAdapter } from './opencode/index.js';

export const AGENT_ADAPTERS: Readonly<Record<AgentAdapterName, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  command: commandAdapter,
};
