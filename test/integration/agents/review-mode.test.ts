/**
 * A reviewer's run through the real CLIs against the fake model server: `readOnly` keeps a
 * scripted write from changing the checkout while reading still works and the run ends,
 * `outputSchemaFile` reaches the model request in each vendor's own shape and the structured answer
 * comes back as the run's final text, and `ephemeral` leaves no session behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../src/adapters/agents/claude/index.js';
import { codexAdapter } from '../../../src/adapters/agents/codex/index.js';
import { geminiAdapter } from '../../../src/adapters/agents/gemini/index.js';
import { opencodeAdapter } from '../../../src/adapters/agents/opencode/index.js';
import type { AgentEvent } from '../../../src/contracts/agent-adapter.js';
import { summarizeAgentEvents } from '../../../src/domain/agent-events.js';
import { parseReviewAnswer, reviewJsonSchema } from '../../../src/domain/review-schema.js';
import {
  startFakeModelServer,
  type FakeModelServer,
  type FakeScript,
  type RecordedRequest,
} from '../../fakes/model-server/index.js';
import { agentsMissing } from '../../helpers/requirements.js';
import { describeRun, makeSandbox, runAgent, type AgentRun, type Sandbox } from './harness.js';

const withoutAgents = agentsMissing();

/** A valid reviewer answer, with characters that must survive every encoding on the way. */
const ANSWER = {
  verdict: 'request-changes',
  findings: [
    {
      id: 'F1',
      severity: 'major',
      category: 'bug',
      file: 'README.md',
      line: 1,
      endLine: null,
      message: 'The title says "sample" — but the issue asks for <docs>.',
      suggestion: 'Rename it.\nThen add a test.',
      confidence: 0.8,
      reviewers: [],
    },
  ],
  audit: { criteria: [{ text: 'README has a title', status: 'met', evidence: ['README.md:1'] }], scopeDrift: [] },
  disputes: [],
};

/** Writes a file, then tries to through the shell, reads, runs a read-only command, answers. */
function writeThenAnswerScript(readTurn: FakeScript['turns']): FakeScript {
  return {
    turns: [
      { kind: 'write', path: 'evil.txt', content: 'written by a reviewer\n', text: 'Let me fix it myself.' },
      { kind: 'shell', command: 'echo hi > evil2.txt' },
      ...readTurn,
      { kind: 'shell', command: 'git log --oneline' },
      { kind: 'answer', json: ANSWER },
    ],
  };
}

const completions = (server: FakeModelServer): RecordedRequest[] =>
  server.requests.filter((r) => r.turn !== undefined && r.turn !== 'side');

