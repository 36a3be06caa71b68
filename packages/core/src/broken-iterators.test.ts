import { describe, expect, it } from 'vitest';
import { from, type RunReport } from './index.js';

const invalid = (what: RegExp) =>
  expect.objectContaining({
    name: 'TypeError',
    code: 'ERR_SLUICE_INVALID_ITERATOR',
    message: expect.stringMatching(what),
  });

/** An iterable whose iterator method is `make`, under the async or the sync symbol. */
function iterable(kind: 'async' | 'sync', make: () => unknown): object {
  return { [kind === 'async' ? Symbol.asyncIterator : Symbol.iterator]: make };
}

/** An iterable whose iterator's `next()` returns `result` (and whose `return()` is recorded). */
function withNext(kind: 'async' | 'sync', result: () => unknown, log: string[] = []): object {
  return iterable(kind, () => ({
    next: result,
    return: () => {
      log.push('return');
      return { done: true, value: undefined };
    },
  }));
}

describe.each(['async', 'sync'] as const)('from() over a broken %s iterator protocol', (kind) => {
  const method = kind === 'async' ? 'Symbol.asyncIterator' : 'Symbol.iterator';

  it(`rejects with the error thrown by [${method}]() (not an empty 'stopped' run)`, async () => {
    const boom = new Error('cannot iterate');
    let report: RunReport | undefined;
    const input = iterable(kind, () => {
      throw boom;
    });
    await expect(from(input as Iterable<number>).toArray({ onReport: (r) => (report = r) })).rejects.toBe(boom);
    expect(report).toMatchObject({ outcome: 'failed', error: boom });
    await expect(from(input as Iterable<number>).run()).rejects.toBe(boom);
  });

  it.each([
    ['null', null, /returned null/],
    ['a number', 5, /returned number 5/],
    ['an object without next()', {}, /without a next\(\) method/],
  ])(`rejects with a coded TypeError when [${method}]() returns %s`, async (_name, returned, message) => {
    const input = iterable(kind, () => returned);
    await expect(from(input as Iterable<number>).toArray()).rejects.toEqual(invalid(message));
    await expect(from(input as Iterable<number>).run({ timeout: 1000 })).rejects.toEqual(invalid(message));
  });

  it.each([
    ['5', () => 5, /next\(\) returned number 5/],
    ['null', () => null, /next\(\) returned null/],
    ['undefined', () => undefined, /next\(\) returned undefined/],
    [
      'a promise of 5',
      () => Promise.resolve(5),
      kind === 'async' ? /next\(\) returned number 5/ : /next\(\) returned an instance of Promise/,
    ],
  ])(
    'rejects with a coded TypeError when next() returns %s, without calling return() (like for await)',
    async (_name, result, message) => {
      const log: string[] = [];
      const input = withNext(kind, result, log);
      // Without the check, `next()` returning 5 is an endless stream of undefined: bound the test.
      await expect(from(input as Iterable<number>).toArray({ timeout: 2000 })).rejects.toEqual(invalid(message));
      expect(log).toEqual([]);
    },
  );

  it('says where the broken iterator came from when the source is a function', async () => {
    const input = iterable(kind, () => null);
    await expect(from(() => input as Iterable<number>).toArray()).rejects.toEqual(
      invalid(/returned by the source function/),
    );
  });
});
