import { isThenable } from '../kit/iteration.js';
import { DONE, type BatchIterator, type SourceHooks } from './protocol.js';
import { checkResult, openIterator } from './iterator-protocol.js';

/**
 * How a source that can cut batches cuts them: at `size` items, or at the first item that brings
 * the batch to `bytes` estimated bytes or more (so a batch holds at most `bytes` plus one item).
 */
export interface BatchLimits {
  readonly size: number;
  readonly bytes: number;
}

/**
 * The bytes an item is counted as against `batchBytes`: a string its length (UTF-16 code units,
 * bytes for ASCII), anything with a numeric `byteLength` (Buffers, typed arrays, `ArrayBuffer`,
 * `DataView`) that; other values (objects, numbers) count as items only. A property read, not
 * `ArrayBuffer.isView()`, so that a batch of plain objects pays next to nothing.
 */
export function itemBytes(item: unknown): number {
  if (typeof item === 'string') return item.length;
  if (item !== null && typeof item === 'object') {
    const n = (item as { byteLength?: unknown }).byteLength;
    if (typeof n === 'number') return n;
  }
  return 0;
}

/** The most items the next batch may hold: the limit, or a smaller downstream demand. */
export function sizeFor(hint: number | undefined, limits: BatchLimits): number {
  return hint !== undefined && hint > 0 && hint < limits.size ? hint : limits.size;
}

/** Index of the first promise-like item, or -1 (kept out of any async function so it stays fast). */
function firstThenable(batch: readonly unknown[]): number {
  for (let i = 0; i < batch.length; i++) if (isThenable(batch[i])) return i;
  return -1;
}

/** Like `for await` over an array: promises in the batch are awaited, in order. */
async function settleBatch<T>(batch: T[], from: number): Promise<IteratorResult<T[], undefined>> {
  for (let i = from; i < batch.length; i++) {
    if (isThenable(batch[i])) batch[i] = (await batch[i]) as T;
  }
  return { done: false, value: batch };
}

/** Arrays: cut into batches (one copy per batch; the caller's array is never modified). */
export function arraySource<T>(items: readonly T[], limits: BatchLimits, hooks: SourceHooks): BatchIterator<T> {
  let index = 0;
  let open = false;
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      hooks.released();
    }
  };
  return {
    next(hint) {
      if (done) return Promise.resolve(DONE);
      if (!open) {
        open = true;
        hooks.opened();
      }
      if (index >= items.length) {
        finish();
        return Promise.resolve(DONE);
      }
      const end = Math.min(items.length, index + sizeFor(hint, limits));
      let cut = end;
      // Arrays are all but always of one kind: when neither end of the window holds bytes, the
      // window is taken as objects, sparing the fused path a scan (~15 % on 3M small objects).
      if (limits.bytes !== Infinity && (itemBytes(items[index]) > 0 || itemBytes(items[end - 1]) > 0)) {
        cut = index + 1;
        for (let bytes = itemBytes(items[index]); cut < end && bytes < limits.bytes; cut++)
          bytes += itemBytes(items[cut]);
      }
      const batch = items.slice(index, cut);
      index = cut;
      if (index >= items.length) finish();
      const pending = firstThenable(batch);
      return pending < 0 ? Promise.resolve({ done: false, value: batch }) : settleBatch(batch, pending);
    },
    async return() {
      if (open) finish();
      else done = true;
      return DONE;
    },
  };
}

/**
 * Sync iterables: up to a batch per pull (a batch is what the source reads ahead); thenables are
 * awaited like `for await` does. The first item always goes in, however large.
 */
export function syncIterableSource<T>(
  iterable: Iterable<T>,
  limits: BatchLimits,
  hooks: SourceHooks,
  what: string,
): BatchIterator<T> {
  let it: Iterator<T> | undefined;
  let done = false;
  const finish = () => {
    if (!done) {
      done = true;
      if (it) hooks.released();
    }
  };
  const close = () => {
    if (done) return;
    try {
      it?.return?.();
    } finally {
      finish();
    }
  };
  return {
    async next(hint) {
      if (done) return DONE;
      if (!it) {
        hooks.opened();
        try {
          it = openIterator<Iterator<T>>(iterable, Symbol.iterator, what);
        } catch (error) {
          done = true;
          hooks.released();
          throw error;
        }
      }
      const size = sizeFor(hint, limits);
      const batch: T[] = [];
      let bytes = 0;
      while (batch.length < size && bytes < limits.bytes) {
        let r: IteratorResult<T>;
        try {
          r = checkResult<T>(it.next(), what, true);
        } catch (error) {
          finish();
          throw error;
        }
        if (r.done) {
          finish();
          break;
        }
        let value = r.value;
        if (isThenable(value)) {
          try {
            value = (await value) as T;
          } catch (error) {
            // `for await` over a sync iterator leaves it open on Node 20 and 22: close it here.
            close();
            throw error;
          }
        }
        batch.push(value);
        bytes += itemBytes(value);
      }
      return batch.length > 0 ? { done: false, value: batch } : DONE;
    },
    async return() {
      close();
      return DONE;
    },
  };
}
