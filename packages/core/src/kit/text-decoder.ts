import { TextDecoder } from 'node:util';
import { SluiceTypeError } from '../errors.js';
import { describeValue } from './describe.js';

/** The TypeError raised when a text or byte stage receives something else. */
export function chunkTypeError(
  stage: string,
  value: unknown,
  expected = 'string or Uint8Array chunks',
): SluiceTypeError {
  return new SluiceTypeError(
    'ERR_SLUICE_INVALID_ARGUMENT',
    `${stage} expects ${expected}, got ${describeValue(value)}`,
  );
}

/**
 * Turns string and byte chunks into text. Bytes are decoded as UTF-8 in streaming mode, so a
 * character split across chunks stays whole; a byte order mark at the start of byte input is
 * dropped (TextDecoder's default), invalid sequences become U+FFFD. Strings pass through.
 * Anything else throws `chunkTypeError(stage, chunk)`.
 *
 * @example
 * ```ts
 * const decoder = new TextChunkDecoder('myStage()');
 * decoder.decode(Uint8Array.of(0xe2, 0x82)) + decoder.decode(Uint8Array.of(0xac)); // '€'
 * ```
 */
export class TextChunkDecoder {
  private decoder: TextDecoder | undefined;
  private holdsBytes = false;

  constructor(private readonly stage: string) {}

  /** Decodes one chunk (a string or bytes), holding back an incomplete character for the next call. */
  decode(chunk: unknown): string {
    if (typeof chunk === 'string') return this.holdsBytes ? this.end() + chunk : chunk;
    if (chunk instanceof Uint8Array) {
      this.decoder ??= new TextDecoder('utf-8');
      this.holdsBytes = true;
      return this.decoder.decode(chunk, { stream: true });
    }
    throw chunkTypeError(this.stage, chunk);
  }

  /** Flushes the bytes of an incomplete character (as U+FFFD). */
  end(): string {
    if (!this.holdsBytes || this.decoder === undefined) return '';
    this.holdsBytes = false;
    return this.decoder.decode();
  }
}

/**
 * Holds back a high surrogate that ends a string chunk until the next chunk: a producer may split
 * a surrogate pair across two chunks, and encoding either half alone yields U+FFFD.
 *
 * @example
 * ```ts
 * const carry = new SurrogateCarry();
 * carry.take('a\ud83d') + carry.take('\ude00b'); // 'a😀b' ('a', then '😀b')
 * ```
 */
export class SurrogateCarry {
  private held = '';

  /** `text` with the held half in front and its own trailing high surrogate (if any) held back. */
  take(text: string): string {
    if (this.held !== '') {
      text = this.held + text;
      this.held = '';
    }
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.held = text.slice(-1);
      return text.slice(0, -1);
    }
    return text;
  }

  /** Lets go of the held half ('' when none): at the end, or before a chunk that is not text. */
  flush(): string {
    const held = this.held;
    this.held = '';
    return held;
  }
}
