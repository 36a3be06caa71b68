import { once } from 'node:events';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import { closeOf } from '../test-support/node-streams.js';

// Ports of nodejs/node test/parallel/test-stream-compose.js, case by case (their comments or
// shapes name them). Where Node's behaviour is a leak or a hang we avoid, the test says so.

const doubling = () =>
  new Transform({
    transform(chunk, _enc, cb) {
      cb(null, chunk + chunk);
    },
  });
const upper = () =>
  new Transform({
    transform(chunk, _enc, cb) {
      cb(null, String(chunk).toUpperCase());
    },
  });
const upperStage = async function* upperStage(source: AsyncIterable<unknown>) {
  for await (const chunk of source) yield String(chunk).toUpperCase();
};
const identity = async function* identity(source: AsyncIterable<unknown>) {
  for await (const chunk of source) yield chunk;
};
const helloWorld = () =>
  (async function* greeting() {
    yield 'Hello';
    yield 'World';
  })();

async function readAll(d: Readable): Promise<string> {
  let text = '';
  for await (const chunk of d) text += String(chunk);
  return text;
}

describe('compose: as node:stream compose() (test-stream-compose.js)', () => {
  it('chains two byte Transforms (case 1: "asd" → "ASDASD")', async () => {
    const d = compose(doubling(), upper());
    d.end('asd');
    expect(await readAll(d)).toBe('ASDASD');
  });

  it('chains two async generator functions (case 2)', async () => {
    const doubled = async function* doubled(source: AsyncIterable<string>) {
      for await (const chunk of source) yield chunk + chunk;
    };
    const d = compose(doubled, upperStage);
    d.end('asd');
    expect(await readAll(d)).toBe('ASDASD');
  });

  it('makes one async generator function a transform Duplex (case 3, and the "transform duplex" case)', async () => {
    const d = compose(upperStage);
    expect([d.readable, d.writable]).toEqual([true, true]);
    d.end('helloworld');
    expect(await readAll(d)).toBe('HELLOWORLD');
  });

  it('takes a Readable head and is then read-only (case 4)', async () => {
    const d = compose(Readable.from(['asd']), upper());
    expect([d.readable, d.writable]).toEqual([true, false]);
    expect(await readAll(d)).toBe('ASD');
  });

  it('takes an async generator object as the head, never as options (case 5)', async () => {
    const d = compose(
      (async function* one() {
        yield 'asd';
      })(),
      upper(),
    );
    expect([d.readable, d.writable]).toEqual([true, false]);
    expect(await readAll(d)).toBe('ASD');
    // Alone, it is the whole Duplex, not an options object either.
    const alone = compose(helloWorld());
    expect(await readAll(alone)).toBe('HelloWorld');
  });

  it('takes an array head, the synchronous twin of case 5', async () => {
    const d = compose(['asd', 'qwe'], upper());
    expect([d.readable, d.writable]).toEqual([true, false]);
    expect(await readAll(d)).toBe('ASDQWE');
  });

  it('ends in a Writable, is then write-only, and finishes after the Writable has (case 6)', async () => {
    let res = '';
    const tail = new Writable({
      write(chunk, _enc, cb) {
        res += chunk;
        cb();
      },
    });
    const d = compose(upper(), identity, tail);
    expect([d.readable, d.writable]).toEqual([false, true]);
    d.end('asd');
    await once(d, 'finish');
    expect(res).toBe('ASD');
    expect(tail.writableFinished).toBe(true);
    await closeOf(d);
  });

  it('ends in an async function sink and finishes after it resolved (case 7)', async () => {
    let res = '';
    const d = compose(upper(), identity, async function collect(source: AsyncIterable<unknown>) {
      for await (const chunk of source) res += String(chunk);
    });
    expect([d.readable, d.writable]).toEqual([false, true]);
    d.end('asd');
    await once(d, 'finish');
    expect(res).toBe('ASD');
  });

  it('carries objects through object-mode Transforms around a generator (case 8)', async () => {
    const wrap = () =>
      new Transform({
        objectMode: true,
        transform(chunk, _enc, cb) {
          cb(null, { chunk });
        },
      });
    const d = compose(wrap(), identity, wrap());
    d.end(true);
    expect(await d.toArray()).toEqual([{ chunk: { chunk: true } }]);
  });

  it("emits a head Transform's error unchanged, no data, and destroys every part (case 9)", async () => {
    const failure = new Error('asd');
    const head = new Transform({
      objectMode: true,
      transform(_chunk, _enc, cb) {
        cb(failure);
      },
    });
    const tail = new Transform({
      objectMode: true,
      transform() {
        throw new Error('the tail must never be reached');
      },
    });
    const d = compose(head, identity, tail);
    const data: unknown[] = [];
    d.on('data', (chunk) => data.push(chunk));
    const closed = closeOf(d);
    d.end(true);
    const [error] = await once(d, 'error');
    await closed;
    expect(error).toBe(failure);
    expect(data).toEqual([]);
    expect([head.destroyed, tail.destroyed]).toEqual([true, true]);
  });

  it('emits the error thrown by a generator between two Transforms, and destroys both (case 10)', async () => {
    const failure = new Error('asd');
    const throwing = async function* throwing(source: AsyncIterable<unknown>) {
      for await (const _ of source) throw failure;
    };
    const head = new PassThrough({ objectMode: true });
    const tail = new PassThrough({ objectMode: true });
    const d = compose(head, throwing, tail);
    d.resume();
    const closed = closeOf(d);
    d.end(true);
    const [error] = await once(d, 'error');
    await closed;
    expect(error).toBe(failure);
    expect([head.destroyed, tail.destroyed]).toEqual([true, true]);
  });

  it('runs at once with an iterable head and a sink tail, neither readable nor writable (the "readable Duplex" cases)', async () => {
    let buf = '';
    const d = compose(helloWorld(), upperStage, async function collect(source: AsyncIterable<unknown>) {
      for await (const chunk of source) buf += String(chunk);
    });
    expect([d.readable, d.writable]).toEqual([false, false]);
    await finished(d);
    expect(buf).toBe('HELLOWORLD');
  });

  it('composes composed Duplexes: read-only, transform and write-only (the s1, s2, s3 → s4 case)', async () => {
    let buf = '';
    const s1 = compose(helloWorld());
    const s2 = compose(upperStage);
    const s3 = compose(async function collect(source: AsyncIterable<unknown>) {
      for await (const chunk of source) buf += String(chunk);
    });
    expect([s1.writable, s3.readable]).toEqual([false, false]);
    const s4 = compose(s1, s2, s3);
    await finished(s4);
    expect(buf).toBe('HELLOWORLD');
    expect([s1.destroyed, s2.destroyed, s3.destroyed]).toEqual([true, true, true]);
  });

  it('throws ERR_MISSING_ARGS when given nothing, as Node does', () => {
    expect(() => compose()).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_MISSING_ARGS' }));
    expect(() => compose({ objectMode: true } as never)).toThrow(expect.objectContaining({ code: 'ERR_MISSING_ARGS' }));
  });

  it('throws ERR_INVALID_ARG_VALUE for a Writable first or a Readable in the middle, as Node does', () => {
    expect(() => compose(new Writable(), new PassThrough())).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => compose(new PassThrough(), new Readable({ read() {} }), new PassThrough())).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => compose(new PassThrough(), new Writable(), new PassThrough())).toThrow(/part 2 .* must be readable/);
    expect(() => compose(async function sink() {}, new PassThrough())).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
  });

  it('fails with ERR_INVALID_RETURN_VALUE when the sink resolves to a value (the "return buf" case)', async () => {
    const d = compose(helloWorld(), upperStage, async function joined(source: AsyncIterable<unknown>) {
      let buf = '';
      for await (const chunk of source) buf += String(chunk);
      return buf;
    });
    await expect(finished(d)).rejects.toMatchObject({ code: 'ERR_INVALID_RETURN_VALUE' });
  });

  it('iterates a string head character by character, as Node does (the "HelloWorld" case)', async () => {
    const chunks: unknown[] = [];
    const d = compose('HelloWorld', upperStage, async function collect(source: AsyncIterable<unknown>) {
      for await (const chunk of source) chunks.push(chunk);
    });
    await finished(d);
    expect(chunks.join('')).toBe('HELLOWORLD');
    expect(chunks).toHaveLength(10);
  });

  it('takes the writable mode of the head and the readable mode of the tail (#46829, bytes in, objects out)', async () => {
    const d = compose(
      new PassThrough(),
      new Transform({
        readableObjectMode: true,
        transform(chunk, _enc, cb) {
          cb(null, { value: chunk.toString() });
        },
      }),
    );
    expect([d.writableObjectMode, d.readableObjectMode]).toEqual([false, true]);
    d.write('Steve Rogers');
    d.write('On your left');
    d.end();
    const values = ((await d.toArray()) as { value: string }[]).map((o) => o.value);
    expect(values.join('')).toBe('Steve RogersOn your left');
  });

  it('takes the writable mode of the head and the readable mode of the tail (#46829, objects in, bytes out)', async () => {
    const d = compose(
      new PassThrough({ objectMode: true }),
      new Transform({
        writableObjectMode: true,
        transform(chunk, _enc, cb) {
          cb(null, chunk.value);
        },
      }),
    );
    expect([d.writableObjectMode, d.readableObjectMode]).toEqual([true, false]);
    d.write({ value: 'Steve Rogers' });
    d.write({ value: 'On your left' });
    d.end();
    expect(Buffer.concat(await d.toArray()).toString()).toBe('Steve RogersOn your left');
  });
});
