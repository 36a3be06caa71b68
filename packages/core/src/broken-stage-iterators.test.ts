import { describe, expect, it } from 'vitest';
import { from, type Stage } from './index.js';
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
        from([1]).pipe(function noIterator() {
          return { [Symbol.asyncIterator]: () => null } as never;
        }).toArray(),
      ).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ITERATOR' }),
    ));

  it('fails the run with the error [Symbol.asyncIterator]() throws', () => {
    const thrown = new Error('no iterator for you');
    return withoutUnhandledRejections(() =>
      expect(
        from([1]).pipe(function throwing() {
          return {
            [Symbol.asyncIterator]: () => {
              throw thrown;
            },
          } as never;
        }).toArray(),
      ).rejects.toBe(thrown),
    );
  });
});
