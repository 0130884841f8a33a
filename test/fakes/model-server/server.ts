/**
 * A fake model server for driving the real agent CLIs offline. One HTTP server speaks three
 * vendors' streaming APIs (Anthropic Messages, OpenAI Responses, Gemini) and answers every
 * request from a script: the turn at index "assistant turns already in the conversation". Only
 * requests that offer tools consume turns; side requests (titles, topic checks) get `sideText`.
 * An `answer` turn is the structured final answer: a call to the CLI's structured-output tool
 * where the request offers one, else text. Every request is recorded in `requests` (and passed to
 * `onRequest`) so tests can assert what the agent sent. `close()` cuts open connections, hanging ones included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicAssistantTurns,
  anthropicBrokenStart,
  anthropicError,
  anthropicMessage,
  anthropicOffersTools,
  anthropicReply,
  anthropicToolCall,
  anthropicToolNames,
} from './anthropic.js';
import {
  geminiAssistantTurns,
  geminiBrokenStart,
  geminiError,
  geminiOffersTools,
  geminiReply,
  geminiResponse,
  geminiToolCall,
  geminiToolNames,
} from './gemini.js';
import {
  openaiAssistantTurns,
  openaiBrokenStart,
  openaiError,
  openaiOffersTools,
  openaiReply,
  openaiToolCall,
  openaiToolNames,
} from './openai.js';
import { answerText, type FakeScript, type FakeTurn, scriptFor, turnFor, usageOf } from './script.js';
import type { ToolCall, VendorReply } from './vendor.js';

export type Vendor = 'anthropic' | 'openai' | 'gemini';

export interface RecordedRequest {
  /** Order of arrival, from 1. */
  seq: number;
  method: string;
  path: string;
  vendor: Vendor | undefined;
  model: string | undefined;
  /** Assistant turns the conversation held; undefined for requests that are not completions. */
  assistantTurns: number | undefined;
  /** Which script turn answered: its index, `side` for a tool-less side request. */
  turn: number | 'side' | undefined;
  /** The kind of the answering turn (`write`, `shell`, `call`, `text`, `answer`, `error`, `break`, `hang`). */
  kind: FakeTurn['kind'] | undefined;
  /** Names of the tools the request offered the model (empty for a side request). */
  offeredTools: string[];
  /** The tool call sent back, in the vendor's names. */
  tool: ToolCall | undefined;
  /** The request as sent (tools and their schemas, system prompt, `text.format` …), parsed. */
  body: unknown;
  /** The credential the client sent (x-api-key, or the Authorization header's bearer token). */
  apiKey: string | undefined;
  receivedAt: number;
}

