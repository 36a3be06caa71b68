import { describe, expect, it } from 'vitest';
import { from, type Stage } from './index.js';
import { validateFunction } from './kit/index.js';
import { withoutUnhandledRejections } from './testing/index.js';

describe('a stage that is not a stage', () => {
  it('refuses an async function passed as a stage when piped, naming it and hinting', () => {
    const sinkLike = async function writeRows(source: AsyncIterable<number>) {
      for await (const n of source) void n;
    };
    expect(() =>
      from([1, 2])
        .pipe(async function* ok(s: AsyncIterable<number>) {
          yield* s;
        })
        .pipe(sinkLike as unknown as Stage<number, number>),
    ).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringMatching(
          /^pipe\(\): stage 2 \(writeRows\) is an async function.*did you mean `async function\*`, or `\.to\(\)` for a sink\?$/,
        ),
      }),
    );
  });

  it('rejects a stage that returns a promise with a coded error and a hint, and no unhandled rejection', () =>
    withoutUnhandledRejections(async () => {
      // Not an AsyncFunction (a transpiled one, or a function returning a promise): found when called.
      const returnsPromise = function writeRows(source: AsyncIterable<number>) {
        return (async () => {
          for await (const n of source) void n;
        })();
      };
      const running = from([1, 2])
        .pipe(returnsPromise as unknown as Stage<number, number>)
        .run();
      await expect(running).rejects.toMatchObject({
        name: 'TypeError',
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringMatching(
          /^pipe\(\): stage 1 \(writeRows\) must return an async iterable, but returned an instance of Promise; did you mean `async function\*`, or `\.to\(\)` for a sink\?$/,
        ),
      });
    }));

  it('names an anonymous stage by its position, without repeating the word stage', () =>
    withoutUnhandledRejections(async () => {
      const running = from([1])
        .pipe(
          async function* ok(s: AsyncIterable<number>) {
            yield* s;
          },
          (() => 42) as unknown as Stage<number, number>,
        )
        .run();
      const error = await running.catch((e: unknown) => e as Error);
      expect(error).toMatchObject({
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringMatching(/^pipe\(\): stage 2 must return an async iterable/),
      });
      expect((error as Error).message).not.toMatch(/stage stage/);
    }));

  it('explains an operator factory passed uncalled instead of blaming the input it was given', () => {
    // Like every operator factory, it validates its arguments when called.
    function map<T, U>(fn: (item: T) => U): Stage<T, U> {
      validateFunction(fn, 'map(fn)');
      return async function* mapStage(source) {
        for await (const item of source) yield fn(item);
      };
    }
    const pipeline = from([1]);
    const running = pipeline.pipe(map as unknown as Stage<number, number>).toArray();
    return withoutUnhandledRejections(() =>
      expect(running).rejects.toMatchObject({
        code: 'ERR_SLUICE_INVALID_STAGE',
        message: expect.stringMatching(/stage 1 \(map\) is an operator factory: call it, e\.g\. map\(fn\)/),
      }),
    );
  });
});
