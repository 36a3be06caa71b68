import { from, type Stage } from '@sluice/core';
import { withoutUnhandledRejections } from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { batch } from './batch.js';
import { buffer } from './buffer.js';
import { mapConcurrent } from './map-concurrent.js';
import { merge } from './merge.js';
import { tee } from './tee.js';
import { throttle } from './throttle.js';

const thrown = new Error('next() threw');

/** Inputs that break the async iteration protocol, each with what `for await` would do with them. */
const broken: [string, () => AsyncIterable<number>, unknown][] = [
  ['next() resolves to null', () => iterable(() => Promise.resolve(null)), 'ERR_SLUICE_INVALID_ITERATOR'],
  ['next() returns 5', () => iterable(() => 5), 'ERR_SLUICE_INVALID_ITERATOR'],
  ['next() resolves to undefined', () => iterable(() => Promise.resolve(undefined)), 'ERR_SLUICE_INVALID_ITERATOR'],
  [
    'next() throws synchronously',
    () =>
      iterable(() => {
        throw thrown;
      }),
    thrown,
  ],
  [
    '[Symbol.asyncIterator]() returns null',
    () => ({ [Symbol.asyncIterator]: () => null }) as never,
    'ERR_SLUICE_INVALID_ITERATOR',
  ],
  [
    '[Symbol.asyncIterator]() returns an object without next()',
    () => ({ [Symbol.asyncIterator]: () => ({}) }) as never,
    'ERR_SLUICE_INVALID_ITERATOR',
  ],
  [
    '[Symbol.asyncIterator]() throws',
    () =>
      ({
        [Symbol.asyncIterator]: () => {
          throw thrown;
        },
      }) as never,
    thrown,
  ],
];

function iterable(next: () => unknown): AsyncIterable<number> {
  return { [Symbol.asyncIterator]: () => ({ next }) as never };
}

async function expectBroken(running: Promise<unknown>, expected: unknown): Promise<void> {
  if (typeof expected === 'string') {
    await expect(running).rejects.toMatchObject({
      name: 'TypeError',
      code: expected,
      message: expect.stringMatching(/iterator/),
    });
  } else {
    await expect(running).rejects.toBe(expected);
  }
}

/** Operators that drive their input by hand, called directly on the broken input (as in Node's pipeline()). */
const byHand: [string, () => Stage<number, unknown>][] = [
  ['buffer', () => buffer(2)],
  ['mapConcurrent', () => mapConcurrent(async (n: number) => n, { concurrency: 2 })],
  ['batch with maxWaitMs', () => batch({ size: 2, maxWaitMs: 1000 })],
  ['throttle', () => throttle({ limit: 10, intervalMs: 1000 })],
];

async function drain(items: AsyncIterable<unknown>): Promise<void> {
  for await (const item of items) void item;
}

describe('operators over a broken iterator reject with a coded TypeError, never hang or leave an unhandled rejection', () => {
  for (const [what, input, expected] of broken) {
    it(`merge: when a merged input's ${what}`, () =>
      withoutUnhandledRejections(() => expectBroken(from([1, 2]).pipe(merge(input())).toArray(), expected)));

    it(`merge: when the upstream's ${what}, outside a run`, () =>
      withoutUnhandledRejections(() =>
        expectBroken(drain(merge<number>([1])(input(), { signal: new AbortController().signal })), expected),
      ));

    it(`tee: when the source's ${what}`, () =>
      withoutUnhandledRejections(async () => {
        const branches = tee<number>(2)(input());
        await Promise.all(branches.map((branch) => expectBroken(from(branch).toArray(), expected)));
      }));

    for (const [name, stage] of byHand) {
      it(`${name}: when its input's ${what}`, () =>
        withoutUnhandledRejections(() =>
          expectBroken(drain(stage()(input(), { signal: new AbortController().signal })), expected),
        ));
    }
  }
});