export interface FakeModelServer {
  /** `http://127.0.0.1:PORT`, no trailing slash and no path. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeModelServerOptions {
  port?: number;
  host?: string;
  onRequest?: (request: RecordedRequest) => void;
}

interface VendorApi {
  assistantTurns(body: unknown): number;
  offersTools(body: unknown): boolean;
  toolNames(body: unknown): string[];
  toolCall(body: unknown, turn: FakeTurn): ToolCall | undefined;
  stream(body: unknown, reply: VendorReply): string[];
  brokenStart(body: unknown, reply: VendorReply): string[];
  error(status: number, message: string): unknown;
}

const VENDORS: Record<Vendor, VendorApi> = {
  anthropic: {
    assistantTurns: (b) => anthropicAssistantTurns(b as never),
    offersTools: (b) => anthropicOffersTools(b as never),
    toolNames: (b) => anthropicToolNames(b as never),
    toolCall: (b, t) => anthropicToolCall(b as never, t),
    stream: (b, r) => anthropicReply(b as never, r),
    brokenStart: (b, r) => anthropicBrokenStart(b as never, r),
    error: anthropicError,
  },
  openai: {
    assistantTurns: (b) => openaiAssistantTurns(b as never),
    offersTools: (b) => openaiOffersTools(b as never),
    toolNames: (b) => openaiToolNames(b as never),
    toolCall: (b, t) => openaiToolCall(b as never, t),
    stream: (b, r) => openaiReply(b as never, r),
    brokenStart: (b, r) => openaiBrokenStart(b as never, r),
    error: openaiError,
  },
  gemini: {
    assistantTurns: (b) => geminiAssistantTurns(b as never),
    offersTools: (b) => geminiOffersTools(b as never),
    toolNames: (b) => geminiToolNames(b as never),
    toolCall: (b, t) => geminiToolCall(b as never, t),
    stream: (b, r) => geminiReply(b as never, r),
    brokenStart: (b, r) => geminiBrokenStart(b as never, r),
    error: geminiError,
  },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeModelServer(
  script: FakeScript,
  options: FakeModelServerOptions = {},
): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;
  let closing = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const raw = method === 'POST' ? await readBody(req) : '';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const record: RecordedRequest = {
      seq: ++seq,
      method,
      path,
      vendor: undefined,
      model: undefined,
      assistantTurns: undefined,
      turn: undefined,
      kind: undefined,
      offeredTools: [],
      tool: undefined,
      body,
      apiKey: apiKeyOf(req.headers),
      receivedAt: Date.now(),
    };
    requests.push(record);
    const finish = () => options.onRequest?.(record);

    // Health probes and model listings: answer so the CLIs carry on, consume nothing.
    if ((method === 'HEAD' || method === 'GET') && (path === '/' || path === '')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(method === 'HEAD' ? undefined : 'fake model server');
      return finish();
    }
    if (method === 'GET' && /\/models\/?$/.test(path)) {
      sendJson(res, 200, { object: 'list', data: [], models: [] });
      return finish();
    }
    if (method === 'POST' && /\/messages\/count_tokens$/.test(path)) {
      record.vendor = 'anthropic';
      sendJson(res, 200, { input_tokens: usageOf(script, undefined).input });
      return finish();
    }
    const gemini = /\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(path);
    if (method === 'POST' && gemini?.[2] === 'countTokens') {
      record.vendor = 'gemini';
      sendJson(res, 200, { totalTokens: usageOf(script, undefined).input });
      return finish();
    }
    const vendor: Vendor | undefined =
      method !== 'POST'
        ? undefined
        : /\/messages$/.test(path)
          ? 'anthropic'
          : /\/responses$/.test(path)
            ? 'openai'
            : gemini
              ? 'gemini'
              : undefined;
    if (!vendor || typeof body !== 'object' || body === null) {
      sendJson(res, 404, { error: { message: `fake model server: no route for ${method} ${path}` } });
      return finish();
    }
    record.vendor = vendor;
    const api = VENDORS[vendor];
    const b = body as { model?: string; stream?: boolean };
    record.model = vendor === 'gemini' ? decodeURIComponent(gemini?.[1] ?? '') : b.model;
    const streaming = vendor === 'gemini' ? gemini?.[2] === 'streamGenerateContent' : b.stream !== false;
    const bodyWithModel = vendor === 'gemini' ? { ...b, model: record.model } : b;
    record.assistantTurns = api.assistantTurns(body);
    record.offeredTools = api.toolNames(body);

    const active = scriptFor(script, JSON.stringify(body));
    let turn: FakeTurn;
    if (!api.offersTools(body)) {
      record.turn = 'side';
      turn = { kind: 'text', text: active.sideText ?? 'Scripted task' };
    } else {
      record.turn = record.assistantTurns;
      turn = turnFor(active, record.assistantTurns);
    }
    record.kind = turn.kind;
    finish();

    if (turn.kind === 'hang') return; // the response stays open until close() or the client gives up
    if (turn.delayMs) await sleep(turn.delayMs);
    if (closing) return;
    const reply: VendorReply = { seq: record.seq, usage: usageOf(active, turn) };
    if (turn.kind === 'error') {
      const status = turn.status ?? 500;
      sendJson(
        res,
        status,
        api.error(status, turn.message ?? `fake model server: scripted error at turn ${record.turn}`),
      );
      return;
    }
    if (turn.kind === 'text') reply.text = turn.text;
    if (turn.kind === 'write' || turn.kind === 'shell') {
      reply.text = turn.text;
      reply.tool = api.toolCall(body, turn);
      record.tool = reply.tool;
    }
    if (turn.kind === 'call') {
      reply.text = turn.text;
      reply.tool = { name: turn.name, input: turn.input };
      record.tool = reply.tool;
    }
    if (turn.kind === 'answer') {
      // A call to the structured-output tool where one is offered, else the JSON as text.
      reply.tool = api.toolCall(body, turn);
      reply.text = reply.tool ? turn.text : answerText(turn);
      record.tool = reply.tool;
    }
    if (turn.kind === 'break') {
      reply.text = turn.text ?? 'Working on it';
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const chunk of api.brokenStart(bodyWithModel, reply)) res.write(chunk);
      // Let the partial events reach the client, then cut the connection mid-stream.
      await sleep(50);
      res.destroy();
      return;
    }
    if (!streaming) {
      sendJson(
        res,
        200,
        vendor === 'gemini'
          ? geminiResponse(bodyWithModel, reply)
          : vendor === 'anthropic'
            ? anthropicMessage(b, reply)
            : { error: 'non-streaming responses are not served' },
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (const chunk of api.stream(bodyWithModel, reply)) res.write(chunk);
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake model server crashed: ${String(err)}` } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function apiKeyOf(headers: import('node:http').IncomingHttpHeaders): string | undefined {
  const key = headers['x-api-key'] ?? headers['x-goog-api-key'];
  if (typeof key === 'string') return key;
  return headers.authorization?.replace(/^Bearer\s+/i, '');
}
