import { SluiceRangeError, SluiceTypeError } from './errors.js';
import { describeValue } from './kit/describe.js';
import { DONE } from './kit/iteration.js';
import { validateFunction, validateKeys, validateObject } from './validate.js';
import type { Sink, StageContext } from './types.js';

/**
 * Ack after the sink: a source whose deliveries must be confirmed (a Redis Streams consumer
 * group, a JetStream pull consumer) hands out `Delivery` envelopes that carry a `Receipt`; the
 * sink wrapped in `ackAfter()` confirms them back to the source once the sink has consumed them.
 * Acking when the next batch is pulled would lose items in a crash: `buffer()`, `batch()`, a
 * concurrent `map` and `merge` all pull ahead of the sink. See docs/protocol.md (A.1–A.6) and
 * docs/adr/0003-ack-after-the-sink.md.
 */

/** Where one delivered item stands in its source's order. Opaque to everyone but the ack point. */
export interface Receipt {
  readonly ledger: AckLedger<unknown>;
  readonly position: number;
  /** False for every part but the last of an item split by `splitDelivery` (flatMap). */
  readonly final: boolean;
}

/** An item from an acknowledging source, with the receipt that confirms it. */
export interface Delivery<T> {
  readonly value: T;
  readonly receipt: Receipt;
}

/** What a sink of `V` accepts once wrapped by `ackAfter`: deliveries of `V` (also inside arrays, from `batch`). */
export type Delivered<V> = V extends readonly (infer E)[] ? Delivered<E>[] : V | Delivery<V>;

// The run's signal is the one object the source, every stage and the sink share for one run.
const ackPoints = new WeakSet<AbortSignal>();

/**
 * The record an acknowledging source keeps of what it delivered in one run and what has been
 * confirmed. Created in the source's `open` with the run's context; confirmations reach `ack`
 * in delivery order, one call at a time, and only ever for items the sink consumed.
 */
export class AckLedger<Id> {
  private readonly ids: Id[] = [];
  private head = 0;
  private base = 0;
  private issued = 0;
  private target = -1;
  private flushing: Promise<void> | undefined;

  private constructor(private readonly ack: (ids: Id[]) => void | PromiseLike<void>) {}

  /**
   * Opens the ledger of one run. Throws `ERR_SLUICE_NO_ACK_POINT` when the run's sink is not
   * wrapped in `ackAfter()`: nothing would ever confirm the deliveries.
   */
  static open<Id>(ctx: StageContext, ack: (ids: Id[]) => void | PromiseLike<void>): AckLedger<Id> {
    validateFunction(ack, 'AckLedger.open(ctx, ack)');
    if (!ackPoints.has(ctx.signal)) {
      throw new SluiceTypeError(
        'ERR_SLUICE_NO_ACK_POINT',
        'This source confirms its items only after the sink consumed them: end the pipeline with .to(ackAfter(sink))',
      );
    }
    return new AckLedger<Id>(ack);
  }

  /** Records one delivered item and wraps it with its receipt. */
  deliver<T>(id: Id, value: T): Delivery<T> {
    this.ids.push(id);
    return { value, receipt: { ledger: this as AckLedger<unknown>, position: this.issued++, final: true } };
  }

  /** Items delivered in this run. */
  get delivered(): number {
    return this.issued;
  }

  /** Items confirmed to the source in this run. */
  get acknowledged(): number {
    return this.base;
  }

  /**
   * Confirms every delivery up to `position` (inclusive) that is not confirmed yet. One `ack` call
   * runs at a time; positions asked for meanwhile are coalesced into the next call, so a sink that
   * pulls item by item costs one round trip per reply, not one per item.
   */
  commitThrough(position: number): Promise<void> {
    if (position > this.target) this.target = position;
    this.flushing ??= this.flush();
    return this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      for (;;) {
        // The target only ever covers items the sink consumed, so a flush begun before an abort
        // may finish after it: those items were written.
        const count = Math.min(this.target + 1, this.issued) - this.base;
        if (count <= 0) return;
        const ids = this.ids.slice(this.head, this.head + count);
        this.head += count;
        this.base += count;
        // Keeps only unconfirmed ids reachable: the array is bounded by what is in flight.
        if (this.head > 1024 && this.head * 2 > this.ids.length) {
          this.ids.splice(0, this.head);
          this.head = 0;
        }
        await this.ack(ids);
      }
    } finally {
      // Synchronous with the last check above: a commit asked for after it starts a new flush.
      this.flushing = undefined;
    }
  }
}

/** Splits one delivery into parts (flatMap): its item counts as consumed once the last part was. */
export function splitDelivery<T, U>(delivery: Delivery<T>, values: readonly U[]): Delivery<U>[] {
  const { ledger, position } = delivery.receipt;
  return values.map((value, i) => ({ value, receipt: { ledger, position, final: i === values.length - 1 } }));
}

function isDelivery(x: unknown): x is Delivery<unknown> {
  return (
    typeof x === 'object' && x !== null && 'receipt' in x && 'value' in x && isReceipt((x as Delivery<unknown>).receipt)
  );
}

