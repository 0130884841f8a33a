import { describe, expect, it } from 'vitest';
import { nameFilter, nameGlob } from './name-glob.js';

describe('name globs', () => {
  it('matches the default copy globs as git does at the top level', () => {
    const match = nameFilter(['.env*'], ['.env.example'])!;
    expect(['.env', '.env.local', '.env.çafé', '.envrc', '.env.example.bak'].filter(match)).toEqual([
      '.env',
      '.env.local',
      '.env.çafé',
      '.envrc',
      '.env.example.bak',
    ]);
    expect(['.env.example', 'env', 'x.env', '.gitignore'].some(match)).toBe(false);
  });

  it('treats regular-expression characters and escapes literally', () => {
    expect(nameGlob('a.b+(c)*')!('a.b+(c)-d')).toBe(true);
    expect(nameGlob('a.b+(c)*')!('aXb+(c)')).toBe(false);
    expect(nameGlob('\\*star')!('*star')).toBe(true);
    expect(nameGlob('\\*star')!('xstar')).toBe(false);
    expect(nameGlob('*')!('multi\nline')).toBe(true);
  });

  it('leaves globs with a folder part, ? or brackets to git', () => {
    for (const g of ['config/*.env', '**/.env', '.env?', '.env[0-9]', ':(icase).env', 'trailing\\', ''])
      expect(nameGlob(g), g).toBeUndefined();
    expect(nameFilter(['.env*'], ['**/.env.example'])).toBeUndefined();
    expect(nameFilter(['.env*', 'conf/*.json'], [])).toBeUndefined();
  });
});
