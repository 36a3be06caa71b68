/**
 * The child side of the memory suite. A case script imports this, pushes `volume()` bytes of
 * fresh 64 KiB chunks through one sink, adapter or source into a slow consumer, and calls
 * `finish()`. Memory is sampled on a timer and at every consumed chunk; the peaks (above the
 * baseline taken before the run) are printed as one JSON line on stdout, which the parent
 * (`run.ts`) reads. Progress lines are printed on the way, so a child that dies of heap
 * exhaustion still tells how far it got and how much it held.
 */
import { Writable } from 'node:stream';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';

export const CHUNK = 64 * 1024;
export const MiB = 1024 * 1024;
/**
 * What one read of a synchronous source may hold: core's `batchBytes` (default 64 KiB), the bound
 * of a batch cut from a synchronous iterable, plus the item that crosses it. A case counts two: while the next
 * read is made, the previous batch is still referenced by the loop that consumed it (measured on
 * main: 2 × 64 MiB held during a read of 1024 chunks, Node 20 and 22).
 */
export const SYNC_READ = 64 * 1024 + CHUNK;

interface Sample {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
}

const volumeArg = process.argv.find((a) => a.startsWith('--mb='));
if (volumeArg === undefined) throw new Error('a memory case needs --mb=<megabytes>');
const mb = Number(volumeArg.slice('--mb='.length));
const caseName = process.argv[1]!.replace(/^.*\/|\.ts$/g, '');

function read(): Sample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('a memory case needs --expose-gc');
// the baseline is what is reachable once the harness and the packages are loaded
collect();
const base = read();
const peak = { ...base };
let samples = 0;
let consumed = 0;
let nextProgress = 32 * MiB;
const started = performance.now();

function raise(peaks: Sample, s: Sample): void {
  peaks.rss = Math.max(peaks.rss, s.rss);
  peaks.heapUsed = Math.max(peaks.heapUsed, s.heapUsed);
  peaks.arrayBuffers = Math.max(peaks.arrayBuffers, s.arrayBuffers);
}

/** Records the current memory use; cheap enough to call once per 64 KiB chunk. */
function sample(): void {
  samples++;
  raise(peak, read());
}

/**
 * What stays reachable: at every 4 MiB the consumer takes, and at every 4 MiB the source makes
 * (for a destination with no consumer of ours, a file), a full GC, then a sample. Counted in
 * bytes, not time, so a loaded machine takes as many samples as an idle one, and a read-ahead or
 * a retained chunk is seen at both volumes alike. Without the GC the raw peaks mostly measure how
 * late V8 collects dead Buffers (~34 MiB of garbage on Node 20), which would hide a read-ahead of
 * that size. The parent also turns off V8's concurrent ArrayBuffer sweeping, or `arrayBuffers`
 * still counts what the GC has just freed.
 */
const HELD_EVERY = 4 * MiB;
const held = { ...base };
/** A counter that takes a held sample each time it crosses a multiple of HELD_EVERY bytes. */
function heldSampler(): (bytes: number) => void {
  let total = 0;
  let next = HELD_EVERY;
  return (bytes) => {
    total += bytes;
    if (total < next) return;
    next += HELD_EVERY;
    collect!();
    raise(held, read());
  };
}
const heldOnConsumed = heldSampler();
const heldOnProduced = heldSampler();

/** The held peaks up to `settle()`, once a case called it. */
let heldBefore: Sample | undefined;

/**
 * Ends a case's first phase (a burst it is allowed to hold more for): the held peaks so far are
 * reported apart, as `heldBefore`, and `held` starts again from the baseline, so it shows whether
 * what the burst grew was let go.
 */
export function settle(): void {
  heldBefore = { ...held };
  Object.assign(held, base);
}

/** Accounts for `bytes` a case's own source made (rows rather than `chunk()`s): held samples as for chunks. */
export function produced(bytes: number): void {
  heldOnProduced(bytes);
}

const timer = setInterval(sample, 5);

