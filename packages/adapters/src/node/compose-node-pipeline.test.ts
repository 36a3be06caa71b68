import { once } from 'node:events';
import { Duplex, PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { trackedSource } from '@sluice/core/testing';
import { formatCsv } from '@sluice/operators';
import { compose } from './compose.js';
import { collector } from '../test-support/node-streams.js';

// Ports of the parts of nodejs/node test-stream-duplex-from.js that apply to compose() (one
// argument is Duplex.from() there) and of the compose cases of test-stream-pipeline.js.

describe('compose: one part, as Duplex.from() (test-stream-duplex-from.js)', () => {
  it('wraps a Readable as a read-only Duplex that ends after its data', async () => {
    const d = compose(
      new Readable({
        read() {
          this.push('asd');
          this.push(null);
        },
      }),
    );
    expect([d.readable, d.writable]).toEqual([true, false]);
    expect(Buffer.concat(await d.toArray()).toString()).toBe('asd');
  });

  it('wraps a Writable as a write-only Duplex that finishes after it', async () => {
    let ret = '';
    const d = compose(
      new Writable({
        write(chunk, _enc, cb) {
          ret += chunk;
          cb();
        },
      }),
    );
    expect([d.readable, d.writable]).toEqual([false, true]);
    d.end('asd');
    await once(d, 'finish');
    expect(ret).toBe('asd');
  });

  it('returns a Duplex given alone unchanged', () => {
    const duplex = new Duplex();
    expect(compose(duplex)).toBe(duplex);
  });

  it('makes a promise a read-only Duplex of its value', async () => {
    const d = compose(Promise.resolve('asd'));
    expect([d.readable, d.writable]).toEqual([true, false]);
    expect(await d.toArray()).toEqual(['asd']);
  });

  it("emits a promise's rejection unchanged", async () => {
    const failure = new Error('myCustomError');
    const d = compose(Promise.reject(failure));
    d.resume();
    expect((await once(d, 'error'))[0]).toBe(failure);
  });

  it('emits the rejection of an async function sink', async () => {
    const failure = new Error('myCustomError');
    const d = compose(async function rejecting() {
      throw failure;
    });
    d.end('x');
    expect((await once(d, 'error'))[0]).toBe(failure);
  });

  it('emits the error thrown by a Readable part and by a Writable part', async () => {
    const r = compose(
      new Readable({
        read() {
          throw new Error('read failed');
        },
      }),
    );
    r.resume();
    expect((await once(r, 'error'))[0]).toMatchObject({ message: 'read failed' });
    const failure = new Error('write failed');
    const w = compose(
      new Writable({
        write(_chunk, _enc, cb) {
          cb(failure);
        },
      }),
    );
    w.write('test');
    expect((await once(w, 'error'))[0]).toBe(failure);
  });

  it('splits lines inside stream.pipeline() from an array to a generator sink (#40497)', async () => {
    const lines = async function* lines(source: AsyncIterable<string>) {
      let rest = '';
      for await (const chunk of source) {
        const parts = (rest + String(chunk)).split('\n');
        rest = parts.pop()!;
        yield* parts;
      }
      yield rest;
    };
    let ret = '';
    await pipeline(['abc\ndef\nghi'], compose(lines), async (source: AsyncIterable<string>) => {
      for await (const line of source) ret += line;
    });
    expect(ret).toBe('abcdefghi');
  });

  it('fails lazily, with a coded TypeError, for a function that returns no iterable (Node throws at call time)', async () => {
    // Node calls the function inside compose(); sluice calls stages on the first read.
    const d = compose((() => undefined) as never);
    d.resume();
    d.end('x');
    expect((await once(d, 'error'))[0]).toMatchObject({ code: 'ERR_SLUICE_INVALID_STAGE' });
  });
});

describe('compose: inside stream.pipeline() (test-stream-pipeline.js)', () => {
  it('carries a generator source through a composed stage to an async function sink', async () => {
    let res = '';
    await pipeline(
      async function* words() {
        yield 'hello';
        yield 'world';
      },
      compose(async function* (source: AsyncIterable<string>) {
        for await (const chunk of source) yield chunk.toUpperCase();
      }),
      async (source: AsyncIterable<string>) => {
        for await (const chunk of source) res += chunk;
      },
    );
    expect(res).toBe('HELLOWORLD');
  });

  it('rejects with the error of a Transform inside the composed Duplex and closes the source once', async () => {
    const source = trackedSource(['hello', 'world']);
    const failure = new Error('kaboom');
    const failing = new Transform({
      transform(_chunk, _enc, cb) {
        cb(failure);
      },
    });
    await expect(pipeline(Readable.from(source), compose(failing, new PassThrough()), collector().sink)).rejects.toBe(
      failure,
    );
    expect(source.stats.closes).toBe(1);
    expect(failing.destroyed).toBe(true);
  });

  it('packages a CSV stage next to a real gzip stream, as the article does, and gunzips back', async () => {
    const { items, sink } = collector<Buffer>(false);
    const rows = [
      [1, 'a'],
      [2, 'b'],
    ];
    const exporter = compose(formatCsv(), createGzip());
    expect([exporter.readableObjectMode, exporter.writableObjectMode]).toEqual([false, true]);
    await pipeline(Readable.from(rows), exporter, sink);
    expect(gunzipSync(Buffer.concat(items)).toString()).toBe('1,a\n2,b\n');
  });
});

describe('compose: Web streams as parts, as node:stream compose() takes them', () => {
  it('takes a TransformStream anywhere, a ReadableStream first and a WritableStream last', async () => {
    const doubled = new TransformStream<number, number>({
      transform(n, controller) {
        controller.enqueue(n * 2);
      },
    });
    const got: number[] = [];
    const tail = new WritableStream<number>({
      write(n) {
        got.push(n);
      },
    });
    const d = compose(
      ReadableStream.from([1, 2, 3]),
      doubled,
      async function* plusOne(source: AsyncIterable<number>) {
        for await (const n of source) yield n + 1;
      },
      tail,
    );
    expect([d.readable, d.writable]).toEqual([false, false]);
    await finished(d);
    expect(got).toEqual([3, 5, 7]);
  });

  it('is a transform Duplex around a TransformStream alone, never taken as options', async () => {
    const d = compose(
      new TransformStream<string, string>({
        transform(s, controller) {
          controller.enqueue(s.toUpperCase());
        },
      }),
    );
    d.end('asd');
    expect(await d.toArray()).toEqual(['ASD']);
  });
});
