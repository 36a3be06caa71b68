import { describe, expectTypeOf, it } from 'vitest';
import { chain, from, fromResource, type Chain, type Pipeline, type RunReport, type Stage } from './index.js';

const toStr: Stage<number, string> = async function* (source) {
  for await (const n of source) yield String(n);
};
const len: Stage<string, number> = async function* (source) {
  for await (const s of source) yield s.length;
};
const wrap = <T>(): Stage<T, { value: T }> =>
  async function* (source) {
    for await (const value of source) yield { value };
  };

describe('type inference', () => {
  it('infers the item type from the source', () => {
    expectTypeOf(from([1, 2])).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(from(new Set(['a']))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(
      from(async function* () {
        yield true;
      }),
    ).toEqualTypeOf<Pipeline<boolean>>();
    expectTypeOf(from([Promise.resolve(1)])).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(fromResource({ open: () => 1, read: () => ['x'], close: () => {} })).toEqualTypeOf<Pipeline<string>>();
  });

  it('infers through pipe, in one call and across calls of any length', () => {
    expectTypeOf(from([1]).pipe(toStr)).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from([1]).pipe(toStr, len, toStr, len)).toEqualTypeOf<Pipeline<number>>();
    const long = from([1])
      .pipe(toStr, len, toStr, len, toStr, len, toStr, len, toStr)
      .pipe(len, toStr, len, toStr, len, toStr, len, toStr, len)
      .pipe(wrap<number>());
    expectTypeOf(long).toEqualTypeOf<Pipeline<{ value: number }>>();
  });

  it('types what runs resolve to', () => {
    expectTypeOf(from([1]).pipe(toStr).toArray()).resolves.toEqualTypeOf<string[]>();
    expectTypeOf(from([1]).run()).resolves.toEqualTypeOf<RunReport>();
    expectTypeOf(from([1]).to(async (source: AsyncIterable<number>) => source)).resolves.toEqualTypeOf<
      AsyncIterable<number>
    >();
  });

  it('types chains as stages', () => {
    const c = chain<number>().pipe(toStr, len);
    expectTypeOf(c).toEqualTypeOf<Chain<number, number>>();
    expectTypeOf(c).toMatchTypeOf<Stage<number, number>>();
    expectTypeOf(from([1]).pipe(c, toStr)).toEqualTypeOf<Pipeline<string>>();
  });

  it('gives an untyped callback the item type of the stage before it, at every position', () => {
    const seen = <T>(check: (item: T) => void): Stage<T, T> =>
      async function* (source) {
        for await (const item of source) {
          check(item);
          yield item;
        }
      };
    from([1]).pipe(
      seen((n) => expectTypeOf(n).toEqualTypeOf<number>()),
      toStr,
      seen((s) => expectTypeOf(s).toEqualTypeOf<string>()),
    );
    chain<string>().pipe(
      len,
      seen((n) => expectTypeOf(n).toEqualTypeOf<number>()),
    );
  });

  it('infers a generic stage that takes its type from its neighbours (as buffer(n) or take(n) do)', () => {
    const pass = <T>(): Stage<T, T> =>
      async function* (source) {
        yield* source;
      };
    expectTypeOf(from([1]).pipe(pass())).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(from([1]).pipe(pass(), toStr)).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from([1]).pipe(toStr, pass(), pass(), len)).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(chain<number>().pipe(pass(), toStr)).toEqualTypeOf<Chain<number, string>>();
  });

  it('keeps Pipeline covariant in its item type', () => {
    expectTypeOf(from(['a'])).toMatchTypeOf<Pipeline<string | Uint8Array>>();
    expectTypeOf(from(['a']).pipe(toStr as unknown as Stage<string, string>)).toMatchTypeOf<
      Pipeline<string | Uint8Array>
    >();
  });
});

// Each error is expected on the stage argument that cannot take its input, not on the stage
// before it (pipe-errors.test.ts checks the position and the wording with tsc itself).
describe('a stage that cannot take its input', () => {
  it('is the error, in the first position', () => {
    from([1]).pipe(
      // @ts-expect-error a Stage<string, number> cannot take numbers
      len,
    );
  });

  it('is the error, in the middle and at the end of one pipe() call', () => {
    from([1]).pipe(
      toStr,
      // @ts-expect-error toStr takes numbers, and receives strings
      toStr,
      len,
    );
    from([1]).pipe(
      toStr,
      len,
      toStr,
      // @ts-expect-error the last stage receives strings
      toStr,
    );
  });

  it('is the error in chains', () => {
    chain<string>().pipe(
      // @ts-expect-error a chain of strings cannot start with toStr
      toStr,
    );
    chain<number>().pipe(
      toStr,
      // @ts-expect-error and in the middle of one
      toStr,
    );
  });

  it('is the error for a sink', () => {
    // @ts-expect-error a sink must accept the item type
    void from([1]).to(async (source: AsyncIterable<string>) => source);
  });

  it('has no list form: an array of stages is not a stage', () => {
    const stages: Stage<number, number>[] = [];
    // @ts-expect-error pipe() takes stages one argument each
    from([1]).pipe(stages);
  });
});
