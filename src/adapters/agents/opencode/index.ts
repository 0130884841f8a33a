/**
 * opencode, headless: `opencode run --format json [-m provider/model] [--session ID]` with the
 * prompt on stdin. A model without a provider prefix is taken as Anthropic's. Configuration
 * travels in OPENCODE_CONFIG_CONTENT (merged over any the user set): tools allowed without asking,
 * since nobody answers in a headless lane, and with LANES_AGENT_BASE_URL the built-in `anthropic`
 * provider pointed at that endpoint.
 *
 * A reviewer (`readOnly`) gets READ_ONLY_PERMISSION instead: opencode then does not offer the
 * denied tools at all (measured with 1.18.33). `outputSchemaFile`: `opencode run` has no way to
 * enforce a schema on the final answer, so the prompt asks for it and lanes checks it.
 * `ephemeral`: opencode always stores the session under its data directory and has no switch to
 * stop it; a reviewer simply never resumes.
 */
import type { AgentAdapter, AgentLaunch, AgentRunRequest } from '../../../contracts/agent-adapter.js';
import { agentEndpoint, isolatedHome } from '../launch-env.js';
import { createOpencodeParser } from './parse.js';

type Json = Record<string, unknown>;

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof b === 'object' &&
      b !== null &&
      !Array.isArray(b) &&
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v)
        ? merge(b as Json, v as Json)
        : v;
  }
  return out;
}

export function opencodeModel(model: string): string {
  return model.includes('/') ? model : `anthropic/${model}`;
}

/**
 * A reviewer's permissions: no edits (opencode's `edit` covers write, edit and patch), no shell, no
 * web, no subagents, nothing outside the working directory; read, glob and grep stay. No shell
 * at all, because opencode's bash patterns match the command text only: with `git log*` allowed,
 * 1.18.33 ran `git log > f` and `git diff --output=f` (measured). Denied, never `ask`: nobody
 * answers. The prompt carries the diff, so a reviewer still sees the change.
 */
export const READ_ONLY_PERMISSION: Json = {
  edit: 'deny',
  bash: 'deny',
  webfetch: 'deny',
  websearch: 'deny',
  task: 'deny',
  external_directory: 'deny',
};

export function opencodeLaunch(request: AgentRunRequest): AgentLaunch {
  const args = ['run', '--format', 'json'];
  if (request.model) args.push('-m', opencodeModel(request.model));
  // A reviewer is a fresh context: it never continues a session, whatever the request carries.
  if (request.resumeSessionId && !request.readOnly && !request.ephemeral)
    args.push('--session', request.resumeSessionId);
  let userConfig: Json = {};
  try {
    const raw = request.env['OPENCODE_CONFIG_CONTENT'];
    if (raw) userConfig = JSON.parse(raw) as Json;
  } catch {
    // Not ours to validate: opencode reports its own config errors; ours replaces it.
  }
  // No snapshots: a lane's history is its git branch, and opencode's snapshot re-adds the whole
  // worktree to a shadow repository at every step, seconds per step on a busy machine.
  let config: Json = {
    autoupdate: false,
    share: 'disabled',
    snapshot: false,
    permission: request.readOnly ? READ_ONLY_PERMISSION : { edit: 'allow', bash: 'allow', webfetch: 'allow' },
  };
  const env: Record<string, string> = {
    ...isolatedHome(request.agentHome),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_SHARE: '1',
  };
  const endpoint = agentEndpoint(request);
  if (endpoint) {
    config = merge(config, {
      provider: { anthropic: { options: { baseURL: `${endpoint.url}/v1`, apiKey: endpoint.apiKey } } },
    });
    // Offline against one endpoint: no model list, LSP or plugin downloads, no file watcher, and
    // no reading of the user's Claude Code setup (the login plugins are what it would skip).
    Object.assign(env, {
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: '1',
      OPENCODE_DISABLE_CLAUDE_CODE: '1',
    });
  }
  env['OPENCODE_CONFIG_CONTENT'] = JSON.stringify(merge(userConfig, config));
  return {
    file: request.bin ?? 'opencode',
    args,
    cwd: request.worktree,
    env,
    stdin: { file: request.promptFile },
    files: [],
  };
}

export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  displayName: 'opencode',
  defaultBin: 'opencode',
  installHint: 'npm install -g opencode-ai, then run `opencode auth login`',
  resume: { kind: 'session-id', how: 'opencode run --session <session id>' },
  launch: opencodeLaunch,
  createParser: createOpencodeParser,
};
