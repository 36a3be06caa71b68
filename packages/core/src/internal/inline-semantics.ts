/**
 * What each inline kind means, stated once. An inline operator calls `fn(item, ctx)` per item; its
 * kind says how the (settled) result becomes what the next operator receives. Three things read
 * this table and nothing else: the generated loop (`loopSource` in compile.ts, from `code`), the interpreter
 * that replaces it where code generation is refused (`interpretedLoop` and the async path of
 * `CompiledGroup`, from `next`), and `defineInlineStage`, whose uncompiled kernel is a group of one.
 * A new kind is one more row here; see docs/adr/0001-batches-and-fusion.md.
 */

/** Returned by `next` when the item goes no further. */
export const DROP: unique symbol = Symbol('sluice.drop');

export interface InlineKindSemantics {
  /** The item passed on, given the item that entered and the settled result of the callback; or `DROP`. */
  readonly next: (item: unknown, result: unknown) => unknown;
  /**
   * `next` as a statement of the generated loop, over `v` (the item, replaced by what is passed
   * on) and `r` (the result), where `continue` drops the item. A call to `next` there instead
   * measured 1.3–1.6× slower on arrays. inline-semantics.test.ts checks that the two agree.
   */
  readonly code: string;
  /** One output per input (never `DROP`): lets a downstream `take` bound what is pulled. */
  readonly oneToOne: boolean;
}

export const INLINE_KINDS = {
  /** The result replaces the item. */
  map: { next: (_item, result) => result, code: 'v = r;', oneToOne: true },
  /** The item is kept when the result is truthy (any value, as `Array.prototype.filter` reads it). */
  filter: { next: (item, result) => (result ? item : DROP), code: 'if (!r) continue;', oneToOne: false },
  /** The result is ignored; the item passes through. */
  tap: { next: (item) => item, code: '', oneToOne: true },
} as const satisfies Record<string, InlineKindSemantics>;

/** The per-item operator kinds the runner can compile into one loop: a key of the semantics table. */
export type InlineKind = keyof typeof INLINE_KINDS;

export function isInlineKind(value: unknown): value is InlineKind {
  return typeof value === 'string' && Object.hasOwn(INLINE_KINDS, value);
}
