/**
 * A real npm project built from packages already in the npm cache (offline): package.json and a
 * package-lock.json with resolved URLs and integrity taken from this repository's own lockfile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version: string;
  integrity?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  license?: string;
}

export function npmProjectFiles(names: string[]): { 'package.json': string; 'package-lock.json': string } {
  const ours = JSON.parse(readFileSync(join(import.meta.dirname, '../../package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const deps: Record<string, string> = {};
  const packages: Record<string, unknown> = {};
  for (const name of names) {
    const e = ours.packages[`node_modules/${name}`];
    if (!e) throw new Error(`${name} is not in this repository's lockfile`);
    deps[name] = e.version;
    packages[`node_modules/${name}`] = {
      ...e,
      resolved: e.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${e.version}.tgz`,
    };
  }
  const pkg = { name: 'fixture-app', version: '1.0.0', private: true, dependencies: deps };
  const lock = {
    name: 'fixture-app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'fixture-app', version: '1.0.0', dependencies: deps }, ...packages },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify(lock, null, 2)}\n`,
  };
}
