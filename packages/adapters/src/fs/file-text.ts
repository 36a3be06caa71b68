import { StringDecoder } from 'node:string_decoder';

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
