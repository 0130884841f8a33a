/**
 * Gemini CLI, headless: `gemini --yolo --output-format stream-json [-m M] [--resume ID]` with the
 * prompt on stdin (no TTY: non-interactive). The workspace is trusted explicitly, because an
 * untrusted one silently downgrades --yolo and no tool runs. With LANES_AGENT_BASE_URL, settings
 * select API-key auth (a custom base URL alone is rejected as an invalid auth method, exit 41):
 * in the isolated home's `.gemini/settings.json` when there is one, else as a system settings
 * file in the run directory (which Gemini CLI skips when a parent directory is world-writable,
 * such as /tmp, so tests use an isolated home).
 */
import { join } from 'node:path';
import type { AgentAdapter, AgentLaunch, AgentRunRequest } from '../../../contracts/agent-adapter.js';
import { agentEndpoint, isolatedHome } from '../launch-env.js';
import { createGeminiParser } from './parse.js';

export function geminiLaunch(request: AgentRunRequest): AgentLaunch {
  const args = ['--yolo', '--output-format', 'stream-json'];
  if (request.model) args.push('-m', request.model);
  if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);
  const env: Record<string, string> = { ...isolatedHome(request.agentHome), GEMINI_CLI_TRUST_WORKSPACE: 'true' };
  const files: AgentLaunch['files'] = [];
  const endpoint = agentEndpoint(request);
  if (endpoint) {
    const settingsPath = request.agentHome
      ? join(request.agentHome, '.gemini', 'settings.json')
      : join(request.runDir, 'gemini-system-settings.json');
    const settings = {
      security: { auth: { selectedType: 'gemini-api-key' } },
      telemetry: { enabled: false },
      privacy: { usageStatisticsEnabled: false },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
    };
    files.push({ path: settingsPath, content: JSON.stringify(settings, null, 2) + '\n' });
    Object.assign(env, { GOOGLE_GEMINI_BASE_URL: endpoint.url, GEMINI_API_KEY: endpoint.apiKey });
    if (!request.agentHome) env['GEMINI_CLI_SYSTEM_SETTINGS_PATH'] = settingsPath;
  }
  return {
    file: request.bin ?? 'gemini',
    args,
    cwd: request.worktree,
    env,
    stdin: { file: request.promptFile },
    files,
  };
}

export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  displayName: 'Gemini CLI',
  defaultBin: 'gemini',
  installHint: 'npm install -g @google/gemini-cli, then run `gemini` once to log in (or set GEMINI_API_KEY)',
  resume: { kind: 'session-id', how: 'gemini --resume <session id>' },
  credentials: {
    variables: [
      'GEMINI_API_KEY',
      'GOOGLE_API_KEY',
      'GOOGLE_GENAI_USE_VERTEXAI',
      'GOOGLE_GENAI_USE_GCA',
      'GOOGLE_APPLICATION_CREDENTIALS',
    ],
    files: (_env, home) => [join(home, '.gemini', 'oauth_creds.json')],
    how: 'set GEMINI_API_KEY, or run `gemini` once to log in',
  },
  launch: geminiLaunch,
  createParser: createGeminiParser,
};
