import type { Stage } from './types.js';

/*
 * The parameter types of `pipe()`. The plain signature `pipe<A, B>(s1: Stage<T, A>, s2: Stage<A, B>)`
 * infers `A` from both stages, and when they disagree the compiler prefers the second stage's
 * input, so it reports the mismatch on the FIRST stage, through seven lines of async-iterator
 * internals. Here every stage's input and output are inferred separately, and the check that one
 * fits the next is a type of its own (`Takes`), attached to the stage that receives the items.
 */

/**
 * What a stage argument of `pipe()` is checked against when it cannot take the items the stage
 * before it yields: the compiler reports it on that stage, as
 * `… is not assignable to type 'StageMismatch<{ receives: number; takes: string; }>'`.
 */
export interface StageMismatch<M> {
  readonly 'a stage must take the items the stage before it yields': M;
}

/**
 * `unknown` (no constraint) when items of type `Prev` fit a stage taking `In`, else a
 * `StageMismatch`. A `Prev` of `unknown` always fits: it is what the compiler has for a generic
 * stage such as `buffer(n)`, whose output it learns from the stages around it; the cost is that a
 * stage declared to yield `unknown` is not checked against the stage after it.
 */
export type Takes<Prev, In> = unknown extends Prev
  ? unknown
  : [Prev] extends [In]
    ? unknown
    : StageMismatch<{ receives: Prev; takes: In }>;

/**
 * An inference site only: the compiler infers `O` from a stage's output, and the type resolves to
 * `unknown` once `O` is known, so it never rejects the stage.
 */
export type Yields<O> = [O] extends [unknown] ? unknown : Stage<any, O>;

/**
 * A stage of `pipe()` followed by another: it takes `In` (its own input type, checked against
 * `Prev`, what the stage before yields) and yields `Out`; `Next` is the input of the stage after
 * it, inferred from both stages so that an untyped callback there (`map((row) => …)`) gets its type.
 */
export type Piped<Prev, In, Out, Next> = Stage<In, unknown> & Takes<NoInfer<Prev>, In> & Yields<Out> & Yields<Next>;

/**
 * The first stage of `pipe()`, followed by another: it takes `In`, the pipeline's item type, and
 * yields `Out`; `Next` is the input of the stage after it. (`In` appears only as the stage's input,
 * so `Pipeline<T>` stays covariant: a `Pipeline<string>` is a `Pipeline<string | Buffer>`.)
 */
export type PipedFirst<In, Out, Next> = Stage<In, unknown> & Yields<Out> & Yields<Next>;

/** The last stage of `pipe()`: it takes `In`, checked against `Prev`, and yields `Out`. */
export type PipedLast<Prev, In, Out> = Stage<In, Out> & Takes<NoInfer<Prev>, In>;
