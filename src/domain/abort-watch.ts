/**
 * One abort listener per signal, shared. A command runs many things at once under the one signal
 * its Ctrl-C aborts (git calls, agent waits); each adding its own listener would pass Node's
 * limit of ten and look like a leak (MaxListenersExceededWarning). Here they share one listener,
 * removed when the last of them is done.
 */

const abortWatchers = new WeakMap<AbortSignal, { watchers: Set<() => void>; fire: () => void }>();

/** Calls `fn` when `signal` aborts (at once if it already has); returns the unsubscribe. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let entry = abortWatchers.get(signal);
  if (!entry) {
    const watchers = new Set<() => void>();
    const fire = () => {
      abortWatchers.delete(signal);
      for (const watcher of [...watchers]) watcher();
    };
    entry = { watchers, fire };
    abortWatchers.set(signal, entry);
    signal.addEventListener('abort', fire, { once: true });
  }
  const { watchers, fire } = entry;
  watchers.add(fn);
  return () => {
    watchers.delete(fn);
    if (watchers.size === 0 && abortWatchers.get(signal) === entry) {
      abortWatchers.delete(signal);
      signal.removeEventListener('abort', fire);
    }
  };
}