function line(kind: 'progress' | 'result', extra: Record<string, unknown> = {}): string {
  const above = (s: Sample) => ({
    rss: s.rss - base.rss,
    heapUsed: s.heapUsed - base.heapUsed,
    arrayBuffers: s.arrayBuffers - base.arrayBuffers,
  });
  return JSON.stringify({
    kind,
    case: caseName,
    node: process.version,
    mb,
    bytes: consumed,
    ms: Math.round(performance.now() - started),
    samples,
    base,
    peak,
    above: above(peak),
    held: above(held),
    ...(heldBefore === undefined ? {} : { heldBefore: above(heldBefore) }),
    ...extra,
  });
}

/** The number of bytes this run pushes: `--mb` megabytes (MiB), a whole number of chunks. */
export function volume(): number {
  return Math.ceil((mb * MiB) / CHUNK) * CHUNK;
}

/** A fresh, filled 64 KiB Buffer: nothing is shared between chunks, so anything kept shows. */
export function chunk(i: number): Buffer {
  heldOnProduced(CHUNK);
  return Buffer.allocUnsafe(CHUNK).fill(i & 0xff);
}

/** `bytes` of fresh chunks from a synchronous generator (reads return at once). */
export function* syncChunks(bytes = volume()): Generator<Buffer> {
  for (let i = 0; i * CHUNK < bytes; i++) yield chunk(i);
}

/** The same chunks from an async generator that waits a microtask per chunk, like a driver. */
export async function* asyncChunks(bytes = volume()): AsyncGenerator<Buffer> {
  for (let i = 0; i * CHUNK < bytes; i++) {
    await Promise.resolve();
    yield chunk(i);
  }
}

/**
 * Accounts for `bytes` arriving at the consumer, then makes the consumer slow: every chunk waits
 * for the next turn of the event loop and every 16th for a 1 ms timer, so a producer that does
 * not wait for its consumer fills its queues.
 */
export async function consume(bytes: number): Promise<void> {
  consumed += bytes;
  sample();
  heldOnConsumed(bytes);
  if (consumed >= nextProgress) {
    nextProgress += 32 * MiB;
    process.stdout.write(`${line('progress')}\n`);
  }
  if ((consumed / CHUNK) % 16 < 1) await sleep(1);
  else await immediate();
}

/** Accounts for bytes a real destination (a file) took, without a consumer of ours. */
export function arrived(bytes: number): void {
  consumed += bytes;
}

/**
 * What a case documents it may hold at once: the highWaterMarks, batches and queues on its path,
 * which the parent turns into the bound. A number, or for a case that calls `settle()`, what it
 * may hold during the burst (`buffered`, also the bound of the raw peaks) and after it (`settled`).
 */
export type Documented = number | { readonly buffered: number; readonly settled: number };

/** Ends the case: checks that every byte arrived, prints the result line and exits. */
function finish(documented: Documented, expected: number): void {
  clearInterval(timer);
  sample();
  if (consumed !== expected) {
    process.stderr.write(`${caseName}: the consumer saw ${consumed} bytes, expected ${expected}\n`);
    process.exit(2);
  }
  if (typeof documented !== 'number' && heldBefore === undefined) {
    process.stderr.write(`${caseName}: documents a settled bound but never called settle()\n`);
    process.exit(2);
  }
  process.stdout.write(`${line('result', typeof documented === 'number' ? { buffered: documented } : documented)}\n`);
  process.exit(0);
}

/**
 * Runs a case's body, which resolves what the case documents it may hold at once, and checks
 * that `expected()` bytes (default `volume()`) arrived. A failure exits non-zero, its error on stderr.
 */
export function runCase(body: () => Promise<Documented>, expected: () => number = volume): void {
  body().then(
    (documented) => finish(documented, expected()),
    (error: unknown) => {
      process.stderr.write(
        `${caseName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

/** A Writable whose every write completes only after `consume()`: the slow destination. */
export function slowWritable(highWaterMark = CHUNK): Writable {
  return new Writable({
    highWaterMark,
    write(data: Buffer, _encoding, callback) {
      consume(data.length).then(() => callback(), callback);
    },
  });
}
