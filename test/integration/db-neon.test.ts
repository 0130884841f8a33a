import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { neonBranches, type NeonOptions } from '../../src/adapters/db/neon/index.js';
import { InputError, ToolError } from '../../src/domain/errors.js';
import { startFakeNeon, type FakeNeon } from '../fakes/neon-server.js';
import { freePort } from '../helpers/pg-cluster.js';

describe('neon database branches', () => {
  let neon: FakeNeon;
  beforeEach(async () => {
    neon = await startFakeNeon();
  });
  afterEach(async () => neon.close());

  const adapter = (over: Partial<NeonOptions> = {}) =>
    neonBranches({
      repoRoot: '/repo/a',
      projectId: neon.projectId,
      apiUrl: neon.url,
      apiKey: neon.apiKey,
      pollIntervalMs: 10,
      ...over,
    });

  it('creates a branch from the parent with a read-write compute, waits for it, and returns its direct connection string', async () => {
    const db = adapter({ parentBranch: 'main' });
    const branch = await db.create({ lane: 'issue-1', path: '/x' });
    expect(branch.handle).toMatch(/^br-/);
    expect(branch.url).toBe(
      `postgresql://neondb_owner:pw-${branch.handle}@ep-${branch.handle!.slice(3)}.fake.neon.tech/neondb?sslmode=require`,
    );
    const post = neon.requests.find((r) => r.method === 'POST');
    expect(post?.body).toMatchObject({
      branch: { name: branch.name, parent_id: 'br-main-0001' },
      endpoints: [{ type: 'read_write' }],
    });
    expect(neon.requests.some((r) => r.path.includes('/operations/'))).toBe(true);
    expect(await db.list()).toEqual([branch.name]);
    await db.drop(branch);
    await db.drop(branch);
    expect([...neon.branches.values()].map((b) => b.name)).toEqual(['main']);
  });

  it("reuses a branch that already exists under the lane's name (409)", async () => {
    const db = adapter();
    const first = await db.create({ lane: 'issue-1', path: '/x' });
    const again = await db.create({ lane: 'issue-1', path: '/x' });
    expect(again.handle).toBe(first.handle);
    expect(neon.branches.size).toBe(2);
  });

  it('retries 423 and 429 and 5xx, then succeeds', async () => {
    neon.fail('POST', /\/branches$/, 423, 1);
    neon.fail('POST', /\/branches$/, 429, 1);
    neon.fail('POST', /\/branches$/, 502, 1);
    const branch = await adapter().create({ lane: 'issue-2', path: '/x' });
    expect(branch.url).toContain('neondb');
    expect(neon.requests.filter((r) => r.method === 'POST')).toHaveLength(4);
  });

  it('gives a clear error after 429s that do not stop, and makes nothing', async () => {
    neon.fail('POST', /\/branches$/, 429, 100);
    const err = await adapter({ retries: 2 })
      .create({ lane: 'issue-3', path: '/x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/^Neon kept answering 429 \(rate limit\)/);
    expect(neon.branches.size).toBe(1);
  });

  it('gives a clear error after server errors that do not stop', async () => {
    neon.fail('POST', /\/branches$/, 500, 100);
    const err = await adapter({ serverErrorRetries: 1 })
      .create({ lane: 'issue-3', path: '/x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/HTTP 500/);
  });

  it('says the API key was refused on 401, without printing it', async () => {
    const err = await adapter({ apiKey: 'wrong-key' })
      .create({ lane: 'issue-4', path: '/x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^Neon refused NEON_API_KEY/);
    expect((err as Error).message).not.toContain('wrong-key');
  });

  it('refuses to start without NEON_API_KEY', () => {
    expect(() => adapter({ apiKey: undefined })).toThrow(/NEON_API_KEY is not set/);
  });

  it('names a parent branch that does not exist', async () => {
    await expect(adapter({ parentBranch: 'staging' }).create({ lane: 'issue-5', path: '/x' })).rejects.toThrow(
      /database\.parentBranch "staging" is not a branch/,
    );
  });

  it('deletes the branch it made when the connection string cannot be had', async () => {
    neon.fail('GET', /\/connection_uri$/, 400, 1);
    await expect(adapter().create({ lane: 'issue-6', path: '/x' })).rejects.toThrow(ToolError);
    expect(neon.branches.size).toBe(1);
  });

  it('reports an unreachable API in one line', async () => {
    const port = await freePort();
    const err = await adapter({ apiUrl: `http://127.0.0.1:${port}/api/v2` })
      .create({ lane: 'issue-7', path: '/x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/^cannot reach the Neon API at http:\/\/127\.0\.0\.1/);
  });
});
