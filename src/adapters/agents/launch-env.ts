/**
 * Environment pieces every agent adapter needs: an isolated home when asked for one, and the
 * shared offline endpoint (LANES_AGENT_BASE_URL) read from the user's environment.
 */
import { join } from 'node:path';
import {
  AGENT_API_KEY_VARIABLE,
  AGENT_BASE_URL_VARIABLE,
  type AgentRunRequest,
} from '../../contracts/agent-adapter.js';

/** HOME and the XDG directories, so a CLI that follows either keeps its state inside `agentHome`. */
export function isolatedHome(agentHome: string | undefined): Record<string, string> {
  if (!agentHome) return {};
  return {
    HOME: agentHome,
    USERPROFILE: agentHome,
    XDG_CONFIG_HOME: join(agentHome, '.config'),
    XDG_DATA_HOME: join(agentHome, '.local', 'share'),
    XDG_STATE_HOME: join(agentHome, '.local', 'state'),
    XDG_CACHE_HOME: join(agentHome, '.cache'),
  };
}

export interface Endpoint {
  /** Without a trailing slash. */
  url: string;
  apiKey: string;
}

/** The endpoint every agent is pointed at, when the user set one. */
export function agentEndpoint(request: AgentRunRequest): Endpoint | undefined {
  const url = request.env[AGENT_BASE_URL_VARIABLE]?.trim();
  if (!url) return undefined;
  return { url: url.replace(/\/+$/, ''), apiKey: request.env[AGENT_API_KEY_VARIABLE] || 'lanes-offline-key' };
}

/** `LANES_AGENT_MAX_RETRIES`: lets tests and the demo make a failing endpoint fail fast. */
export function maxRetries(request: AgentRunRequest): number | undefined {
  const raw = request.env['LANES_AGENT_MAX_RETRIES'];
  if (raw === undefined || raw === '' || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
