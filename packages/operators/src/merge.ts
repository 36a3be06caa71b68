import { SluiceTypeError, type Stage } from '@sluice/core';
import { Notifier, isPipeline, pullOnce } from '@sluice/core/kit';
import { asyncIteratorOf, closeIterators, isIterableInput } from './internal/async-iterators.js';

/** What `merge` interleaves with its upstream: async or sync iterables, sluice pipelines included. */
export type MergeInput<T> = AsyncIterable<T> | Iterable<T>;

interface Lane {
  readonly input: MergeInput<unknown>;
  it: AsyncIterator<unknown> | undefined;
  /** A pull is in flight, or its item waits to be handed on: the lane's one item of read-ahead. */
  busy: boolean;
  done: boolean;
}

/**
 * Interleaves the upstream with other sources, pulling all of them concurrently and handing on
 * items in the order they arrive: `from(a).pipe(merge(b, c))`.
 *
 * Contract:
 * - Order within each source is kept; across sources, first come first served (a source that
 *   answers at once cannot starve the others: arrivals are queued in order).
 * - Read-ahead: one item per source. A source is pulled again only after its previous item was
 *   handed on and the consumer asks for more; never two pulls at once on the same source.
 * - Sources are opened on the first pull. A sluice pipeline given as a source is run with this
 *   run's signal, so an abort reaches it.
 * - It ends when every source has ended. An error from any source fails the run unchanged at once
 *   (fail fast); the others are returned.
 * - On early exit, abort or error every source still open is returned exactly once. Stateful per run.
 *
 * @example
 * ```ts doctest
 * const items = await from([1, 2]).pipe(merge(['a', 'b'])).toArray(); // any interleaving, each source in order
 * items.length; // => 4
 * items.filter((x) => typeof x === 'number'); // => [1, 2]
 * items.filter((x) => typeof x === 'string'); // => ['a', 'b']
 * ```
 */
export function merge<T, U = T>(...others: MergeInput<U>[]): Stage<T, T | U> {
  others.forEach((other, i) => {
    if (!isIterableInput(other)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_INVALID_ARGUMENT',
        `merge(): source ${i + 1} must be an async iterable or an iterable`,
      );
    }
  });
  return async function* mergeStage(source, { signal }) {
    const lanes: Lane[] = [source, ...others].map((input) => ({ input, it: undefined, busy: false, done: false }));
    const arrived: { lane: Lane; value: T | U }[] = [];
    const changed = new Notifier();
    let failure: { readonly error: unknown } | undefined;
    let closed = false;
    let failing = false;

    const pull = (lane: Lane): void => {
      lane.busy = true;
      let next: Promise<IteratorResult<unknown>>;
      try {
        lane.it ??= isPipeline(lane.input) ? lane.input.iterate({ signal }) : asyncIteratorOf(lane.input, 'merge');
        next = pullOnce(lane.it, 'merge');
      } catch (error) {
        next = Promise.reject(error);
      }
      next.then(
        (r) => {
          if (r.done) {
            lane.done = true;
            lane.busy = false;
          } else if (!closed) arrived.push({ lane, value: r.value as T | U });
          changed.notify();
        },
        (error: unknown) => {
          lane.done = true;
          lane.busy = false;
          failure ??= { error };
          changed.notify();
        },
      );
    };

    try {
      for (;;) {
        for (const lane of lanes) if (!lane.busy && !lane.done && !failure && !signal.aborted) pull(lane);
        if (failure) throw failure.error;
        const next = arrived.shift();
        if (next) {
          yield next.value;
          next.lane.busy = false;
          continue;
        }
        if (lanes.every((lane) => lane.done)) return;
        await changed.wait(signal);
      }
    } catch (error) {
      failing = true;
      throw error;
    } finally {
      closed = true;
      arrived.length = 0;
      const open: AsyncIterator<unknown>[] = [];
      for (const lane of lanes) {
        if (lane.it && !lane.done) open.push(lane.it);
        lane.done = true;
      }
      await closeIterators(open, failing, 'merge', signal);
    }
  };
}
