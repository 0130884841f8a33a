/**
 * Any other CLI (aider, a team's own script), configured as an argument template. The prompt
 * file's path goes in through `{promptFile}`; a template without it gets the prompt on stdin.
 * lanes cannot enforce a reviewer's restrictions on a program it does not know: `readOnly`,
 * `outputSchemaFile` and `ephemeral` reach it as LANES_READ_ONLY=1, LANES_OUTPUT_SCHEMA_FILE=<path>
 * and LANES_EPHEMERAL=1, for a script to hand on to its CLI; the prompt states them too, and lanes
 * checks the answer against the schema itself.
 */
import type { AgentAdapter, AgentLaunch, AgentRunRequest } from '../../../contracts/agent-adapter.js';
import { InputError } from '../../../domain/errors.js';
import { isolatedHome } from '../launch-env.js';
import { createCommandParser } from './parse.js';
import { expandTemplate, usesPlaceholder } from './template.js';

export function commandLaunch(request: AgentRunRequest): AgentLaunch {
  const template = request.command;
  if (!template || template.length === 0) {
    throw new InputError('the command agent needs an argument template', {
      hint: 'set agents.<name>.command, e.g. ["aider", "--yes", "--message-file", "{promptFile}", "--model", "{model}"]',
    });
  }
  const [file, ...args] = expandTemplate(template, {
    promptFile: request.promptFile,
    lane: request.lane,
    worktree: request.worktree,
    ...(request.model !== undefined ? { model: request.model } : {}),
  });
  return {
    file: request.bin ?? file!,
    args,
    cwd: request.worktree,
    env: {
      ...isolatedHome(request.agentHome),
      LANES_LANE: request.lane,
      LANES_PROMPT_FILE: request.promptFile,
      ...(request.readOnly ? { LANES_READ_ONLY: '1' } : {}),
      ...(request.outputSchemaFile ? { LANES_OUTPUT_SCHEMA_FILE: request.outputSchemaFile } : {}),
      ...(request.ephemeral ? { LANES_EPHEMERAL: '1' } : {}),
    },
    stdin: usesPlaceholder(template, 'promptFile') ? 'closed' : { file: request.promptFile },
    files: [],
  };
}

export const commandAdapter: AgentAdapter = {
  name: 'command',
  displayName: 'command',
  defaultBin: '',
  installHint: 'check that the program in agents.<name>.command is installed and on PATH',
  resume: { kind: 'none', how: 'every run starts a new session' },
  launch: commandLaunch,
  createParser: createCommandParser,
};
