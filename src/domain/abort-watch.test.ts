import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onAbort } from './abort-watch.js';

describe('shared abort watching', () => {
  it('calls every watcher on abort through a single listener', () => {
    const controller = new AbortController();
    const called: number[] = [];
    for (let i = 0; i < 25; i++) onAbort(controller.signal, () => called.push(i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(called).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('removes the listener when the last watcher stops, and a stopped watcher is not called', () => {
    const controller = new AbortController();
    const called: string[] = [];
    const stopA = onAbort(controller.signal, () => called.push('a'));
    const stopB = onAbort(controller.signal, () => called.push('b'));
    stopA();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    stopB();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    onAbort(controller.signal, () => called.push('c'));
    controller.abort();
    expect(called).toEqual(['c']);
  });

  it('calls a watcher at once on a signal that has already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    onAbort(controller.signal, () => (called = true));
    expect(called).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
