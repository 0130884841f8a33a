/**
 * Port hashing and probing, pure. The default is the seed article's formula, so scripts that use
 * it agree with lanes: base + parseInt(sha1(name).slice(0, 4), 16) % range. When that port is
 * taken, the next ones are tried in order (wrapping inside the range): deterministic, so the same
 * lane on the same machine state always gets the same answer.
 */
import { createHash } from 'node:crypto';
import { InputError } from './errors.js';

export interface PortService {
  base: number;
  range: number;
}

export function hashedOffset(laneName: string, range: number): number {
  return parseInt(createHash('sha1').update(laneName).digest('hex').slice(0, 4), 16) % range;
}

export function preferredPort(laneName: string, service: PortService): number {
  return service.base + hashedOffset(laneName, service.range);
}

/** Every port of the service's range, preferred first, then upwards with wrap-around. */
export function* probeOrder(laneName: string, service: PortService): Generator<number> {
  const start = hashedOffset(laneName, service.range);
  for (let i = 0; i < service.range; i++) {
    yield service.base + ((start + i) % service.range);
  }
}

export function validatePortService(name: string, service: PortService): void {
  if (
    !Number.isInteger(service.base) ||
    !Number.isInteger(service.range) ||
    service.range < 1 ||
    service.base < 1 ||
    service.base + service.range - 1 > 65535
  ) {
    throw new InputError(
      `ports.services.${name}: base ${service.base} and range ${service.range} must give ports within 1..65535`,
    );
  }
}

/** `PORT_<SERVICE>` for a service name: upper-case letters, digits and underscores. */
export function portVariable(service: string): string {
  return `PORT_${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}
