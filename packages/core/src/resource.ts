import { validateFunction, validateObject, validateKeys } from './validate.js';
import { DONE, type BatchIterator, type SourceHooks, type SourceSpec } from './source.js';
import type { StageContext } from './types.js';

/** What `read` receives besides the resource. */
export interface ReadContext extends StageContext {
  /** The most items downstream can use right now (a `take`), or undefined when unbounded. */
  readonly hint: number | undefined;
}

/** A source that owns a resource (a cursor, a connection, a file handle). */
export interface ResourceSourceOptions<R, T> {
  /** Names the source in reports. */
  readonly name?: string;
  /** Opens the resource; called on the first pull, never under an aborted signal. */
  open(ctx: StageContext): R | Promise<R>;
  /**
   * Reads the next batch. Returning `null`, `undefined` or an empty array ends the source,
   * and the resource is closed at once, before downstream has finished with what was read.
   */
  read(resource: R, ctx: ReadContext): readonly T[] | null | undefined | Promise<readonly T[] | null | undefined>;
  /** Releases the resource. Called exactly once: at the end, on error, on abort, on early exit. */
  close(resource: R): void | Promise<void>;
}

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
      try {
        await close(resource);
      } finally {
        hooks.released();
      }
    })();
    return closing;
  };

  const pull = async (hint: number | undefined): Promise<IteratorResult<T[], undefined>> => {
    if (state === 'closed') return DONE;
    if (state === 'idle') {
      hooks.opened();
      resource = await open(ctx);
      state = 'open';
      // return() came while opening: it closes the resource once this pull settles.
      if (cancelled) return DONE;
    }
    let batch: readonly T[] | null | undefined;
    try {
      batch = await read(resource, { signal: ctx.signal, hint });
    } catch (error) {
      await release().catch((closeError: unknown) => hooks.cleanupError(closeError));
      throw error;
    }
    if (batch === null || batch === undefined || batch.length === 0) {
      await release();
      return DONE;
    }
    if (cancelled) return DONE;
    return { done: false, value: Array.isArray(batch) ? (batch as T[]) : [...batch] };
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
      await release();
      return DONE;
    },
  };
}
