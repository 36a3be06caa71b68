import { validateFunction, validateObject, validateKeys } from './validate.js';
import { DONE, type BatchIterator, type SourceHooks } from './internal/protocol.js';
import type { SourceSpec } from './source.js';
import type { StageContext } from './types.js';

/** What `read` receives besides the resource. */
export interface ReadContext extends StageContext {
  /** The most items downstream can use right now (a `take`), or undefined when unbounded. */
  readonly hint: number | undefined;
}

/** A batch that also says whether it is the last one, so the resource is closed before it is handed on. */
export interface ResourceBatch<T> {
  readonly items: readonly T[];
  readonly last: boolean;
}

/** A source that owns a resource (a cursor, a connection, a file handle). */
export interface ResourceSourceOptions<R, T> {
  /** Names the source in reports. */
  readonly name?: string;
  /** Opens the resource; called on the first pull, never under an aborted signal. */
  open(ctx: StageContext): R | Promise<R>;
  /**
   * Reads the next batch. Returning `null`, `undefined` or an empty array ends the source, and
   * the resource is closed at once. Returning `{ items, last: true }` closes it before those last
   * items are handed downstream (a cursor that returned fewer rows than asked knows it is done):
   * the resource is then released while downstream is still working through them. The batch is
   * handed on as it is, whatever its size in items or bytes: it is the source's read-ahead bound.
   */
  read(resource: R, ctx: ReadContext): ReadResult<T> | Promise<ReadResult<T>>;
  /**
   * Releases the resource. Called exactly once: at the end, on error, on abort, on early exit.
   * The run waits for it at most `cleanupTimeout`; one that never settles stays in `report.closed`.
   */
  close(resource: R): void | Promise<void>;
}

/**
 * What `read` may return: an array of items, a `ResourceBatch` (`{ items, last }`), or `null` /
 * `undefined`. An empty array, `null` or `undefined` ends the source.
 */
export type ReadResult<T> = readonly T[] | ResourceBatch<T> | null | undefined;

export function resourceSpec<R, T>(options: ResourceSourceOptions<R, T>): SourceSpec<T> {
  validateObject(options, 'fromResource(options)');
  validateKeys(options, ['name', 'open', 'read', 'close'], 'fromResource(options)');
  validateFunction(options.open, 'fromResource(options).open');
  validateFunction(options.read, 'fromResource(options).read');
  validateFunction(options.close, 'fromResource(options).close');
  const name = options.name ?? 'resource';
  return { name, open: (ctx, hooks) => resourceIterator(options, ctx, hooks) };
}

function resourceIterator<R, T>(
  { open, read, close }: ResourceSourceOptions<R, T>,
  ctx: StageContext,
  hooks: SourceHooks,
): BatchIterator<T> {
  let state: 'idle' | 'open' | 'closed' = 'idle';
  let resource: R;
  let busy: Promise<unknown> | undefined;
  let closing: Promise<void> | undefined;
  let cancelled = false;

  const release = (): Promise<void> => {
    closing ??= (async () => {
      const wasOpen = state === 'open';
      state = 'closed';
      if (!wasOpen) return;
      // A close error never fails the pull or the return() it happens in: the items already read
      // still go downstream, and an abort arriving meanwhile cannot drop it. The run reports it
      // (and rejects with it when nothing else failed).
      try {
        await close(resource);
      } catch (error) {
        hooks.cleanupError(error);
      } finally {
        hooks.released();
      }
    })();
    return closing;
  };

  // Once the run is torn down (its signal aborted, or this source returned), nobody downstream
  // waits for the items: a read or an open that answers now, maybe after the run settled, closes
  // unbounded. Its pull is the deferred close the run tracks (report.closed), and a bound here
  // would start a cleanupTimeout timer that outlives the run.
  const tornDown = () => cancelled || ctx.signal.aborted;
  const closeAfterRead = (): Promise<void> => (tornDown() ? release() : hooks.bounded(release()));

  const pull = async (hint: number | undefined): Promise<IteratorResult<T[], undefined>> => {
    if (state === 'closed') return DONE;
    if (state === 'idle') {
      hooks.opened();
      try {
        resource = await open(ctx);
      } catch (error) {
        state = 'closed';
        hooks.released();
        throw error;
      }
      state = 'open';
      // Aborted or returned while opening: read nothing, close now.
      if (tornDown()) {
        await release();
        return DONE;
      }
    }
    let result: ReadResult<T>;
    try {
      result = await read(resource, { signal: ctx.signal, hint });
    } catch (error) {
      await closeAfterRead();
      throw error;
    }
    if (tornDown()) {
      await release();
      return DONE;
    }
    const last = result != null && !Array.isArray(result) && (result as ResourceBatch<T>).last === true;
    const items = result == null ? [] : Array.isArray(result) ? result : (result as ResourceBatch<T>).items;
    // The release is awaited (the resource is closed before its last items go on), but within
    // cleanupTimeout: a close that never settles must not hang the run.
    if (items.length === 0 || last) await hooks.bounded(release());
    if (items.length === 0) return DONE;
    return { done: false, value: items as T[] };
  };

  return {
    next(hint) {
      const p = pull(hint);
      busy = p;
      return p;
    },
    async return() {
      cancelled = true;
      if (busy) await busy.catch(() => undefined);
      if (state === 'idle') {
        state = 'closed';
        return DONE;
      }
      // A release the source started itself was already waited for (and is tracked) by the run.
      if (closing) return DONE;
      await release();
      return DONE;
    },
  };
}
