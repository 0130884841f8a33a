// Port leases are machine-wide for the user: lanes of different repositories sharing one state
// directory (here LANES_STATE_HOME, as HOME would on a real machine) never get the same port.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
let stateHome: string;
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  rmSync(stateHome, { recursive: true, force: true });
});

function setup(count: number, config?: Record<string, unknown>): { repos: TempRepo[]; env: Record<string, string> } {
  stateHome = mkdtempSync(join(tmpdir(), 'lanes-test-state-'));
  const made = Array.from({ length: count }, (_, i) => {
    const r = makeRepo({
      name: `app${i}`,
      ...(config ? { files: { 'lanes.config.json': JSON.stringify(config) } } : {}),
    });
    repos.push(r);
    return r;
  });
  return { repos: made, env: { LANES_STATE_HOME: stateHome } };
}

const preferred = (lane: string, base = 4000, range = 1000) =>
  base + (parseInt(createHash('sha1').update(lane).digest('hex').slice(0, 4), 16) % range);

describe('machine-wide port leases', () => {
  it('gives issue-1 of two repositories different ports, and frees the port when the lane is removed', () => {
    const {
      repos: [a, b],
      env,
    } = setup(2);
    addIssue(a!, 1, 'x');
    addIssue(b!, 1, 'x');
    expect(lanes(a!, ['new', '1', '--no-agent'], { env }).code).toBe(0);
    const res = lanes(b!, ['new', '1', '--no-agent'], { env });
    expect(res.code, res.stderr).toBe(0);
    const portA = Number(lanes(a!, ['port', 'issue-1'], { env }).stdout.trim());
    const portB = Number(lanes(b!, ['port', 'issue-1'], { env }).stdout.trim());
    // The seed's formula gives the first candidate; the second repository probes past it.
    expect(portA).toBe(preferred('issue-1'));
    expect(portB).not.toBe(portA);
    expect(existsSync(join(stateHome, 'ports.db'))).toBe(true);

    expect(lanes(a!, ['rm', 'issue-1'], { env }).code).toBe(0);
    const c = makeRepo({ name: 'app-c' });
    repos.push(c);
    addIssue(c, 1, 'x');
    expect(lanes(c, ['new', '1', '--no-agent'], { env }).code).toBe(0);
    expect(Number(lanes(c, ['port', 'issue-1'], { env }).stdout.trim())).toBe(portA);
  });

  it('never hands the same port to lanes of two repositories created at once by 10 processes', async () => {
    // A small range makes every process compete for the same few ports.
    const {
      repos: [a, b],
      env,
    } = setup(2, { ports: { base: 43100, range: 16 } });
    for (const r of [a!, b!]) for (let i = 1; i <= 5; i++) addIssue(r, i, `issue ${i}`);
    const runs = [a!, b!].flatMap((r) =>
      [1, 2, 3, 4, 5].map((i) => lanesAsync(r, ['new', String(i), '--no-agent'], { env })),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ports = [a!, b!].flatMap((r) =>
      json<{ ports: { web: number } }[]>(lanes(r, ['ls', '--json'], { env })).map((l) => l.ports.web),
    );
    expect(ports).toHaveLength(10);
    expect(new Set(ports).size).toBe(10);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(43100);
      expect(p).toBeLessThan(43116);
    }
  });

  it('leases the ports of lanes made before the registry (kept in their records) before probing again', () => {
    const {
      repos: [a, b],
      env,
    } = setup(2);
    addIssue(a!, 1, 'x');
    addIssue(a!, 2, 'y');
    addIssue(b!, 1, 'x');
    expect(lanes(a!, ['new', '1', '--no-agent'], { env }).code).toBe(0);
    const portA = Number(lanes(a!, ['port', 'issue-1'], { env }).stdout.trim());
    // As on a machine upgraded from per-repository leases: the lane knows its port, no registry does.
    rmSync(stateHome, { recursive: true, force: true });
    expect(lanes(a!, ['new', '2', '--no-agent'], { env }).code).toBe(0);
    expect(lanes(b!, ['new', '1', '--no-agent'], { env }).code).toBe(0);
    expect(Number(lanes(b!, ['port', 'issue-1'], { env }).stdout.trim())).not.toBe(portA);
    expect(json<{ problems: unknown[] }>(lanes(a!, ['doctor', '--json'], { env })).problems).toEqual([]);
  });

  it('undoes a lane whose ports cannot be leased without keeping any lease', () => {
    const {
      repos: [a, b],
      env,
    } = setup(2, { ports: { base: 43200, range: 1 } });
    addIssue(a!, 1, 'x');
    addIssue(b!, 2, 'y');
    expect(lanes(a!, ['new', '1', '--no-agent'], { env }).code).toBe(0);
    const full = lanes(b!, ['new', '2', '--no-agent'], { env });
    expect(full.code).toBe(2);
    expect(full.stderr).toContain('port range full for service "web"');
    expect(json(lanes(b!, ['ls', '--json'], { env }))).toEqual([]);
    expect(json<{ problems: unknown[] }>(lanes(b!, ['doctor', '--json'], { env })).problems).toEqual([]);
  });
});
