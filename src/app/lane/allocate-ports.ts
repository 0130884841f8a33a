/**
 * Port allocation for a lane: each named service gets its preferred port (the seed's hash) or the
 * next free one in deterministic probe order, skipping ports leased by any lane of any repository
 * on this machine and ports something on the machine listens on. Leases live in the user's
 * machine-wide registry (src/infra/port-registry.ts); a lease is an INSERT on the port's primary
 * key, so two concurrent `lanes new`, in one repository or in two, are never handed the same port.
 * The lane's record keeps the ports it was given; the registry is what reserves them.
 */
import { realpathSync } from 'node:fs';
import { errorMessage, InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { probeOrder, validatePortService, type PortService } from '../../domain/ports.js';
import type { Config } from '../../infra/config-schema.js';
import { isPortInUse } from '../../infra/port-probe.js';
import type { PortRegistry } from '../../infra/port-registry.js';
import type { Context } from '../context.js';

export type PortCheck = (port: number) => Promise<boolean>;

export function portServices(config: Config['ports']): [string, PortService][] {
  const services = Object.entries(config.services);
  const list: [string, PortService][] = (
    services.length > 0 ? services : ([['web', {}]] as [string, { base?: number; range?: number }][])
  ).map(([name, s]) => [name, { base: s.base ?? config.base, range: s.range ?? config.range }]);
  for (const [name, s] of list) validatePortService(name, s);
  return list;
}

/** How the registry names a repository: the real path of its git common directory, shared by all its worktrees. */
export function repositoryKey(commonDir: string): string {
  try {
    return realpathSync(commonDir);
  } catch {
    return commonDir;
  }
}

export async function allocatePorts(
  registry: PortRegistry,
  repo: string,
  lane: string,
  config: Config['ports'],
  inUse: PortCheck,
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const [service, range] of portServices(config)) {
    let leased = registry.leasedPorts();
    let granted: number | undefined;
    for (const port of probeOrder(lane, range)) {
      signal?.throwIfAborted();
      if (leased.has(port)) continue;
      if (await inUse(port)) continue;
      if (registry.tryLease(port, repo, lane, service)) {
        granted = port;
        break;
      }
      // Another process leased it between our read and insert: refresh and go on probing.
      leased = registry.leasedPorts();
    }
    if (granted === undefined) {
      // Nothing half-made: the services leased so far go back.
      registry.release(repo, lane);
      throw new InputError(
        `port range full for service "${service}": every port in ${range.base}-${range.base + range.range - 1} is leased or in use`,
        {
          hint: 'remove unused lanes (lanes rm, in any repository) or widen ports.range / ports.services in lanes.config.json',
        },
      );
    }
    ports[service] = granted;
  }
  return ports;
}

/**
 * Lanes made before leases were machine-wide only have their ports in their record: lease those
 * (when still free) so no other repository is handed them.
 */
export function adoptRecordedPorts(registry: PortRegistry, repo: string, lanes: readonly LaneRecord[]): void {
  for (const lane of lanes) {
    for (const [service, port] of Object.entries(lane.ports)) registry.tryLease(port, repo, lane.name, service);
  }
}

/** Leases the lane's ports from the machine-wide registry. */
export async function leaseLanePorts(
  ctx: Context,
  lane: string,
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  const [repo, config, store, registry] = await Promise.all([
    ctx.repo(),
    ctx.config(),
    ctx.store(),
    ctx.portRegistry(),
  ]);
  const key = repositoryKey(repo.commonDir);
  adoptRecordedPorts(registry, key, store.listLanes());
  return allocatePorts(registry, key, lane, config.ports, isPortInUse, signal);
}

/**
 * Frees the lane's ports; called once its record is gone. A failure is a warning, not an error:
 * the lane is removed either way, and `lanes doctor --fix` frees leases of lanes that are gone.
 */
export async function releaseLanePorts(ctx: Context, lane: string): Promise<void> {
  try {
    const [repo, registry] = await Promise.all([ctx.repo(), ctx.portRegistry()]);
    registry.release(repositoryKey(repo.commonDir), lane);
  } catch (err) {
    ctx.io.err(
      `lanes: could not release the ports of lane ${lane}: ${errorMessage(err)}; lanes doctor --fix frees them`,
    );
  }
}
