import { setImmediate } from 'node:timers';
import { DONE, Notifier, onAbort } from '@sluice/core/kit';

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
  private slot:
    | { readonly value: T; readonly taken: () => void; readonly refused: (reason: unknown) => void }
    | undefined;
  private readonly changed = new Notifier();
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private closed: { readonly reason: unknown } | undefined;

  constructor(private readonly errorWritable: (reason: unknown) => void) {}

  /** The writable side's `write`: resolves once the run took the chunk. */
  write(value: T): Promise<void> {
    if (this.closed) return Promise.reject(this.closed.reason);
    return new Promise((taken, refused) => {
      this.slot = { value, taken, refused };
      this.changed.notify();
    });
  }

  /** The writable side closed: the run sees the end of its input after the last chunk. */
  end(): void {
    this.ended = true;
    this.changed.notify();
  }

  /** The writable side was aborted: the run fails with `reason`. */
  fail(reason: unknown): void {
    this.failure = { error: reason };
    this.changed.notify();
  }

  /** Stops taking input (idempotent): refuses the waiting write and errors the writable side. */
  private close(reason: unknown): void {
    if (this.closed) return;
    this.closed = { reason };
    this.slot?.refused(reason);
    this.slot = undefined;
    this.changed.notify();
    this.errorWritable(reason);
  }

  /** The next chunk, waiting for a write; done once closed or ended. */
  private async take(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.closed) return DONE;
      if (this.failure) throw this.failure.error;
      const slot = this.slot;
      if (slot) {
        this.slot = undefined;
        slot.taken();
        return { done: false, value: slot.value };
      }
      if (this.ended) return DONE;
      // No signal here: an abort closes the channel, which wakes this wait.
      await this.changed.wait();
    }
  }

  /** The run's source: one iteration per run, tied to the run's signal. */
  iterate(signal: AbortSignal): AsyncIterableIterator<T> {
    const unlink = onAbort(signal, (reason) => this.close(reason));
    const release = (reason: unknown) => {
      unlink();
      this.close(reason);
    };
    const channel = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<T>> {
        try {
          const r = await channel.take();
          if (r.done) unlink();
          return r;
        } catch (error) {
          unlink();
          throw error;
        }
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
