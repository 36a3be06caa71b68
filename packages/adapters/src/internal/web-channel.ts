import { setImmediate } from 'node:timers';
import { DONE } from '@sluice/core/kit';

function stoppedReason(): DOMException {
  return new DOMException('The stage stopped reading its input', 'AbortError');
}

/**
 * The hand-off between a `WritableStream`'s writes and the run that consumes them: one chunk at
 * a time, and a write settles only when the run took its chunk, so the writable side feels the
 * stage's pace as backpressure. When the run stops consuming (abort, error, early stop) every
 * pending and later write rejects with the reason and the writable side is errored with it, so
 * a `pipeTo` feeding it cancels its own source.
 */
export class InputChannel<T> {
  private slot: { readonly value: T; readonly taken: () => void; readonly refused: (reason: unknown) => void } | undefined;
  private waiter: ((step: { value: T } | { end: true } | { error: unknown }) => void) | undefined;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private closed: { readonly reason: unknown } | undefined;

  constructor(private readonly errorWritable: (reason: unknown) => void) {}

  /** The writable side's `write`: resolves once the run took the chunk. */
  write(value: T): Promise<void> {
    if (this.closed) return Promise.reject(this.closed.reason);
    return new Promise((taken, refused) => {
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        waiter({ value });
        taken();
      } else this.slot = { value, taken, refused };
    });
  }

  /** The writable side closed: the run sees the end of its input after the last chunk. */
  end(): void {
    this.ended = true;
    this.wake({ end: true });
  }

  /** The writable side was aborted: the run fails with `reason`. */
  fail(reason: unknown): void {
    this.failure = { error: reason };
    this.wake({ error: reason });
  }

  private wake(step: { end: true } | { error: unknown }): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(step);
  }

  /** Stops taking input (idempotent): refuses the waiting write and errors the writable side. */
  private close(reason: unknown): void {
    if (this.closed) return;
    this.closed = { reason };
    this.slot?.refused(reason);
    this.slot = undefined;
    this.wake({ end: true });
    this.errorWritable(reason);
  }

  /** The run's source: one iteration per run, tied to the run's signal. */
  iterate(signal: AbortSignal): AsyncIterableIterator<T> {
    const onAbort = () => this.close(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const release = (reason: unknown) => {
      signal.removeEventListener('abort', onAbort);
      this.close(reason);
    };
    const channel = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<T>> {
        if (channel.closed) return DONE;
        if (channel.failure) {
          signal.removeEventListener('abort', onAbort);
          throw channel.failure.error;
        }
        const slot = channel.slot;
        if (slot) {
          channel.slot = undefined;
          slot.taken();
          return { done: false, value: slot.value };
        }
        if (channel.ended) {
          signal.removeEventListener('abort', onAbort);
          return DONE;
        }
        const step = await new Promise<{ value: T } | { end: true } | { error: unknown }>((resolve) => {
          channel.waiter = resolve;
        });
        if ('error' in step) {
          signal.removeEventListener('abort', onAbort);
          throw step.error;
        }
        if ('end' in step) {
          if (!channel.closed) signal.removeEventListener('abort', onAbort);
          return DONE;
        }
        return { done: false, value: step.value };
      },
      async return(): Promise<IteratorResult<T>> {
        if (signal.aborted) release(signal.reason);
        else {
          // A stage that throws first returns its input (for await does), then the run fails:
          // give the failure a turn to reach the signal so the writable side sees the real error.
          setImmediate(() => release(signal.aborted ? signal.reason : stoppedReason()));
        }
        return DONE;
      },
    };
  }
}
