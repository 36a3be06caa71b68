import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NO_LEAKS, deferred, leakCheck } from '@sluice/core/testing';
import { take } from '@sluice/operators';
import { compose } from './compose.js';
import { closeOf, collector, probe } from '../test-support/node-streams.js';

// The teardown cases where Node's compose leaks on 20 and 22 (notes/node-streams.md §1.2),
// with Node streams among the parts, and the listeners compose() adds to them.
describe('compose: teardown with Node streams as parts (Node 20 and 22 leak here)', () => {
  it('destroys every part and runs every finally on destroy() while the last part waits for input', async () => {
    const log: string[] = [];
    const leaks = leakCheck();
    const middle = new PassThrough({ objectMode: true });
    const last = new PassThrough({ objectMode: true });
    const d = compose(probe('a', log), middle, probe('b', log), last);
    const closed = closeOf(d);
    const first = deferred<unknown>();
    d.once('data', first.resolve);
    d.write(1);
    expect(await first.promise).toBe(1);
    d.destroy();
    await closed;
    expect(log.sort()).toEqual(['a', 'b']);
    expect([middle.destroyed, last.destroyed]).toEqual([true, true]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('destroys every part and runs every finally when the consumer breaks out of for await', async () => {
    const log: string[] = [];
    const leaks = leakCheck();
    const head = new PassThrough({ objectMode: true });
    const last = new PassThrough({ objectMode: true });
    const d = compose(head, probe('a', log), last);
    const closed = closeOf(d);
    let next = 0;
    d.write(next++);
    for await (const n of d) {
      if (n === 2) break;
      d.write(next++); // one at a time: every part waits for input whenever the consumer asks
    }
    await closed;
    expect(log).toEqual(['a']);
    expect([head.destroyed, last.destroyed]).toEqual([true, true]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('destroys a Readable head the chain never reached when take(0) ends it', async () => {
    let finalized = false;
    const head = Readable.from(
      (async function* rows() {
        try {
          yield 1;
        } finally {
          finalized = true;
        }
      })(),
    );
    const headClosed = closeOf(head);
    const d = compose(head, take(0));
    expect(await d.toArray()).toEqual([]);
    await headClosed;
    expect(head.destroyed).toBe(true);
    expect(finalized).toBe(false); // never started, so nothing to finalize, and nothing left open
  });

  it('destroys the parts when destroyed before anything ran', async () => {
    const head = new PassThrough();
    const tail = new PassThrough();
    const d = compose(head, tail);
    d.destroy();
    await closeOf(d);
    expect([head.destroyed, tail.destroyed]).toEqual([true, true]);
  });

  it('leaves no listener on its parts after a normal end, with a Writable tail', async () => {
    const head = new PassThrough({ objectMode: true });
    const { items, sink } = collector<number>();
    const leaks = leakCheck({ watch: [head, sink] });
    const d = compose(head, probe('a', []), sink);
    const closed = closeOf(d);
    d.end(1);
    await closed;
    expect(items).toEqual([1]);
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('aborts a running sink with signal.reason when its signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('shutdown');
    const entered = deferred();
    const seen: unknown[] = [];
    const d = compose(
      [1, 2, 3],
      async function waiting(source: AsyncIterable<number>, { signal }: { signal: AbortSignal }) {
        for await (const _ of source) {
          entered.resolve();
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          );
        }
        seen.push('unreachable');
      },
      { signal: controller.signal },
    );
    const errored = once(d, 'error');
    await entered.promise;
    controller.abort(reason);
    expect((await errored)[0]).toBe(reason);
    expect(seen).toEqual([]);
  });

  it('keeps the first error when a destroyed Transform part would emit its own', async () => {
    const failure = new Error('first');
    const d = compose(new PassThrough({ objectMode: true }), new PassThrough({ objectMode: true }));
    const errored = once(d, 'error');
    d.write(1);
    d.destroy(failure);
    expect((await errored)[0]).toBe(failure);
  });
});
