import { describe, expect, it } from 'vitest';
import { portVariable, preferredPort, probeOrder } from './ports.js';

describe('port hashing', () => {
  it('matches the article: 4000 + parseInt(sha1("issue-123").slice(0, 4), 16) % 1000 = 4299', () => {
    expect(preferredPort('issue-123', { base: 4000, range: 1000 })).toBe(4299);
  });

  it('probes every port of the range once, preferred first, wrapping around', () => {
    const order = [...probeOrder('issue-123', { base: 4000, range: 1000 })];
    expect(order[0]).toBe(4299);
    expect(order[1]).toBe(4300);
    expect(new Set(order).size).toBe(1000);
    expect(Math.min(...order)).toBe(4000);
    expect(Math.max(...order)).toBe(4999);
    const small = [...probeOrder('issue-123', { base: 9000, range: 3 })];
    expect(small.sort()).toEqual([9000, 9001, 9002]);
  });

  it('names service variables in upper case', () => {
    expect(portVariable('api-v2')).toBe('PORT_API_V2');
  });
});
