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
    expectTypeOf(from(async function* () { yield true; })).toEqualTypeOf<Pipeline<boolean>>();
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
    expectTypeOf(from([1]).to(async (source: AsyncIterable<number>) => source)).resolves.toEqualTypeOf<AsyncIterable<number>>();
  });

  it('types chains as stages', () => {
    const c = chain<number>().pipe(toStr, len);
    expectTypeOf(c).toEqualTypeOf<Chain<number, number>>();
    expectTypeOf(c).toMatchTypeOf<Stage<number, number>>();
    expectTypeOf(from([1]).pipe(c, toStr)).toEqualTypeOf<Pipeline<string>>();
  });

  it('rejects a stage whose input does not match', () => {
    // @ts-expect-error a Stage<string, number> cannot take numbers
    from([1]).pipe(len);
    // @ts-expect-error the mismatch is caught in the middle of a chain too
    from([1]).pipe(toStr, toStr);
    // @ts-expect-error and in chains
    chain<string>().pipe(toStr);
    // @ts-expect-error a sink must accept the item type
    void from([1]).to(async (source: AsyncIterable<string>) => source);
  });
});