const toolResults = (run: AgentRun) =>
  run.events.filter((e): e is Extract<AgentEvent, { type: 'tool-result' }> => e.type === 'tool-result');

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe.skipIf(withoutAgents)('review mode with the real agent CLIs', () => {
  const boxes: Sandbox[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    for (const b of boxes.splice(0)) b.cleanup();
  });

  async function setup(name: string, script: FakeScript) {
    const server = await startFakeModelServer(script);
    closers.push(server.close);
    const box = makeSandbox(name);
    boxes.push(box);
    const schemaFile = join(box.runDir, 'answer.schema.json');
    writeFileSync(schemaFile, reviewJsonSchema());
    const env = { LANES_AGENT_BASE_URL: server.url, LANES_AGENT_MAX_RETRIES: '0' };
    return { server, box, schemaFile, env };
  }

  /** The checkout is untouched: no file written, by a tool or through the shell. */
  function expectUntouched(box: Sandbox, run: AgentRun) {
    expect(existsSync(join(box.repo, 'evil.txt')), describeRun(run)).toBe(false);
    expect(existsSync(join(box.repo, 'evil2.txt'))).toBe(false);
    expect(box.git('status', '--porcelain', '--untracked-files=all')).toBe('');
  }

  function expectAnswer(run: AgentRun, model: string) {
    const summary = summarizeAgentEvents(run.events, { model, exitCode: run.exitCode });
    expect(summary.ok, describeRun(run)).toBe(true);
    expect(summary.text).toBe(JSON.stringify(ANSWER));
    expect(parseReviewAnswer(summary.text)).toMatchObject({ ok: true });
  }

  describe('Claude Code', () => {
    const model = 'claude-sonnet-4-5';

    it('read-only: write tools are not offered, a shell write is refused, reading and git log still work', async () => {
      const { server, box, env } = await setup(
        'claude-ro',
        writeThenAnswerScript([{ kind: 'call', name: 'Read', input: { file_path: 'README.md' } }]),
      );
      const run = await runAgent(claudeAdapter, box, { model, env, review: { readOnly: true } });
      expect(run.exitCode, describeRun(run)).toBe(0);
      expectUntouched(box, run);
      const offered = completions(server)[0]!.offeredTools;
      expect(offered).toEqual(expect.arrayContaining(['Read', 'Grep', 'Glob', 'Bash']));
      for (const tool of ['Write', 'Edit', 'NotebookEdit', 'Agent', 'Task', 'WebFetch'])
        expect(offered).not.toContain(tool);
      // Write (not offered), the shell write (refused), Read, git log.
      expect(toolResults(run).map((r) => r.ok)).toEqual([false, false, true, true]);
      expect(toolResults(run)[2]!.output).toContain('# sample');
      expect(run.launch.args).not.toContain('--dangerously-skip-permissions');
      // Without a schema, the answer arrives as text holding the JSON.
      expectAnswer(run, model);
    });

    it('with a schema: a StructuredOutput tool carries the file’s schema, its input is the final text; nothing is persisted', async () => {
      const { server, box, schemaFile, env } = await setup('claude-schema', {
        turns: [
          { kind: 'shell', command: 'git show --stat HEAD' },
          { kind: 'answer', json: ANSWER, text: 'Here is my review.' },
        ],
      });
      const run = await runAgent(claudeAdapter, box, {
        model,
        env,
        review: { readOnly: true, ephemeral: true, outputSchemaFile: schemaFile },
        // A reviewer never resumes, even when a session id comes along.
        resumeSessionId: '00000000-0000-4000-8000-000000000000',
      });
      expect(run.exitCode, describeRun(run)).toBe(0);
      const first = completions(server)[0]!;
      const tools = (first.body as { tools: { name: string; input_schema: unknown }[] }).tools;
      const structured = tools.find((t) => t.name === 'StructuredOutput');
      expect(structured?.input_schema).toEqual(JSON.parse(readFileSync(schemaFile, 'utf8')));
      expect(completions(server).at(-1)!.tool?.name).toBe('StructuredOutput');
      expectAnswer(run, model);
      expect(run.launch.args).not.toContain('--resume');
      expect(filesUnder(join(box.home, '.claude', 'projects'))).toEqual([]);
    });

    it('without ephemeral the same run leaves a session file (the check above looks in the right place)', async () => {
      const { box, env } = await setup('claude-persist', { turns: [{ kind: 'answer', json: ANSWER }] });
      const run = await runAgent(claudeAdapter, box, { model, env, review: { readOnly: true } });
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(filesUnder(join(box.home, '.claude', 'projects')).some((f) => f.endsWith('.jsonl'))).toBe(true);
    });
  });

  describe('Codex', () => {
    const model = 'gpt-5-codex';

    it('read-only: writes fail in the sandbox, the model is told so, git log runs and the run ends', async () => {
      const { server, box, env } = await setup('codex-ro', writeThenAnswerScript([]));
      const run = await runAgent(codexAdapter, box, { model, env, review: { readOnly: true } });
      expect(run.exitCode, describeRun(run)).toBe(0);
      expectUntouched(box, run);
      expect(run.launch.args.join(' ')).toContain('--sandbox read-only');
      expect(run.launch.args).not.toContain('--dangerously-bypass-approvals-and-sandbox');
      const outputs = (completions(server).at(-1)!.body as { input: { type?: string; output?: string }[] }).input
        .filter((i) => i.type === 'function_call_output')
        .map((i) => i.output ?? '');
      expect(outputs).toHaveLength(3);
      expect(outputs[0]).toMatch(/Read-only file system/);
      expect(outputs[1]).toMatch(/Read-only file system/);
      expect(outputs[2]).toMatch(/exited with code 0[\s\S]*init/);
      expectAnswer(run, model);
    });

    it('with a schema: text.format carries the file’s schema, the final message is the final text; --ephemeral leaves no rollout', async () => {
      const { server, box, schemaFile, env } = await setup('codex-schema', {
        turns: [
          { kind: 'shell', command: 'git show --stat HEAD', text: 'Looking at the change.' },
          { kind: 'answer', json: ANSWER },
        ],
      });
      const run = await runAgent(codexAdapter, box, {
        model,
        env,
        review: { readOnly: true, ephemeral: true, outputSchemaFile: schemaFile },
        resumeSessionId: '00000000-0000-4000-8000-000000000000',
      });
      expect(run.exitCode, describeRun(run)).toBe(0);
      for (const request of completions(server)) {
        const format = (request.body as { text?: { format?: Record<string, unknown> } }).text?.format;
        expect(format).toMatchObject({ type: 'json_schema', strict: true });
        expect(format?.['schema']).toEqual(JSON.parse(readFileSync(schemaFile, 'utf8')));
      }
      expectAnswer(run, model);
      expect(run.launch.args).toContain('--ephemeral');
      expect(run.launch.args).not.toContain('resume');
      expect(filesUnder(join(box.home, 'sessions'))).toEqual([]);
    });

    it('without ephemeral the same run leaves a rollout under sessions (the check above looks in the right place)', async () => {
      const { box, env } = await setup('codex-persist', { turns: [{ kind: 'answer', json: ANSWER }] });
      const run = await runAgent(codexAdapter, box, { model, env, review: { readOnly: true } });
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(filesUnder(join(box.home, 'sessions')).some((f) => f.endsWith('.jsonl'))).toBe(true);
    });
  });

  it('Gemini CLI read-only: write tools are not offered, a shell write is refused by policy, git log runs, the answer is the final text', async () => {
    const { server, box, schemaFile, env } = await setup(
      'gemini-ro',
      writeThenAnswerScript([{ kind: 'shell', command: 'git log > evil2.txt' }]),
    );
    const model = 'gemini-2.5-pro';
    const run = await runAgent(geminiAdapter, box, {
      model,
      env,
      review: { readOnly: true, ephemeral: true, outputSchemaFile: schemaFile },
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expectUntouched(box, run);
    const offered = completions(server)[0]!.offeredTools;
    expect(offered).toEqual(expect.arrayContaining(['read_file', 'run_shell_command']));
    for (const tool of ['write_file', 'replace']) expect(offered).not.toContain(tool);
    expect(toolResults(run).map((r) => r.ok)).toEqual([false, false, false, true]);
    expect(run.launch.args).not.toContain('--yolo');
    expectAnswer(run, model);
  });

  it('opencode read-only: only read, glob and grep are offered, nothing is written, the answer is the final text', async () => {
    const { server, box, schemaFile, env } = await setup(
      'opencode-ro',
      writeThenAnswerScript([{ kind: 'call', name: 'read', input: { filePath: 'README.md' } }]),
    );
    const model = 'claude-sonnet-4-5';
    const run = await runAgent(opencodeAdapter, box, {
      model,
      env,
      review: { readOnly: true, ephemeral: true, outputSchemaFile: schemaFile },
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expectUntouched(box, run);
    const offered = completions(server)[0]!.offeredTools;
    expect(offered).toEqual(expect.arrayContaining(['read', 'glob', 'grep']));
    for (const tool of ['write', 'edit', 'bash', 'task', 'webfetch']) expect(offered).not.toContain(tool);
    const read = toolResults(run).find((r) => r.output?.includes('# sample'));
    expect(read, describeRun(run)).toBeDefined();
    expectAnswer(run, model);
  });
});
