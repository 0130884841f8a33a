/**
 * `lanes ui`'s HTTP server (node:http, no framework): the built front end and a JSON API over the
 * lanes of this repository, on the loopback interface only.
 *
 * The security model, all of it here:
 * - it listens on 127.0.0.1, never on another interface;
 * - a random token per run, given in the printed URL; the first request with it sets an HttpOnly,
 *   SameSite=Strict cookie (named for the port: cookies do not keep ports apart), and every request
 *   needs the cookie or the token;
 * - the Host header must be 127.0.0.1:<port> or localhost:<port>, so a page on another name that
 *   resolves to 127.0.0.1 (DNS rebinding) gets nothing; an Origin header, when sent, must be this
 *   same origin, so another site's page cannot read or act;
 * - actions are POSTs with a JSON body and a same-origin Origin: a form on another site can send
 *   neither;
 * - files are served from a fixed map of the built front end made at start; no part of a request
 *   becomes a path. Everything else is data of the lanes lanes manages, looked up by name.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { BOARD_COLUMNS, BOARD_TITLES } from '../../domain/board.js';
import { errorMessage, InputError, LanesError, ToolError } from '../../domain/errors.js';
import type { LaneEvent } from '../../domain/lane-events.js';
import type { Context } from '../context.js';
import { laneStats } from '../stats.js';
import { addComment, isUiAction, runUiAction, type ActionOutcome } from './actions.js';
import { boardData, healedRules, laneDetail, laneDiffFiles, LogTail } from './dashboard-data.js';
import { watchState, WATCH_INTERVAL_MS } from './state-watch.js';

export interface UiServerOptions {
  /** The port to listen on; 0 for any free one. */
  ports: Iterable<number>;
  /** The built front end (dist/ui). */
  assetsDir: string;
  /** Called with each lane event (the page shows them too). */
  onEvents?: (events: LaneEvent[]) => void;
}

export interface UiServer {
  port: number;
  token: string;
  /** The address to open, with the token. */
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A POST body larger than this is refused (a comment is small). */
const MAX_BODY_BYTES = 256 * 1024;

/** How long an action's answer is waited for before the page is told it runs on (review, fix). */
const ACTION_ANSWER_MS = 2_500;

interface Asset {
  body: Buffer;
  type: string;
}

/** Every file of the built front end, by URL path, read once: the only files this server sends. */
function assetMap(dir: string): Map<string, Asset> {
  const map = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).size < 20 * 1024 * 1024) {
        const type = CONTENT_TYPES[extname(entry.name)];
        if (type) map.set(`/${relative(dir, full).split(sep).join('/')}`, { body: readFileSync(full), type });
      }
    }
  };
  try {
    walk(dir);
  } catch (err) {
    throw new ToolError(`the dashboard's files are missing from ${dir} (${errorMessage(err)}); run npm run build`);
  }
  const index = map.get('/index.html');
  if (!index) throw new ToolError(`the dashboard's index.html is missing from ${dir}; run npm run build`);
  map.set('/', index);
  return map;
}

interface SseClient {
  res: ServerResponse;
  tail: LogTail | undefined;
  busy: boolean;
}

