import { Writable } from 'node:stream';

/** Options of `slowWritable`. */
export interface SlowWritableOptions {
  readonly highWaterMark?: number;
  readonly objectMode?: boolean;
  /**
   * When each write completes: 'immediate' (next turn of the event loop), a number of
   * milliseconds (a timer, so fake timers control it), or a function returning a promise.
   */
  readonly pace?: 'immediate' | number | ((chunk: unknown, index: number) => Promise<unknown>);
}

/**
 * A writable that consumes slowly and records the most it ever had buffered (`maxBuffered`, in
 * items for object mode, bytes otherwise), how often it emitted `'drain'`, and every chunk.
 */
export class SlowWritable extends Writable {
  readonly chunks: unknown[] = [];
  maxBuffered = 0;
  drains = 0;
  private writes = 0;
  private readonly pace: NonNullable<SlowWritableOptions['pace']>;

  constructor({ highWaterMark = 2, objectMode = true, pace = 'immediate' }: SlowWritableOptions = {}) {
    super({ highWaterMark, objectMode });
    this.pace = pace;
    this.on('drain', () => this.drains++);
  }

  /** `Writable.write`, recording the largest `writableLength` seen in `maxBuffered`. */
  override write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const ok = super.write(chunk as never, encoding as never, cb as never);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    return ok;
  }

  /** @internal */
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const index = this.writes++;
    const done = () => {
      this.chunks.push(chunk);
      callback();
    };
    const pace = this.pace;
    if (pace === 'immediate') setImmediate(done);
    else if (typeof pace === 'number') setTimeout(done, pace);
    else pace(chunk, index).then(done, (error: Error) => callback(error));
  }
}

/** A `SlowWritable`: an object-mode writable that completes writes at the pace asked, recording what it got. */
export function slowWritable(options?: SlowWritableOptions): SlowWritable {
  return new SlowWritable(options);
}
