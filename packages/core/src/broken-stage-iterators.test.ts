import { describe, expect, it } from 'vitest';
import { from, type RunReport, type Stage } from './index.js';
import { withoutUnhandledRejections } from './testing/index.js';

/** A stage whose returned async iterable breaks the protocol in the given way. */
function brokenStage(next: () => unknown): Stage<number, number> {
  return function broken() {
    return { [Symbol.asyncIterator]: () => ({ next }) } as never;
  };
}

describe('a stage whose iterator breaks the protocol', () => {
  for (const [what, next] of [
    ['resolves to 5', () => Promise.resolve(5)],
    ['returns null', () => null],
    ['resolves to undefined', async () => undefined],
  ] as const) {
    it(`fails the run with ERR_SLUICE_INVALID_ITERATOR when next() ${what}, even without a timeout`, () =>
      withoutUnhandledRejections(() =>
        expect(from([1, 2]).pipe(brokenStage(next)).toArray()).rejects.toMatchObject({
          name: 'TypeError',
          code: 'ERR_SLUICE_INVALID_ITERATOR',
          message: expect.stringMatching(/pipe\(\): stage 1 \(broken\).*next\(\)/),
        }),
      ));
  }

  it('fails the run with ERR_SLUICE_INVALID_ITERATOR when [Symbol.asyncIterator]() returns no iterator', () =>
    withoutUnhandledRejections(() =>
      expect(
        from([1])
          .pipe(function noIterator() {
            return { [Symbol.asyncIterator]: () => null } as never;
          })
          .toArray(),
      ).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ITERATOR' }),
    ));

  it('fails the run with the error [Symbol.asyncIterator]() throws', () => {
    const thrown = new Error('no iterator for you');
    return withoutUnhandledRejections(() =>
      expect(
        from([1])
          .pipe(function throwing() {
            return {
              [Symbol.asyncIterator]: () => {
                throw thrown;
              },
            } as never;
          })
          .toArray(),
      ).rejects.toBe(thrown),
    );
  });
});

describe('a broken stage iterator whose return() never settles', () => {
  const CLEANUP_TIMEOUT = 300;
  const sources: [string, () => AsyncIterable<number> | Iterable<number>][] = [
    ['an array', () => [1, 2]],
    [
      'an async generator',
      () =>
        (async function* () {
          yield 1;
          yield 2;
        })(),
    ],
  ];
  for (const [what, input] of sources) {
    it(`fails the run within one cleanupTimeout, not two, with ${what} as the source`, () =>
      withoutUnhandledRejections(async () => {
        const stuck = new Promise<never>(() => undefined);
        const broken: Stage<number, number> = function broken() {
          return { [Symbol.asyncIterator]: () => ({ next: async () => 5, return: () => stuck }) } as never;
        };
        let report: RunReport | undefined;
        const started = performance.now();
        await expect(
          from(input())
            .pipe(broken)
            .toArray({ cleanupTimeout: CLEANUP_TIMEOUT, onReport: (r) => (report = r) }),
        ).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ITERATOR' });
        // The return() is waited for once (inside the failing pull); settlement must not start a
        // second wait for the same close.
        expect(performance.now() - started).toBeLessThan(2 * CLEANUP_TIMEOUT);
        expect(report!.pendingCleanups).toBe(1);
      }));
  }
});
