import { describe, expect, it } from 'vitest';
import { from, fromResource, type Pipeline } from './index.js';
import { cleanupRecorder as recorder, withoutUnhandledRejections } from './testing/index.js';

/** A resource with one row whose close fails, read at once or after a turn of the microtask queue. */
const sources: [string, (closing: Error) => Pipeline<number>][] = [
  [
    'a read that answers later',
    (closing) =>
      fromResource({
        open: () => ({ done: false }),
        read: async (cursor) => (cursor.done ? [] : ((cursor.done = true), [1])),
        close: () => Promise.reject(closing),
      }),
  ],
  [
    'its synchronous twin, a read that answers at once',
    (closing) =>
      fromResource({
        open: () => ({ done: false }),
        read: (cursor) => (cursor.done ? [] : ((cursor.done = true), [1])),
        close: () => {
          throw closing;
        },
      }),
  ],
];

/** Ways a stage runs a pipeline on its own signal and waits for its end. */
const innerRuns: [string, (inner: Pipeline<number>, signal: AbortSignal) => Promise<unknown>][] = [
  ['run()', (inner, signal) => inner.run({ signal })],
  ['toArray()', (inner, signal) => inner.toArray({ signal })],
  [
    'to(sink)',
    (inner, signal) =>
      inner.to(
        async (items) => {
          for await (const _ of items);
        },
        { signal },
      ),
  ],
  [
    'iterate() to its end',
    async (inner, signal) => {
      for await (const _ of inner.iterate({ signal }));
    },
  ],
];

describe('a pipeline run inside a stage, on its signal, whose close fails', () => {
  for (const [source, make] of sources) {
    for (const [how, runInner] of innerRuns) {
      it(`leaves the outer run alone when the stage catches the close error its ${how} rejected with, over ${source}`, () =>
        withoutUnhandledRejections(async () => {
          const closing = new Error('inner close failed');
          const caught: unknown[] = [];
          const rec = recorder();
          const outer = from(['go']).pipe(async function* handles(input, { signal }) {
            for await (const _ of input) {
              try {
                await runInner(make(closing), signal);
              } catch (error) {
                caught.push(error);
                yield 'handled';
              }
            }
          });
          expect(await outer.toArray(rec.options)).toEqual(['handled']);
          expect(caught).toEqual([closing]);
          expect(rec.report.outcome).toBe('completed');
          expect(rec.report.cleanupErrors).toEqual([]);
          expect(rec.hooked).toEqual([]);
        }));
    }

    it(`still hands the outer run a close error the inner run only reported, having failed with another, over ${source}`, () =>
      withoutUnhandledRejections(async () => {
        const closing = new Error('inner close failed');
        const failed = new Error('inner stage failed');
        const caught: unknown[] = [];
        const rec = recorder();
        const outer = from(['go']).pipe(async function* handles(input, { signal }) {
          for await (const _ of input) {
            try {
              await make(closing)
                .pipe(async function* fails(rows) {
                  for await (const _ of rows) throw failed;
                })
                .run({ signal });
            } catch (error) {
              caught.push(error);
              yield 'handled';
            }
          }
        });
        await expect(outer.toArray(rec.options)).rejects.toBe(closing);
        expect(caught).toEqual([failed]);
        expect(rec.report.cleanupErrors).toEqual([closing]);
        expect(rec.hooked).toEqual([closing]);
      }));
  }
});
