/**
 * The script that drives the fake model server, and the pure choice of which turn answers a
 * request. The server keeps no conversation state: like the real APIs, every request carries the
 * whole conversation, so the reply is the turn whose index is the number of assistant turns the
 * conversation already holds. A retried request therefore gets the same answer again, and several
 * agent processes can share one server.
 */

export interface FakeUsage {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

interface TurnBase {
  /** Wait this long before answering (the headers included), e.g. for parallelism benchmarks. */
  delayMs?: number;
  /** Tokens reported for this reply; default: the script's usage. */
  usage?: FakeUsage;
}

/** Ask the agent to write a file. A relative path is resolved against the agent's working directory. */
export interface WriteTurn extends TurnBase {
  kind: 'write';
  path: string;
  content: string;
  /** Text the model says before the tool call. */
  text?: string;
}

/** Ask the agent to run a shell command in its working directory, e.g. `git add -A && git commit -m x`. */
export interface ShellTurn extends TurnBase {
  kind: 'shell';
  command: string;
  text?: string;
}

/**
 * Call any tool by the vendor's own name and arguments (Claude Code `Read {file_path}`, Codex
 * `exec_command {cmd}` …), for what `write` and `shell` do not cover: reading a file, a tool a
 * restricted agent should not have.
 */
export interface CallTurn extends TurnBase {
  kind: 'call';
  name: string;
  input: Record<string, unknown>;
  text?: string;
}

/** A final answer: no tool call, the agent's turn ends. */
export interface TextTurn extends TurnBase {
  kind: 'text';
  text: string;
}

/**
 * The agent's structured final answer (a reviewer's verdict, a fixer's answers). Where the request
 * offers a tool named `StructuredOutput` (Claude Code with `--json-schema`), the reply is a call to
 * it whose input is `json`; everywhere else a text reply holding `json` serialized (after `text`,
 * when given, on its own line: prose around the JSON, as a model may write it).
 */
export interface AnswerTurn extends TurnBase {
  kind: 'answer';
  json: unknown;
  text?: string;
}

/** An HTTP error in the vendor's error shape (default 500), for every request that reaches this turn. */
export interface ErrorTurn extends TurnBase {
  kind: 'error';
  status?: number;
  message?: string;
}

/** The stream starts, sends part of a text, then the connection is cut. */
export interface BreakTurn extends TurnBase {
  kind: 'break';
  text?: string;
}

/** Never answers (the connection stays open until the client or the server closes it). */
export interface HangTurn {
  kind: 'hang';
}

export type FakeTurn = WriteTurn | ShellTurn | CallTurn | TextTurn | AnswerTurn | ErrorTurn | BreakTurn | HangTurn;

export interface FakeScript {
  turns: FakeTurn[];
  /** Default tokens per reply. */
  usage?: FakeUsage;
  /**
   * Answer for requests that offer no tools: side requests such as opencode's session title or
   * Claude Code's topic check, which must not consume a scripted turn.
   */
  sideText?: string;
  /** Answer once the script has run out of turns. */
  finalText?: string;
  /**
   * Other scripts for other conversations: the first route whose `when` text appears in a request
   * answers it (a reviewer's prompt, say, while the writers follow `turns`), so one server can drive
   * a whole pipeline.
   */
  routes?: { when: string; script: FakeScript }[];
}

/** The script that answers a request: the first route whose text the request holds, else the script itself. */
export function scriptFor(script: FakeScript, requestText: string): FakeScript {
  const route = script.routes?.find((r) => requestText.includes(r.when));
  return route ? scriptFor(route.script, requestText) : script;
}

export const DEFAULT_USAGE: Required<FakeUsage> = { input: 120, output: 30, cacheRead: 0, cacheWrite: 0 };

export function usageOf(script: FakeScript, turn: FakeTurn | undefined): Required<FakeUsage> {
  const own = turn && turn.kind !== 'hang' ? turn.usage : undefined;
  return { ...DEFAULT_USAGE, ...script.usage, ...own };
}

/** The turn that answers a conversation holding `assistantTurns` assistant turns. */
export function turnFor(script: FakeScript, assistantTurns: number): FakeTurn {
  return script.turns[assistantTurns] ?? { kind: 'text', text: script.finalText ?? 'Done.' };
}

/** The text reply an answer turn gives where no structured-output tool is offered. */
export function answerText(turn: AnswerTurn): string {
  const json = JSON.stringify(turn.json);
  return turn.text ? `${turn.text}\n${json}` : json;
}

/** Resolve a scripted path against the agent's working directory when the fake could read it. */
export function resolveAgainst(cwd: string | undefined, path: string): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || !cwd) return path;
  const sep = cwd.includes('\\') && !cwd.includes('/') ? '\\' : '/';
  return cwd.replace(/[\\/]+$/, '') + sep + path;
}

/** Throws with a message naming the bad entry: a typo in a test script should fail loudly. */
export function parseFakeScript(value: unknown): FakeScript {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as FakeScript).turns)) {
    throw new Error('fake model script: expected an object with a "turns" array');
  }
  const kinds = ['write', 'shell', 'call', 'text', 'answer', 'error', 'break', 'hang'];
  (value as FakeScript).turns.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || !kinds.includes(t.kind)) {
      throw new Error(`fake model script: turns[${i}].kind must be one of ${kinds.join(', ')}`);
    }
    if (t.kind === 'answer' && t.json === undefined) {
      throw new Error(`fake model script: turns[${i}] is an answer without a "json" value`);
    }
  });
  const routes = (value as FakeScript).routes;
  if (routes !== undefined) {
    if (!Array.isArray(routes)) throw new Error('fake model script: "routes" must be a list');
    routes.forEach((r, i) => {
      if (typeof r?.when !== 'string' || r.when === '')
        throw new Error(`fake model script: routes[${i}].when must be a non-empty text`);
      parseFakeScript(r.script);
    });
  }
  return value as FakeScript;
}
