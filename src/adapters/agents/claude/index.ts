/**
 * Claude Code, headless: `claude -p --output-format stream-json --verbose
 * --dangerously-skip-permissions [--model M] [--resume ID]`, the prompt on stdin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AgentAdapter,
  AgentLaunch,
  AgentRunRequest,
  CredentialSources,
} from '../../../contracts/agent-adapter.js';
import { agentEndpoint, isolatedHome, maxRetries } from '../launch-env.js';
import { createClaudeParser } from './parse.js';

export function claudeLaunch(request: AgentRunRequest): AgentLaunch {
  const args = ['-p', '--output-format', 'stream-json', '--verbose', '--dangerously-skip-permissions'];
  if (request.model) args.push('--model', request.model);
  if (request.resumeSessionId) args.push('--resume', request.resumeSessionId);
  const env: Record<string, string> = {
    ...isolatedHome(request.agentHome),
    // Nobody answers permission prompts in a headless lane, so they are bypassed; Claude Code
    // refuses that as root unless told the process is sandboxed, and CI containers run as root.
    IS_SANDBOX: '1',
    // Parallel lanes must not race to update the CLI they are all running.
    DISABLE_AUTOUPDATER: '1',
  };
  const endpoint = agentEndpoint(request);
  if (endpoint) {
    Object.assign(env, {
      ANTHROPIC_BASE_URL: endpoint.url,
      ANTHROPIC_API_KEY: endpoint.apiKey,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    });
  }
  const retries = maxRetries(request);
  if (retries !== undefined) env['CLAUDE_CODE_MAX_RETRIES'] = String(retries);
  return {
    file: request.bin ?? 'claude',
    args,
    cwd: request.worktree,
    env,
    stdin: { file: request.promptFile },
    files: [],
  };
}

const claudeDir = (env: Readonly<Record<string, string | undefined>>, home: string) =>
  env.CLAUDE_CONFIG_DIR ?? join(home, '.claude');

const credentials: CredentialSources = {
  variables: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CODE_OAUTH_TOKEN',
    'CLAUDE_CODE_USE_BEDROCK',
    'CLAUDE_CODE_USE_VERTEX',
  ],
  files: (env, home) => [join(claudeDir(env, home), '.credentials.json')],
  // Claude Code keeps its login in the keychain on macOS; an apiKeyHelper in settings also counts.
  uncheckable: (platform) => platform === 'darwin',
  configured: (env, home) => hasApiKeyHelper(join(claudeDir(env, home), 'settings.json')),
  how: 'set ANTHROPIC_API_KEY, or run `claude` once to log in',
};

function hasApiKeyHelper(settingsFile: string): boolean {
  try {
    return (
      typeof (JSON.parse(readFileSync(settingsFile, 'utf8')) as { apiKeyHelper?: unknown }).apiKeyHelper === 'string'
    );
  } catch {
    return false;
  }
}

export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  displayName: 'Claude Code',
  defaultBin: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code, then run `claude` once to log in',
  resume: { kind: 'session-id', how: 'claude -p --resume <session id>' },
  credentials,
  launch: claudeLaunch,
  createParser: createClaudeParser,
};