function isReceipt(x: unknown): x is Receipt {
  return typeof x === 'object' && x !== null && (x as Receipt).ledger instanceof AckLedger;
}

/** What the sink has consumed of each ledger: the highest position seen and whether it was whole. */
type Seen = Map<AckLedger<unknown>, { position: number; final: boolean }>;

function unwrap(item: unknown, seen: Seen): unknown {
  if (isDelivery(item)) {
    const { ledger, position, final } = item.receipt;
    const last = seen.get(ledger);
    if (last && position < last.position) {
      throw new SluiceRangeError(
        'ERR_SLUICE_ACK_ORDER',
        `ackAfter: item ${position} of its source reached the sink after item ${last.position}; stages between an acknowledging source and its sink must keep order (map with ordered: true)`,
      );
    }
    seen.set(ledger, { position, final });
    return item.value;
  }
  if (Array.isArray(item)) return item.map((x) => unwrap(x, seen));
  return item;
}

/** Options of `ackAfter`. */
export interface AckAfterOptions {
  /**
   * When the sink has consumed an item: `'next-pull'` (default) when it asks for the next one, as
   * a sink that writes each item or batch before pulling again; `'sink-end'` only when the sink's
   * promise resolved, as an atomic file (`toFile`) or a `reduce` that commits at the end.
   */
  readonly commit?: 'next-pull' | 'sink-end';
}

/**
 * Wraps a sink so that the items of acknowledging sources are confirmed only once the sink has
 * consumed them: the sink sees plain values (deliveries unwrapped, also inside arrays from `batch`).
 *
 * Contract:
 * - An item is confirmed after the sink's write of it resolved (`commit: 'next-pull'`: the sink
 *   pulled again; `'sink-end'`: the sink resolved), in delivery order, never before.
 * - Items dropped by a stage (`filter`) are confirmed with the next item after them that reaches
 *   the sink; items after the last one the sink consumed are not (a `take` never passed them on,
 *   and a stage cannot tell the runner why it dropped an item): they are redelivered.
 * - The parts of a split item (`splitDelivery`) confirm it once its last part was consumed.
 * - On abort, on any error, or if the sink throws, no item the sink had not consumed is confirmed:
 *   the source redelivers it (at-least-once). Confirmations already asked for (of consumed items)
 *   still go out before the run settles. Stages between the source and the sink must keep order.
 *
 * @example
 * ```ts
 * await fromRedisStream({ client, stream: 'orders', group: 'export', consumer: 'a' })
 *   .pipe(buffer(100), batch(500))
 *   .to(ackAfter(async (batches) => { for await (const rows of batches) await save(rows); }));
 * ```
 */
export function ackAfter<V, R>(sink: Sink<V, R>, options: AckAfterOptions = {}): Sink<Delivered<V>, R> {
  validateFunction(sink, 'ackAfter(sink, options)');
  validateObject(options, 'ackAfter(sink, options)');
  validateKeys(options, ['commit'], 'ackAfter(sink, options)');
  const atEnd = options.commit === 'sink-end';
  if (options.commit !== undefined && options.commit !== 'next-pull' && !atEnd) {
    throw new SluiceTypeError(
      'ERR_SLUICE_INVALID_OPTION',
      `ackAfter: commit must be 'next-pull' or 'sink-end', got ${describeValue(options.commit)}`,
    );
  }
  return async function ackAfterSink(source: AsyncIterable<Delivered<V>>, ctx: StageContext): Promise<R> {
    ackPoints.add(ctx.signal);
    const seen: Seen = new Map();
    let failed: { readonly error: unknown } | undefined;
    // The ledgers' flushes in flight; a commit while one runs joins it and costs no promise.
    const flushes = new Set<Promise<void>>();
    const commitSeen = () => {
      for (const [ledger, { position, final }] of seen) {
        const flush = ledger.commitThrough(final ? position : position - 1);
        if (flushes.has(flush)) continue;
        flushes.add(flush);
        flush.then(
          () => flushes.delete(flush),
          (error: unknown) => {
            flushes.delete(flush);
            failed ??= { error };
          },
        );
      }
    };
    const committed = () => Promise.all([...flushes].map((flush) => flush.catch(() => undefined)));
    const check = () => {
      if (failed) throw failed.error;
    };
    const upstream = source[Symbol.asyncIterator]();
    const unwrapped: AsyncIterableIterator<V> = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        check();
        // The commit covers items already written, so the next pull need not wait for it.
        if (!atEnd) commitSeen();
        const result = await upstream.next();
        if (result.done) {
          if (!atEnd) commitSeen();
          await committed();
          check();
          return result;
        }
        return { done: false, value: unwrap(result.value, seen) as V };
      },
      async return() {
        await upstream.return?.();
        return DONE;
      },
    };
    let result: R;
    try {
      result = await sink(unwrapped, ctx);
      if (atEnd) commitSeen();
    } finally {
      // Confirmations of what the sink consumed land before the run settles, even when it fails.
      await committed();
    }
    check();
    return result;
  };
}
