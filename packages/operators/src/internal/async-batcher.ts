import { SluiceTypeError } from '@sluice/core';
import { describeValue } from '@sluice/core/kit';

/**
 * The batch accumulator shared by the fused (count/weight) and the timed `batch`: it decides when
 * a batch is full and never produces an empty one.
 */
export class Batcher<T> {
  private items: T[] = [];
  private weight = 0;

  constructor(
    private readonly size: number,
    private readonly maxWeight: number,
    private readonly weigh: ((item: T) => number) | undefined,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Adds an item, appending every batch it completes to `out` (at most two: the previous one and its own). */
  add(item: T, out: T[][]): void {
    if (this.weigh) {
      const w = this.weigh(item);
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new SluiceTypeError(
          'ERR_SLUICE_INVALID_ARGUMENT',
          `batch: weigh(item) must return a finite number >= 0, got ${describeValue(w)}`,
        );
      }
      if (this.items.length > 0 && this.weight + w > this.maxWeight) this.flush(out);
      this.items.push(item);
      this.weight += w;
      if (this.weight >= this.maxWeight) {
        this.flush(out);
        return;
      }
    } else {
      this.items.push(item);
    }
    if (this.items.length >= this.size) this.flush(out);
  }

  /** Appends the current batch to `out` unless it is empty. */
  flush(out: T[][]): void {
    if (this.items.length === 0) return;
    out.push(this.items);
    this.items = [];
    this.weight = 0;
  }
}
