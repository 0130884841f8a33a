/**
 * A fake of the few Neon API v2 endpoints lanes uses, speaking the documented shapes: branches
 * (list with `search`, create with endpoints, delete), operations (readiness), roles, databases
 * and connection_uri. It checks the Bearer key on every request, records requests, and can be
 * told to answer the next matching requests with an error status (401, 409, 423, 429, 5xx).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface FakeBranch {
  id: string;
  name: string;
  parent_id: string | null;
  default: boolean;
  created_at: string;
}

export interface NeonRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeNeon {
  url: string;
  apiKey: string;
  projectId: string;
  branches: Map<string, FakeBranch>;
  requests: NeonRequest[];
  /** Answer the next `times` requests matching method and path pattern with `status`. */
  fail(method: string, path: RegExp, status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeNeon(opts: { apiKey?: string; projectId?: string } = {}): Promise<FakeNeon> {
  const apiKey = opts.apiKey ?? 'test-key';
  const projectId = opts.projectId ?? 'proj-fake-123';
  const main: FakeBranch = {
    id: 'br-main-0001',
    name: 'main',
    parent_id: null,
    default: true,
    created_at: new Date().toISOString(),
  };
  const branches = new Map<string, FakeBranch>([[main.id, main]]);
  const requests: NeonRequest[] = [];
  const failures: { method: string; path: RegExp; status: number; times: number }[] = [];
  const operations = new Map<string, number>();

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const path = u.pathname.replace(/^\/api\/v2/, '');
      const body = await readBody(req);
      const method = req.method ?? 'GET';
      requests.push({ method, path, query: Object.fromEntries(u.searchParams), body });
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return send(res, 401, { code: '', message: 'authorization failed' });
      const forced = failures.find((f) => f.method === method && f.path.test(path) && f.times > 0);
      if (forced) {
        forced.times--;
        return send(
          res,
          forced.status,
          { code: '', message: `forced ${forced.status}` },
          forced.status === 429 || forced.status === 423 ? { 'retry-after': '0' } : {},
        );
      }
      const m = path.match(/^\/projects\/([^/]+)(\/.*)?$/);
      if (!m || m[1] !== projectId) return send(res, 404, { code: '', message: 'project not found' });
      const rest = m[2] ?? '';
      let mm: RegExpMatchArray | null;
      if (method === 'GET' && rest === '/branches') {
        const search = u.searchParams.get('search') ?? '';
        return send(res, 200, { branches: [...branches.values()].filter((b) => b.name.includes(search)) });
      }
      if (method === 'POST' && rest === '/branches') {
        const input =
          (body as { branch?: { name?: string; parent_id?: string }; endpoints?: { type: string }[] } | undefined) ??
          {};
        const name = input.branch?.name ?? `br-${randomBytes(3).toString('hex')}`;
        if ([...branches.values()].some((b) => b.name === name))
          return send(res, 409, { code: 'BRANCH_ALREADY_EXISTS', message: `branch ${name} already exists` });
        const parent = input.branch?.parent_id ?? main.id;
        if (!branches.has(parent)) return send(res, 404, { code: '', message: 'parent branch not found' });
        const branch: FakeBranch = {
          id: `br-${randomBytes(4).toString('hex')}`,
          name,
          parent_id: parent,
          default: false,
          created_at: new Date().toISOString(),
        };
        branches.set(branch.id, branch);
        const op = `op-${randomBytes(4).toString('hex')}`;
        operations.set(op, 1);
        const endpoint = {
          id: `ep-${branch.id.slice(3)}`,
          host: `ep-${branch.id.slice(3)}.fake.neon.tech`,
          branch_id: branch.id,
          type: input.endpoints?.[0]?.type ?? 'read_write',
        };
        return send(res, 201, {
          branch,
          endpoints: input.endpoints ? [endpoint] : [],
          operations: [
            { id: op, project_id: projectId, branch_id: branch.id, action: 'create_branch', status: 'running' },
          ],
          roles: [{ branch_id: branch.id, name: 'neondb_owner' }],
          databases: [{ branch_id: branch.id, name: 'neondb', owner_name: 'neondb_owner' }],
          connection_uris: [
            {
              connection_uri: uri(branch.id, 'neondb', 'neondb_owner'),
              connection_parameters: {
                host: endpoint.host,
                pooler_host: endpoint.host.replace('.fake', '-pooler.fake'),
              },
            },
          ],
        });
      }
      if (method === 'GET' && (mm = rest.match(/^\/operations\/([^/]+)$/))) {
        // Running on the first poll, finished on the next: the client must wait for readiness.
        const seen = operations.get(mm[1]!) ?? 99;
        operations.set(mm[1]!, seen + 1);
        return send(res, 200, {
          operation: {
            id: mm[1],
            project_id: projectId,
            action: 'create_branch',
            status: seen >= 2 ? 'finished' : 'running',
          },
        });
      }
      if (method === 'GET' && (mm = rest.match(/^\/branches\/([^/]+)\/(roles|databases)$/))) {
        if (!branches.has(mm[1]!)) return send(res, 404, { code: '', message: 'branch not found' });
        return mm[2] === 'roles'
          ? send(res, 200, { roles: [{ branch_id: mm[1], name: 'neondb_owner' }] })
          : send(res, 200, { databases: [{ branch_id: mm[1], name: 'neondb', owner_name: 'neondb_owner' }] });
      }
      if (method === 'GET' && rest === '/connection_uri') {
        const b = u.searchParams.get('branch_id') ?? main.id;
        if (!branches.has(b)) return send(res, 404, { code: '', message: 'branch not found' });
        return send(res, 200, {
          uri: uri(
            b,
            u.searchParams.get('database_name') ?? 'neondb',
            u.searchParams.get('role_name') ?? 'neondb_owner',
            u.searchParams.get('pooled') === 'true',
          ),
        });
      }
      if (method === 'DELETE' && (mm = rest.match(/^\/branches\/([^/]+)$/))) {
        const b = branches.get(mm[1]!);
        if (!b) return send(res, 404, { code: '', message: 'branch not found' });
        branches.delete(b.id);
        return send(res, 200, { branch: b, operations: [] });
      }
      return send(res, 404, { code: '', message: `no route ${method} ${path}` });
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });

  function uri(branchId: string, db: string, role: string, pooled = false): string {
    return `postgresql://${role}:pw-${branchId}@ep-${branchId.slice(3)}${pooled ? '-pooler' : ''}.fake.neon.tech/${db}?sslmode=require`;
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    apiKey,
    projectId,
    branches,
    requests,
    fail(method, path, status, times = 1) {
      failures.push({ method, path, status, times });
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
