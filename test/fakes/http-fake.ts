/**
 * The plumbing the fake GitHub, Linear and Jira servers share: a node:http server on an
 * ephemeral port of 127.0.0.1 that records every request (method, path, query, headers, body)
 * so tests can check what the official clients actually sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body, when there is one. */
  json?: unknown;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as text/plain. */
  body?: unknown;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFake(handle: (req: RecordedRequest) => Reply | Promise<Reply>): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      if (body && /json/.test(req.headers['content-type'] ?? '')) {
        try {
          recorded.json = JSON.parse(body);
        } catch {
          // Left undefined: the handler answers 400 as the real service would.
        }
      }
      requests.push(recorded);
      Promise.resolve()
        .then(() => handle(recorded))
        .then((reply) => send(res, reply))
        .catch((err: unknown) => send(res, { status: 500, body: { message: `fake server error: ${String(err)}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Seconds since the epoch, as GitHub's x-ratelimit-reset. */
export function epochSeconds(offsetMs = 0): number {
  return Math.floor((Date.now() + offsetMs) / 1000);
}

/** A URL on 127.0.0.1 where nothing listens (a port just released), for "connection refused". */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
