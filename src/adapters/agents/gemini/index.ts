/**
 * Gemini CLI, headless: `gemini --yolo --output-format stream-json [-m M] [--resume ID]` with the
 * prompt on stdin (no TTY: non-interactive). The workspace is trusted explicitly, because an
 * untrusted one silently downgrades --yolo and no tool runs. With LANES_AGENT_BASE_URL, settings
 * select API-key auth (a custom base URL alone is rejected as an invalid auth method, exit 41):
 * in the isolated home's `.gemini/settings.json` when there is one, else as a system settings
 * file in the run directory (which Gemini CLI skips when a parent directory is world-writable,
 * such as /tmp, so tests use an isolated home).
 *
 * A reviewer (`readOnly`) runs in `--approval-mode default` instead of --yolo: headless, every tool
 * that would ask for approval is left out (write_file, replace, run_shell_command), measured with
 * 0.61.0. A policy file (admin tier, so a user's own rules cannot re-allow writes) gives back
 * read-only shell commands by prefix and denies the write and plan-mode tools by name; Gemini CLI
 * refuses a command that redirects output or chains another command onto an allowed prefix.
 * `outputSchemaFile`: Gemini CLI has no flag to enforce a schema on the final answer, so the prompt
 * asks for it and lanes checks it. `ephemeral`: it always records the chat under
 * ~/.gemini/tmp/<project>/chats and has no switch to stop it; a reviewer simply never resumes.
 */
import { join } from 'node:path';
import type { AgentAdapter, AgentLaunch, AgentRunRequest } from '../../../contracts/agent-adapter.js';
import { agentEndpoint, isolatedHome } from '../launch-env.js';
import { createGeminiParser } from './parse.js';

/** Shell commands a reviewer may run: reading the repository and its history. */
export const READ_ONLY_COMMANDS = [
  'git diff',
  'git log',
  'git show',
  'git status',
  'git blame',
  'git grep',
  'git ls-files',
  'git rev-parse',
  'git merge-base',
  'ls',
  'cat',
  'head',
  'tail',
  'wc',
  'grep',
] as const;

const tomlString = (s: string) => JSON.stringify(s); // a TOML basic string is a JSON string for our values

export function readOnlyPolicy(): string {
  return [
    '# Written by lanes for a read-only reviewer run.',
    '[[rule]]',
    'toolName = "run_shell_command"',
    `commandPrefix = [${READ_ONLY_COMMANDS.map(tomlString).join(', ')}]`,
    'decision = "allow"',
    'priority = 900',
    '',
    '[[rule]]',
    'toolName = ["write_file", "replace", "enter_plan_mode", "exit_plan_mode"]',
    'decision = "deny"',
    'priority = 999',
    '',
  ].join('\n');
}

export function geminiLaunch(request: AgentRunRequest): AgentLaunch {
  const files: AgentLaunch['files'] = [];
  const args: string[] = [];
  if (request.readOnly) {
    const policy = join(request.runDir, 'gemini-read-only-policy.toml');
    files.push({ path: policy, content: readOnlyPolicy() });
    args.push('--approval-mode', 'default', '--admin-policy', policy);
  } else {
    args.push('--yolo');
  }
  args.push('--output-format', 'stream-json');
  if (request.model) args.push('-m', request.model);
  // A reviewer is a fresh context: it never continues a session, whatever the request carries.
  if (request.resumeSessionId && !request.readOnly && !request.ephemeral)
    args.push('--resume', request.resumeSessionId);
  const env: Record<string, string> = { ...isolatedHome(request.agentHome), GEMINI_CLI_TRUST_WORKSPACE: 'true' };
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
