import { SluiceTypeError } from '@sluice/core';
import { defineSyncStage, describeValue, SurrogateCarry, type FusableStage } from '@sluice/core/kit';

/** What a byte destination (an HTTP body, a `Response`) accepts from a pipeline. */
export type BodyChunk = string | Uint8Array;

/**
 * A fusable stage in front of a byte destination: checks that every item is a string or a
 * `Uint8Array` (a coded `TypeError` naming `where` otherwise, which fails the run before anything
 * of that item is written), drops empty chunks, and keeps a surrogate pair that a producer split
 * across two string chunks together — encoding each half on its own would yield two U+FFFD.
 * With `encode`, strings leave as UTF-8 `Uint8Array`s.
 */
export function bodyChunks(where: string, encode: true): FusableStage<unknown, Uint8Array>;
export function bodyChunks(where: string, encode?: false): FusableStage<unknown, BodyChunk>;
export function bodyChunks(where: string, encode = false): FusableStage<unknown, BodyChunk> {
  const encoder = encode ? new TextEncoder() : undefined;
  const emit = (text: string, out: BodyChunk[]) => {
    out.push(encoder ? encoder.encode(text) : text);
  };
  return defineSyncStage<unknown, BodyChunk>('bodyChunks', () => {
    const carry = new SurrogateCarry();
    const flushCarry = (out: BodyChunk[]) => {
      const held = carry.flush();
      if (held !== '') emit(held, out);
    };
    return {
      push(batch, out) {
        for (const item of batch) {
          if (typeof item === 'string') {
            const text = carry.take(item);
            if (text.length > 0) emit(text, out);
          } else if (item instanceof Uint8Array) {
            flushCarry(out);
            if (item.byteLength > 0) out.push(item);
          } else {
            throw new SluiceTypeError(
              'ERR_SLUICE_INVALID_ARGUMENT',
              `${where}: the pipeline must produce strings or Uint8Arrays, got ${describeValue(item)}; ` +
                'end it with a formatting stage such as formatCsv() or formatNdjson()',
            );
          }
        }
        return true;
      },
      flush: flushCarry,
    };
  });
}