export async function startUiServer(ctx: Context, opts: UiServerOptions): Promise<UiServer> {
  const assets = assetMap(opts.assetsDir);
  const token = randomBytes(24).toString('base64url');
  const store = await ctx.store();
  const clients = new Set<SseClient>();
  let port = 0;

  const send = (client: SseClient, event: string, data: unknown) => {
    client.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown) => {
    for (const c of clients) send(c, event, data);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: errorMessage(err) });
      else res.end();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const host = req.headers.host ?? '';
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes(host)) return text(res, 403, 'lanes ui: refused: the Host header is not this server');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`)
      return text(res, 403, 'lanes ui: refused: the request comes from another origin');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const cookieName = `lanes-ui-${port}`;
    const given = url.searchParams.get('token') ?? cookieOf(req, cookieName);
    if (given === undefined || !sameSecret(given, token))
      return text(res, 401, 'lanes ui: open the address `lanes ui` printed (it carries the token for this run)');
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      // The token leaves the address bar (and the history) at once; the cookie carries it from now on.
      res.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      res.writeHead(303, { Location: url.pathname });
      return void res.end();
    }
    if (req.method === 'POST') return handlePost(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'lanes ui: method not allowed');
    if (url.pathname.startsWith('/api/')) return handleGet(req, res, url);
    const asset = assets.get(url.pathname);
    if (!asset) return text(res, 404, 'lanes ui: not found');
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Cache-Control': url.pathname.startsWith('/assets/') ? 'max-age=31536000, immutable' : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };

  const laneFrom = (url: URL, prefix: string) => decodeURIComponent(url.pathname.slice(prefix.length).split('/')[0]!);

  const handleGet = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    try {
      if (path === '/api/board')
        return json(res, 200, {
          columns: BOARD_COLUMNS.map((id) => ({ id, title: BOARD_TITLES[id] })),
          lanes: await boardData(ctx),
        });
      if (path === '/api/events') return openEvents(req, res, url.searchParams.get('lane'));
      if (path === '/api/stats')
        return json(res, 200, { ...(await laneStats(ctx)), rules: healedRules(await ctx.store()) });
      const m = /^\/api\/lanes\/([^/]+)(\/diff)?$/.exec(path);
      if (m) {
        const name = laneFrom(url, '/api/lanes/');
        return json(res, 200, m[2] ? await laneDiffFiles(ctx, name) : await laneDetail(ctx, name));
      }
      return json(res, 404, { error: 'not found' });
    } catch (err) {
      return errorJson(res, err);
    }
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // A same-origin fetch always sends Origin on POST; a request without one is not from the page.
    if (req.headers.origin === undefined)
      return text(res, 403, 'lanes ui: refused: actions need a same-origin request');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin')
      return text(res, 403, 'lanes ui: refused: the request comes from another site');
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return text(res, 415, 'lanes ui: actions take a JSON body');
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch (err) {
      return json(res, 400, { error: errorMessage(err) });
    }
    const comment = /^\/api\/lanes\/([^/]+)\/comments$/.exec(url.pathname);
    if (comment) {
      try {
        const stored = await addComment(ctx, laneFrom(url, '/api/lanes/'), body);
        return json(res, 201, stored);
      } catch (err) {
        return errorJson(res, err);
      }
    }
    const action = /^\/api\/lanes\/([^/]+)\/actions\/([a-z]+)$/.exec(url.pathname);
    if (action && isUiAction(action[2]!)) {
      const name = laneFrom(url, '/api/lanes/');
      const what = action[2];
      const running = runUiAction(ctx, name, what);
      const first = await Promise.race([running, sleep(ACTION_ANSWER_MS).then(() => undefined)]);
      if (first) return json(res, first.ok ? 200 : statusOf(first), first);
      // Review and fix wait for their agents: the page hears the end through the event feed.
      void running.then((outcome) => broadcast('notice', { lane: name, action: what, ...outcome }));
      return json(res, 202, {
        ok: true,
        message: `${what} of ${name} is running; the board shows its progress`,
        exitCode: 0,
        details: [],
        log: [],
      } satisfies ActionOutcome);
    }
    return json(res, 404, { error: 'not found' });
  };

  const openEvents = (req: IncomingMessage, res: ServerResponse, lane: string | null) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const client: SseClient = { res, tail: lane ? new LogTail(ctx, lane) : undefined, busy: false };
    clients.add(client);
    send(client, 'hello', { interval: WATCH_INTERVAL_MS });
    void pumpLog(client);
    req.on('close', () => clients.delete(client));
  };

  const pumpLog = async (client: SseClient) => {
    if (!client.tail || client.busy) return;
    client.busy = true;
    try {
      const read = await client.tail.read();
      if (read.reset || read.lines.length > 0) send(client, 'log', read);
    } catch (err) {
      send(client, 'log', { runId: null, reset: false, lines: [`! ${errorMessage(err)}`], status: null });
    } finally {
      client.busy = false;
    }
  };

  const watcher = watchState(store, (events) => {
    if (events.length > 0) opts.onEvents?.(events);
    broadcast('state', { events });
  });
  const ticker = setInterval(() => {
    for (const c of clients) void pumpLog(c);
  }, WATCH_INTERVAL_MS);
  const keepAlive = setInterval(() => {
    for (const c of clients) c.res.write(': keep-alive\n\n');
  }, 15_000);

  port = await listen(server, opts.ports);
  const close = async () => {
    watcher.stop();
    clearInterval(ticker);
    clearInterval(keepAlive);
    for (const c of clients) c.res.end();
    clients.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  };
  return { port, token, url: `http://127.0.0.1:${port}/?token=${token}`, close };
}

/** Listens on the first port of `ports` that is free (0: any free port). */
async function listen(server: Server, ports: Iterable<number>): Promise<number> {
  let tried = 0;
  for (const port of ports) {
    tried++;
    const bound = await new Promise<number | undefined>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        if (err.code === 'EADDRINUSE') resolve(undefined);
        else reject(new ToolError(`lanes ui could not listen on 127.0.0.1:${port}: ${err.message}`));
      };
      const onListening = () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, '127.0.0.1');
    });
    if (bound !== undefined) return bound;
  }
  throw new InputError(
    `lanes ui: ${tried === 1 ? 'the port is' : `all ${tried} ports tried are`} in use; choose one with --port P, or --port 0 for any free port`,
  );
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new InputError(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

function statusOf(outcome: ActionOutcome): number {
  if (outcome.exitCode === 3) return 409;
  if (outcome.exitCode === 2) return 400;
  return 500;
}

function errorJson(res: ServerResponse, err: unknown): void {
  const code = err instanceof LanesError ? err.exitCode : 1;
  json(res, code === 2 ? 400 : code === 3 ? 409 : 500, { error: errorMessage(err), exitCode: code });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(value));
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
