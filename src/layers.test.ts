// The layering of docs/ARCHITECTURE.md, checked on the source: use cases and the domain reach
// implementations only through the contracts the entry point hands them, and nothing outside the
// process gateway starts or signals processes.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports: static, dynamic and type-only, and re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g))
    specifiers.push(match[1]!);
  return specifiers;
}

/** The files under `layer` that import from one of `forbidden` (folders under src), as "file -> target". */
function violations(layer: string, forbidden: string[]): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(SRC, layer))) {
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), specifier));
      if (forbidden.some((f) => target === f || target.startsWith(`${f}/`)))
        found.push(`${relative(SRC, file)} -> ${target}`);
    }
  }
  return found;
}

describe('layers', () => {
  it('src/app and src/domain import no adapter and nothing of the command line', () => {
    expect(violations('app', ['adapters', 'cli'])).toEqual([]);
    expect(violations('domain', ['adapters', 'cli', 'app', 'infra', 'contracts'])).toEqual([]);
  });

  it('contracts import no implementation and no use case', () => {
    expect(violations('contracts', ['adapters', 'cli', 'app'])).toEqual([]);
  });

  it('adapters never reach up into use cases or the command line', () => {
    expect(violations('adapters', ['app', 'cli'])).toEqual([]);
  });

  it('only the process gateway imports child_process or signals a process', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => relative(SRC, file) !== join('infra', 'exec.ts'))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return /['"](node:)?child_process['"]/.test(text) || /\bprocess\.kill\s*\(/.test(text);
      })
      .map((file) => relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('finds a forbidden import when there is one (the check itself works)', () => {
    // cli imports app and adapters by design: the same check on it must report them.
    expect(violations('cli', ['adapters']).length).toBeGreaterThan(0);
    expect(violations('cli', ['app']).length).toBeGreaterThan(0);
  });
});
