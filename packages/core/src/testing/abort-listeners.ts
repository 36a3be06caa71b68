/**
 * Watches every `'abort'` listener added to any signal while `fn` runs, including signals a test
 * cannot reach (a run's own signal, a stage's), and returns how many are still attached to a
 * signal that has not aborted when it settles: listeners a finished run left behind. A signal
 * that aborted drops its `once` listeners itself, so those are not counted.
 *
 * ```ts
 * expect(await liveAbortListenersAfter(() => fromFile(path).toArray())).toBe(0);
 * ```
 */
export async function liveAbortListenersAfter(fn: () => Promise<unknown>): Promise<number> {
  const live = new Map<EventTarget, Set<unknown>>();
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  proto.addEventListener = function (this: EventTarget, type: string, listener: unknown, options?: unknown) {
    if (type === 'abort' && this instanceof AbortSignal && !this.aborted && listener) {
      let set = live.get(this);
      if (!set) live.set(this, (set = new Set()));
      set.add(listener);
    }
    return add.call(this, type, listener as never, options as never);
  } as typeof proto.addEventListener;
  proto.removeEventListener = function (this: EventTarget, type: string, listener: unknown, options?: unknown) {
    if (type === 'abort') live.get(this)?.delete(listener);
    return remove.call(this, type, listener as never, options as never);
  } as typeof proto.removeEventListener;
  try {
    await fn();
    // Cleanups a run tracks after it settled get a turn.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    proto.addEventListener = add;
    proto.removeEventListener = remove;
  }
  let count = 0;
  for (const [signal, listeners] of live) if (!(signal as AbortSignal).aborted) count += listeners.size;
  return count;
}
