import { describe, expect, it } from 'vitest';
import { allThenThrow, mapLimit } from './concurrency.js';

describe('concurrency helpers', () => {
  it('allThenThrow rejects only after every sibling has finished', async () => {
    let slowDone = false;
    const slow = new Promise<number>((resolve) =>
      setTimeout(() => {
        slowDone = true;
        resolve(1);
      }, 100),
    );
    const fast = Promise.reject(new Error('range full'));
    await expect(allThenThrow([slow, fast])).rejects.toThrow('range full');
    expect(slowDone).toBe(true);
    await expect(allThenThrow([Promise.resolve(1), Promise.resolve('a')])).resolves.toEqual([1, 'a']);
  });

  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 5));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
