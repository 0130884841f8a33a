/**
 * Codex, headless: `codex exec [resume ID] --json --dangerously-bypass-approvals-and-sandbox
 * [-m M] -` with the prompt on stdin (`-`). A writer bypasses the sandbox because with
 * `--sandbox workspace-write` `.git` is read-only and the agent could not commit; the lane's
 * worktree is its isolation. A reviewer (`readOnly`) runs in `--sandbox read-only` with approvals
 * set to never (exec's default, made explicit so a config file cannot turn on prompts nobody can
 * answer): a write fails inside the sandbox ("Read-only file system") and the model is told so,
 * the run goes on. `outputSchemaFile` is `--output-schema` (sent to the model as the Responses
 * API's `text.format` json_schema, strict); `ephemeral` is `--ephemeral` (no rollout under
 * $CODEX_HOME/sessions). With LANES_AGENT_BASE_URL, a `lanes` model provider speaking the
 * Responses API is defined through `-c` overrides, so the user's ~/.codex is left alone.
 */
import { join } from 'node:path';
import {
  AGENT_API_KEY_VARIABLE,
  type AgentAdapter,
  type AgentLaunch,
  type AgentRunRequest,
} from '../../../contracts/agent-adapter.js';
import { agentEndpoint, isolatedHome, maxRetries } from '../launch-env.js';
import { createCodexParser } from './parse.js';

const toml = (s: string) => JSON.stringify(s); // a TOML basic string is a JSON string for our values

export function codexLaunch(request: AgentRunRequest): AgentLaunch {
  // A reviewer is a fresh context: it never continues a session, whatever the request carries.
  const resume =
    request.resumeSessionId && !request.readOnly && !request.ephemeral ? request.resumeSessionId : undefined;
  const args = ['exec'];
  if (resume) args.push('resume');
  args.push('--json');
  if (request.readOnly) args.push('--sandbox', 'read-only', '-c', 'approval_policy="never"');
  else args.push('--dangerously-bypass-approvals-and-sandbox');
  args.push('--skip-git-repo-check', '--disable', 'in_app_updates');
  if (request.ephemeral) args.push('--ephemeral');
  if (request.outputSchemaFile) args.push('--output-schema', request.outputSchemaFile);
  if (request.model) args.push('-m', request.model);
  const env: Record<string, string> = { ...isolatedHome(request.agentHome) };
  // Codex refuses a CODEX_HOME that does not exist; the isolated home itself does.
  if (request.agentHome) env['CODEX_HOME'] = request.agentHome;
  const endpoint = agentEndpoint(request);
  const retries = maxRetries(request);
  if (endpoint) {
    const p = 'model_providers.lanes';
    args.push(
      '-c',
      'model_provider="lanes"',
      '-c',
      `${p}.name="lanes"`,
      '-c',
      `${p}.base_url=${toml(endpoint.url + '/v1')}`,
      '-c',
      `${p}.wire_api="responses"`,
      '-c',
      `${p}.env_key="${AGENT_API_KEY_VARIABLE}"`,
      '-c',
      'check_for_update_on_startup=false',
      '-c',
      'analytics.enabled=false',
      '-c',
      'feedback.enabled=false',
      '--disable',
      'plugins',
      '--disable',
      'apps',
      '--disable',
      'remote_plugin',
    );
    if (retries !== undefined)
      args.push('-c', `${p}.request_max_retries=${retries}`, '-c', `${p}.stream_max_retries=${retries}`);
    env[AGENT_API_KEY_VARIABLE] = endpoint.apiKey;
  }
  if (resume) args.push(resume);
  args.push('-');
  return {
    file: request.bin ?? 'codex',
    args,
    cwd: request.worktree,
    env,
    stdin: { file: request.promptFile },
    files: [],
  };
}

export const codexAdapter: AgentAdapter = {
  name: 'codex',
  displayName: 'Codex',
  defaultBin: 'codex',
  installHint: 'npm install -g @openai/codex, then run `codex login`',
  resume: { kind: 'session-id', how: 'codex exec resume <thread id> -' },
  credentials: {
    variables: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    files: (env, home) => [join(env.CODEX_HOME ?? join(home, '.codex'), 'auth.json')],
    how: 'set OPENAI_API_KEY, or run `codex login`',
  },
  launch: codexLaunch,
  createParser: createCodexParser,
};
