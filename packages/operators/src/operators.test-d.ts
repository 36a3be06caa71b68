import { describe, expectTypeOf, it } from 'vitest';
import { chain, from, type Chain, type Pipeline, type Sink } from '@sluice/core';
import type { FusableStage } from '@sluice/core/kit';
import { drop } from './drop.js';
import { dropWhile } from './drop-while.js';
import { filter } from './filter.js';
import { first } from './first.js';
import { flatMap } from './flat-map.js';
import { forEach } from './for-each.js';
import { map } from './map.js';
import { reduce } from './reduce.js';
import { scan } from './scan.js';
import { take } from './take.js';
import { takeWhile } from './take-while.js';
import { tap } from './tap.js';

describe('operator types', () => {
  it('map infers its output, awaiting promises', () => {
    expectTypeOf(from([1, 2]).pipe(map((n) => String(n)))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from([1, 2]).pipe(map(async (n) => n > 1))).toEqualTypeOf<Pipeline<boolean>>();
    expectTypeOf(from(['a']).pipe(map((s, { index, signal }) => ({ s, index, signal })))).toEqualTypeOf<
      Pipeline<{ s: string; index: number; signal: AbortSignal }>
    >();
    expectTypeOf(map((n: number) => n * 2)).toEqualTypeOf<FusableStage<number, number>>();
  });

  it('filter keeps the type, and narrows it with a type guard', () => {
    expectTypeOf(from([1, 2]).pipe(filter((n) => n > 1))).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(from<string | number>(['a', 1]).pipe(filter((x): x is string => typeof x === 'string'))).toEqualTypeOf<
      Pipeline<string>
    >();
    expectTypeOf(from([1, 2]).pipe(filter(async (n) => n > 1))).toEqualTypeOf<Pipeline<number>>();
  });

  it('rejects a stage whose input does not match at compile time', () => {
    // @ts-expect-error map expects strings, the pipeline carries numbers
    from([1]).pipe(map((s: string) => s));
    from([1]).pipe(
      map((n) => String(n)),
      // @ts-expect-error the second stage expects numbers, the first produces strings: the error is on it
      filter((n: number) => n > 0),
    );
    // @ts-expect-error reduce folds numbers, the pipeline carries strings
    void from(['a']).to(reduce((acc: number, n: number) => acc + n, 0));
  });

  it('the other stages infer their types from the pipeline', () => {
    expectTypeOf(from(['a']).pipe(tap((s) => s.length))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from(['a']).pipe(take(1))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from(['a']).pipe(drop(1))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(from([1]).pipe(takeWhile((n) => n < 3))).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(from<number | null>([1]).pipe(takeWhile((n): n is number => n !== null))).toEqualTypeOf<
      Pipeline<number>
    >();
    expectTypeOf(from([1]).pipe(dropWhile(async (n) => n < 3))).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(from([1]).pipe(scan((acc: string[], n) => [...acc, String(n)], []))).toEqualTypeOf<
      Pipeline<string[]>
    >();
    expectTypeOf(from(['a b']).pipe(flatMap((s) => s.split(' ')))).toEqualTypeOf<Pipeline<string>>();
    expectTypeOf(
      from([2]).pipe(
        flatMap(async function* (n) {
          yield n > 1;
        }),
      ),
    ).toEqualTypeOf<Pipeline<boolean>>();
    expectTypeOf(from([2]).pipe(flatMap(async (n) => new Set([n])))).toEqualTypeOf<Pipeline<number>>();
  });

  it('flatMap does not accept a string result', () => {
    // @ts-expect-error a string would be spread into characters: rejected
    flatMap((n: number) => String(n));
  });

  it('infers through chains of ten and more stages with repeated pipe', () => {
    const long = from([1])
      .pipe(
        map((n) => n + 1),
        filter((n) => n > 0),
        tap(() => undefined),
        take(100),
        drop(1),
      )
      .pipe(
        map((n) => String(n)),
        takeWhile((s) => s.length < 5),
        dropWhile((s) => s === ''),
        scan((acc: number, s) => acc + s.length, 0),
      )
      .pipe(
        flatMap((n) => [n, n]),
        map((n) => ({ n })),
        filter((o): o is { n: 1 } => o.n === 1),
      );
    expectTypeOf(long).toEqualTypeOf<Pipeline<{ n: 1 }>>();
  });

  it('chain<T>().pipe(...) infers a reusable typed chain', () => {
    const exporter = chain<number>().pipe(
      filter((n) => n > 0),
      map((n) => n.toFixed(2)),
      take(10),
    );
    expectTypeOf(exporter).toEqualTypeOf<Chain<number, string>>();
    expectTypeOf(from([1]).pipe(exporter)).toEqualTypeOf<Pipeline<string>>();
  });

  it('terminals type what the run resolves to', () => {
    expectTypeOf(from([1, 2]).to(reduce((acc, n) => acc + n, 0))).resolves.toEqualTypeOf<number>();
    expectTypeOf(from([1, 2]).to(reduce(async (acc: string, n) => acc + n, ''))).resolves.toEqualTypeOf<string>();
    expectTypeOf(from(['a']).to(forEach((s) => s.length))).resolves.toEqualTypeOf<void>();
    expectTypeOf(from(['a']).to(first())).resolves.toEqualTypeOf<string | undefined>();
    expectTypeOf(first<number>()).toEqualTypeOf<Sink<number, number | undefined>>();
  });
});
