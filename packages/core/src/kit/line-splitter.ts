import type { SluiceErrorCode } from '../codes.js';
import { validateInteger } from '../validate.js';

/** Default bound on one line, in UTF-16 code units (JavaScript string length). */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * A line grew past `maxLineLength`. Thrown instead of buffering an endless line (a binary file
 * or a missing newline would otherwise grow memory without bound).
 */
export class LineTooLongError extends Error {
  readonly code = 'ERR_SLUICE_LINE_TOO_LONG' satisfies SluiceErrorCode;
  /** 1-based number of the offending line, empty lines included. */
  readonly line: number;
  readonly maxLineLength: number;

  constructor(line: number, maxLineLength: number) {
    super(`line ${line} is longer than maxLineLength (${maxLineLength} characters)`);
    this.name = 'LineTooLongError';
    this.line = line;
    this.maxLineLength = maxLineLength;
  }
}

/** Reads a `maxLineLength` option: `DEFAULT_MAX_LINE_LENGTH` when undefined, else an integer >= 1. */
export function lineLengthOption(value: unknown, name: string): number {
  return value === undefined ? DEFAULT_MAX_LINE_LENGTH : validateInteger(value, name, 1);
}

/**
 * Cuts text into lines at `\n` and `\r\n` (a `\r\n` split across chunks included: the `\r` stays in
 * the held rest until the `\n` arrives). Equivalent to `text.split(/\r?\n/)` without the empty
 * string after a final newline. Holds at most `maxLineLength` (+1 for a pending `\r`) code units.
 *
 * Linear in the input however it is chunked: each chunk is scanned once, and the rest of a line
 * is kept as the pieces it arrived in and joined once, when its newline comes. Growing one string
 * chunk by chunk (`rest += text`) is quadratic as soon as anything reads it between appends, as
 * V8 then copies the whole rope each time (1 MiB in 100-byte chunks took seconds).
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter(DEFAULT_MAX_LINE_LENGTH, false);
 * const out: string[] = [];
 * splitter.push('a\r\nb', out); // out: ['a']
 * splitter.end(out); // out: ['a', 'b']
 * ```
 */
export class LineSplitter {
  /** Lines completed so far, empty ones included: the line being read is number `lineCount + 1`. */
  lineCount = 0;
  private pieces: string[] = [];
  private held = 0;
  private heldEndsInCr = false;

  constructor(
    private readonly maxLineLength: number,
    private readonly skipEmpty: boolean,
  ) {}

  /**
   * Appends the complete lines of `text` to `out`, without terminators. Throws `LineTooLongError`
   * after appending the lines that came before the long one.
   */
  push(text: string, out: string[]): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.complete(text, start, nl, out);
      start = nl + 1;
    }
    if (start === text.length) return;
    const piece = start === 0 ? text : text.slice(start);
    this.pieces.push(piece);
    this.held += piece.length;
    this.heldEndsInCr = piece.charCodeAt(piece.length - 1) === 13;
    if (this.held > this.maxLineLength + (this.heldEndsInCr ? 1 : 0)) this.tooLong();
  }

  /** Appends the last line when the text did not end with a newline. */
  end(out: string[]): void {
    if (this.held === 0) return;
    if (this.held > this.maxLineLength) this.tooLong();
    this.emit(this.takeHeld(), out);
  }

  /** Emits the line made of the held pieces and `text[start, nl)`, its `\r` dropped. */
  private complete(text: string, start: number, nl: number, out: string[]): void {
    const cr = nl > start ? text.charCodeAt(nl - 1) === 13 : this.heldEndsInCr;
    if (this.held + (nl - start) - (cr ? 1 : 0) > this.maxLineLength) this.tooLong();
    if (this.held === 0) {
      this.emit(text.slice(start, cr ? nl - 1 : nl), out);
      return;
    }
    if (nl > start) this.pieces.push(text.slice(start, cr ? nl - 1 : nl));
    else if (cr) this.pieces.push((this.pieces.pop() as string).slice(0, -1));
    this.emit(this.takeHeld(), out);
  }

  private takeHeld(): string {
    const line = this.pieces.length === 1 ? (this.pieces[0] as string) : this.pieces.join('');
    this.pieces = [];
    this.held = 0;
    this.heldEndsInCr = false;
    return line;
  }

  private emit(line: string, out: string[]): void {
    this.lineCount++;
    if (line.length > 0 || !this.skipEmpty) out.push(line);
  }

  private tooLong(): never {
    throw new LineTooLongError(this.lineCount + 1, this.maxLineLength);
  }
}
