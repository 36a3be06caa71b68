import { StringDecoder } from 'node:string_decoder';

/** Longest line `fromFile(path, { lines: true })` holds, in UTF-16 code units (as `splitLines`). */
export const MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Decodes a file's chunks as text in streaming mode (a character split across chunks stays
 * whole) and drops a byte order mark at the start.
 */
export class ChunkText {
  private readonly decoder: StringDecoder;
  private first = true;

  constructor(encoding: BufferEncoding) {
    this.decoder = new StringDecoder(encoding);
  }

  decode(chunk: Buffer): string {
    return this.stripBom(this.decoder.write(chunk));
  }

  end(): string {
    return this.stripBom(this.decoder.end());
  }

  private stripBom(text: string): string {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) return text.slice(1);
    }
    return text;
  }
}

/**
 * Cuts text into lines without `\n` / `\r\n` (also when a `\r\n` is split across chunks); the
 * last line is emitted even without a final newline, as `text.split(/\r?\n/)` minus the empty
 * string after a final newline. Same contract as `splitLines` from `@sluice/operators`, which
 * `fromFile` can use instead once it is exported there.
 */
export class LineCutter {
  private rest = '';
  private line = 0;

  push(text: string, out: string[]): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const piece = this.rest + text.slice(start, nl);
      this.rest = '';
      this.line++;
      out.push(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
      start = nl + 1;
    }
    this.rest += text.slice(start);
    if (this.rest.length > MAX_LINE_LENGTH) {
      throw Object.assign(new RangeError(`line ${this.line + 1} is longer than ${MAX_LINE_LENGTH} characters`), {
        code: 'ERR_SLUICE_LINE_TOO_LONG',
        line: this.line + 1,
      });
    }
  }

  end(out: string[]): void {
    if (this.rest.length > 0) out.push(this.rest);
    this.rest = '';
  }
}
