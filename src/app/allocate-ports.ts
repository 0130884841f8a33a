/**
 * Port allocation for a lane: each named service gets its preferred port (the seed's hash) or the
 * next free one in deterministic probe order, skipping ports leased to other lanes and ports
 * something on the machine listens on. The lease is an INSERT on the port's primary key, so two
 * concurrent `lanes new` can never be handed the same port; the lease makes the answer stable.
 */
import { InputError } from '../domain/errors.js';
import { probeOrder, validatePortService, type PortService } from '../domain/ports.js';
import type { Config } from '../infra/config-schema.js';
import type { StateStore } from '../infra/store.js';

export type PortCheck = (port: number) => Promise<boolean>;

export function portServices(config: Config['ports']): [string, PortService][] {
  const services = Object.entries(config.services);
  const list: [string, PortService][] = (services.length > 0 ? services : [['web', {}]] as [string, { base?: number; range?: number }][]).map(
    ([name, s]) => [name, { base: s.base ?? config.base, range: s.range ?? config.range }],
  );
  for (const [name, s] of list) validatePortService(name, s);
  return list;
}

export async function allocatePorts(store: StateStore, lane: string, config: Config['ports'], inUse: PortCheck, signal?: AbortSignal): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const [service, range] of portServices(config)) {
    let leased = store.leasedPorts();
    let granted: number | undefined;
    for (const port of probeOrder(lane, range)) {
      signal?.throwIfAborted();
      if (leased.has(port)) continue;
      if (await inUse(port)) continue;
      if (store.tryLease(port, lane, service)) {
        granted = port;
        break;
      }
      // Another process leased it between our read and insert: refresh and go on probing.
      leased = store.leasedPorts();
    }
    if (granted === undefined) {
      throw new InputError(`port range full for service "${service}": every port in ${range.base}-${range.base + range.range - 1} is leased or in use`, {
        hint: 'remove unused lanes (lanes rm) or widen ports.range / ports.services in lanes.config.json',
      });
    }
    ports[service] = granted;
  }
  return ports;
}
