import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES, profileFor } from './validation-profile.js';

describe('profileFor', () => {
  it('picks a built-in profile by label, whatever its case', () => {
    for (const label of ['bug', 'Bug', 'BUG']) {
      expect(profileFor([label], {})).toEqual({ name: label, ...BUILT_IN_PROFILES.bug });
    }
    expect(profileFor(['feature'], {})).toMatchObject({ requireTest: false, audit: true });
    expect(profileFor(['Refactor'], {})).toMatchObject({ name: 'Refactor', requireTest: false, audit: false });
  });

  it('takes the first label that has a profile, in the issue’s order', () => {
    expect(profileFor(['ui', 'refactor', 'bug'], {}).name).toBe('refactor');
    expect(profileFor(['ui', 'docs'], { docs: { requireTest: false } }).name).toBe('docs');
    expect(profileFor(['ui', 'docs', 'bug'], { docs: { requireTest: false } }).name).toBe('docs');
  });

  it('lets a configured profile override a built-in one field by field', () => {
    const profile = profileFor(['bug'], { bug: { audit: false, commands: ['npm test'] } });
    expect(profile).toEqual({
      name: 'bug',
      requireTest: true,
      audit: false,
      commands: ['npm test'],
      instructions: BUILT_IN_PROFILES.bug!.instructions,
    });
  });

  it('matches configured profiles without regard to case, either way round', () => {
    expect(profileFor(['Security'], { security: { requireTest: true } })).toMatchObject({
      name: 'Security',
      requireTest: true,
    });
    expect(profileFor(['bug'], { Bug: { audit: false } })).toMatchObject({ requireTest: true, audit: false });
  });

  it('fills a new label’s missing fields from the built-in default', () => {
    expect(profileFor(['docs'], { docs: { instructions: 'Check the links.' } })).toEqual({
      name: 'docs',
      requireTest: false,
      audit: true,
      commands: [],
      instructions: 'Check the links.',
    });
  });

  it('is the `default` profile when no label has one, configured or built in', () => {
    expect(profileFor([], {})).toEqual({
      name: 'default',
      requireTest: false,
      audit: true,
      commands: [],
      instructions: 'Audit the change against the issue and its acceptance criteria.',
    });
    expect(profileFor(['ui'], { default: { requireTest: true, commands: ['make check'] } })).toMatchObject({
      name: 'default',
      requireTest: true,
      audit: true,
      commands: ['make check'],
    });
  });

  it('treats labels that are names of object properties as plain labels', () => {
    for (const label of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const profile = profileFor([label], {});
      expect(profile).toEqual(profileFor([], {}));
    }
  });
});
