/**
 * Claude Code, headless: `claude -p --output-format stream-json --verbose [--model M]`, the prompt
 * on stdin. A writer runs with `--dangerously-skip-permissions [--resume ID]`. A reviewer
 * (`readOnly`) runs in `dontAsk` mode instead, which refuses whatever is not pre-approved, with
 * only Read, Grep, Glob and Bash offered; `outputSchemaFile` becomes `--json-schema` (Claude Code
 * then offers a `StructuredOutput` tool, checks its input against the schema and reports it as
 * the result's `structured_output`); `ephemeral` is `--no-session-persistence`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AgentAdapter,
  AgentLaunch,
  AgentRunRequest,
  CredentialSources,
} from '../../../contracts/agent-adapter.js';
import { ToolError } from '../../../domain/errors.js';
import { agentEndpoint, isolatedHome, maxRetries } from '../launch-env.js';
import { createClaudeParser } from './parse.js';

/**
 * A reviewer's tools: reading and searching, and Bash, whose commands `dontAsk` mode runs only
 * when Claude Code itself classes them as read-only (git diff/log/show/status/blame, ls, cat, grep,
 * find: measured with 2.1.197; `git diff --output=f`, `sort -o`, `tee`, redirections and anything
 * chained to a write are refused). No `Bash(git diff:*)` allow rules on purpose: a rule allows the
 * prefix with any flags, `git diff --output=f` included. Read is confined to the working directory.
 * Subagents, web access, skills and worktree tools are not offered at all.
 */
export const READ_ONLY_TOOLS = ['Read', 'Grep', 'Glob', 'Bash'] as const;
/**
 * Also refused by name, in case a setting or a future version offers them again. 2.1.197 has no
 * MultiEdit: naming it prints a warning ("matches no known tool").
 */
export const WRITE_TOOLS = ['Edit', 'Write', 'NotebookEdit'] as const;

function readSchema(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ToolError(`cannot read the answer schema ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function claudeLaunch(request: AgentRunRequest): AgentLaunch {
  const args = ['-p', '--output-format', 'stream-json', '--verbose'];
  if (request.readOnly) {
    args.push(
      '--permission-mode',
      'dontAsk',
      '--tools',
      READ_ONLY_TOOLS.join(','),
      '--disallowedTools',
      WRITE_TOOLS.join(','),
    );
  } else {
    args.push('--dangerously-skip-permissions');
  }
  if (request.model) args.push('--model', request.model);
  // Claude Code takes the schema itself, not a path: `--json-schema <file>` fails as invalid JSON.
  if (request.outputSchemaFile) args.push('--json-schema', readSchema(request.outputSchemaFile));
  if (request.ephemeral) args.push('--no-session-persistence');
  // A reviewer is a fresh context: it never continues a session, whatever the request carries.
  if (request.resumeSessionId && !request.readOnly && !request.ephemeral)
    args.push('--resume', request.resumeSessionId);
  const env: Record<string, string> = {
    ...isolatedHome(request.agentHome),
    // Parallel lanes must not race to update the CLI they are all running.
    DISABLE_AUTOUPDATER: '1',
  };
  // Nobody answers permission prompts in a headless lane, so a writer bypasses them; Claude Code
  // refuses that as root unless told the process is sandboxed, and CI containers run as root.
  if (!request.readOnly) env['IS_SANDBOX'] = '1';
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
