import { describe, expect, it } from 'vitest';
import { landingOrder } from './predict.js';

describe('landingOrder', () => {
  const pairs = [
    { a: 'a', b: 'b', conflicts: ['x.ts'] },
    { a: 'a', b: 'c', conflicts: ['y.ts'] },
    { a: 'b', b: 'c', conflicts: [] },
    { a: 'a', b: 'd', conflicts: [] },
    { a: 'b', b: 'd', conflicts: [] },
    { a: 'c', b: 'd', conflicts: [] },
  ];

  it('puts the lanes with fewest predicted conflicts first, ties by name', () => {
    expect(landingOrder(['c', 'a', 'd', 'b'], pairs, [])).toEqual([
      { lane: 'd', conflictsWith: [] },
      { lane: 'b', conflictsWith: ['a'] },
      { lane: 'c', conflictsWith: ['a'] },
      { lane: 'a', conflictsWith: ['b', 'c'] },
    ]);
  });

  it('takes the configured order first, ignoring names not being landed and repeats', () => {
    expect(landingOrder(['a', 'b', 'c', 'd'], pairs, ['a', 'zzz', 'c', 'a']).map((o) => o.lane)).toEqual([
      'a',
      'c',
      'd',
      'b',
    ]);
  });
});
