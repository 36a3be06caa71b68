import { Buffer } from 'node:buffer';
import { chunkTypeError } from './utf8-lines.js';

/** Default coalescing size of the zlib stages, in bytes (or UTF-16 code units for strings). */
export const DEFAULT_COALESCE_SIZE = 64 * 1024;

function toBytes(piece: string | Uint8Array): Uint8Array {
  return typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
}

function endsWithHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
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
  /**
   * The high surrogate a string chunk ended with, held for the next chunk: encoded alone it would
   * become U+FFFD, splitting a character that the next chunk completes.
   */
  private carry = '';

  constructor(
    private readonly size: number,
    private readonly stage: string,
    private readonly acceptStrings: boolean,
  ) {}

  /** Takes one chunk; appends the chunks now ready to be written to `ready`. */
  add(piece: unknown, ready: Uint8Array[]): void {
    const isString = typeof piece === 'string';
    if (!(piece instanceof Uint8Array) && !(isString && this.acceptStrings)) throw this.typeError(piece);
    let chunk = piece as string | Uint8Array;
    if (isString && this.carry) {
      chunk = this.carry + (chunk as string);
      this.carry = '';
    }
    if (chunk.length === 0) return;
    if (isString && endsWithHighSurrogate(chunk as string)) {
      this.carry = (chunk as string).slice(-1);
      chunk = (chunk as string).slice(0, -1);
      if (chunk.length === 0) return;
    }
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
    if (final && this.carry) {
      this.pieces.push(this.carry);
      this.carry = '';
    }
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
