/**
 * Test support for the text and byte stages (imported by their tests only): fast-check
 * arbitraries for text rich in line breaks and multi-byte characters, and a way to cut a
 * string or a byte array at arbitrary positions.
 */
import fc from 'fast-check';

/** Pieces chosen to hit the hard cases: 2-, 3- and 4-byte characters, `\r\n`, lone `\r`, blank lines. */
const PIECES = ['a', 'bc', ' ', 'é', '€', '😀', '\n', '\r', '\r\n', '\n\n', '"', '{', '\u2028', 'ß'];

/** Text made of line breaks, ASCII and multi-byte characters (no byte order mark, no lone surrogate). */
export const tricky = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((parts) => parts.join('')),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
  );

/** Up to `max` cut positions (any integers; `cut` takes them modulo the length). */
export const cuts = (max = 8): fc.Arbitrary<number[]> => fc.array(fc.nat(), { maxLength: max });

/** Cuts `whole` into pieces at the given positions (taken modulo its length, sorted, deduplicated). */
export function cut<T extends string | Uint8Array>(whole: T, positions: readonly number[]): T[] {
  const length = whole.length;
  if (length === 0) return positions.length > 0 ? [whole] : [];
  const at = [...new Set(positions.map((p) => p % (length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let start = 0;
  for (const end of [...at, length]) {
    if (end < start) continue;
    pieces.push(whole.slice(start, end) as T);
    start = end;
  }
  return pieces;
}
