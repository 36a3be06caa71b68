import { Buffer } from 'node:buffer';
import { SurrogateCarry, chunkTypeError } from '@sluice/core/kit';

/** Default coalescing size of the zlib stages, in bytes (or UTF-16 code units for strings). */
export const DEFAULT_COALESCE_SIZE = 64 * 1024;

function toBytes(piece: string | Uint8Array): Uint8Array {
  return typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
}

/**
 * Joins small string or byte chunks into chunks of at least `size` units, because zlib pays a
 * fixed cost per write (one small write per CSV row is an order of magnitude slower than large
 * ones). Sizes count bytes for `Uint8Array`s and code units for strings (a string of n code units
 * is at most 3n bytes). Holds less than `size` units; a chunk of `size` or more passes through
 * without a copy.
 */
export class Coalescer {
  private pieces: (string | Uint8Array)[] = [];
  private held = 0;
  private onlyStrings = true;
  /** Encoded alone, a high surrogate ending a string chunk would become U+FFFD: it waits for the next chunk. */
  private readonly carry = new SurrogateCarry();

  constructor(
    private readonly size: number,
    private readonly stage: string,
    private readonly acceptStrings: boolean,
  ) {}

  /** Takes one chunk; appends the chunks now ready to be written to `ready`. */
  add(piece: unknown, ready: Uint8Array[]): void {
    const isString = typeof piece === 'string';
    if (!(piece instanceof Uint8Array) && !(isString && this.acceptStrings)) throw this.typeError(piece);
    const chunk = typeof piece === 'string' ? this.carry.take(piece) : (piece as Uint8Array);
    if (chunk.length === 0) return;
    if (chunk.length >= this.size) {
      this.flush(ready);
      ready.push(toBytes(chunk));
      return;
    }
    this.pieces.push(chunk);
    this.held += chunk.length;
    if (!isString) this.onlyStrings = false;
    if (this.held >= this.size) this.flush(ready);
  }

  /** Appends what is held, as one chunk, to `ready`; `final` also lets go of a held surrogate. */
  flush(ready: Uint8Array[], final = false): void {
    const held = final ? this.carry.flush() : '';
    if (held !== '') this.pieces.push(held);
    const pieces = this.pieces;
    if (pieces.length === 0) return;
    if (pieces.length === 1) ready.push(toBytes(pieces[0] as string | Uint8Array));
    else if (this.onlyStrings) ready.push(Buffer.from(pieces.join(''), 'utf8'));
    else ready.push(Buffer.concat(pieces.map(toBytes)));
    this.pieces = [];
    this.held = 0;
    this.onlyStrings = true;
  }

  private typeError(piece: unknown): Error {
    return this.acceptStrings
      ? chunkTypeError(this.stage, piece)
      : chunkTypeError(this.stage, piece, 'Uint8Array chunks (compressed bytes)');
  }
}
