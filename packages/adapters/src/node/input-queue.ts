import { Notifier } from '@sluice/core/kit';

type Callback = (error?: Error | null) => void;

/**
 * The writable side of a composed Duplex as a batch source: a one-slot queue between Node's
 * `_write`/`_writev` and the sluice run. A write's callback is called only when the run takes
 * its chunks, so nothing is buffered here beyond one write; Node's own writable buffer (its
 * `writableHighWaterMark`) is the only other place written chunks wait.
 */
export class InputQueue<T> {
  private chunks: T[] = [];
  private pending: Callback | undefined;
  private final: Callback | undefined;
  private ended = false;
  private closed = false;
  private readonly changed = new Notifier();

  /** Hands over the chunks of one write; `callback` runs when the run takes them. */
  offer(chunks: T[], callback: Callback): void {
    if (this.closed) {
      // The chain stopped early (a `take`): the rest of the input is discarded, not refused.
      callback();
      return;
    }
    this.chunks = chunks;
    this.pending = callback;
    this.changed.notify();
  }

  /** The writer called `end()`; `callback` runs when the run has seen the end. */
  end(callback: Callback): void {
    if (this.closed) {
      callback();
      return;
    }
    this.ended = true;
    this.final = callback;
    this.changed.notify();
  }

  /** The next written chunks, or null at the end of the input; wakes up on abort. */
  async take(signal: AbortSignal): Promise<T[] | null> {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const callback = this.pending;
      if (callback) {
        const chunks = this.chunks;
        this.chunks = [];
        this.pending = undefined;
        callback();
        return chunks;
      }
      if (this.closed) return null;
      if (this.ended) {
        this.close();
        return null;
      }
      await this.changed.wait(signal);
    }
  }

  /** No more input will be taken: releases the writer's pending callbacks, now and later. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pending = this.pending;
    const final = this.final;
    this.pending = undefined;
    this.final = undefined;
    this.chunks = [];
    pending?.();
    final?.();
    this.changed.notify();
  }
}
