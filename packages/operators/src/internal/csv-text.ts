/**
 * The text `formatCsv` holds back. Appending cell by cell to a string builds a rope of thousands
 * of heap objects per chunk, which the garbage collector walks again at every pass (with many
 * responses open at once, that walk is most of the CPU) and which every reader must flatten.
 * Here, text whose characters all fit in one byte (below U+0100, almost all CSV) is written as
 * latin1 bytes into a buffer outside the heap and becomes one flat string in a single copy; a
 * cell with a wider character is kept as its own string, so the text is exactly the JavaScript
 * string (no encoding round trip, lone surrogates included).
 */

const DQUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Smallest buffer worth allocating: a few rows. */
const MIN_BYTES = 1024;

/** Writes `value` as `width` decimal digits, zero-padded; returns the position after them. */
function digits(buf: Buffer, at: number, value: number, width: number): number {
  for (let i = at + width - 1; i >= at; i--) {
    buf[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return at + width;
}

/** How many decimal digits `value` (an integer >= 0) has. */
function decimalWidth(value: number): number {
  let width = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    width++;
  }
  return width;
}

export class CsvText {
  private buf: Buffer | undefined;
  private pos = 0;
  /** Text before the buffer's, when a cell held a character above U+00FF. */
  private readonly parts: string[] = [];
  private partsLength = 0;
  private readonly delimiterCode: number;

  /**
   * `quote` quotes a whole cell (the slow path, for wide characters); `initial` is the size of a
   * new buffer (the chunk size, with room for the row that crosses it).
   */
  constructor(
    delimiter: string,
    private readonly quote: (text: string) => string,
    private readonly initial: number,
  ) {
    // A delimiter above U+00FF never matches a byte-wide character: such cells take the slow path.
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Characters held. */
  get length(): number {
    return this.partsLength + this.pos;
  }

  /** The held text as one flat string; the buffer is let go, so a waiting stage holds nothing. */
  take(): string {
    const tail = this.buf === undefined || this.pos === 0 ? '' : this.buf.toString('latin1', 0, this.pos);
    this.buf = undefined;
    this.pos = 0;
    if (this.parts.length === 0) return tail;
    this.parts.push(tail);
    const text = this.parts.join('');
    this.parts.length = 0;
    this.partsLength = 0;
    return text;
  }

  /** Text that needs no quoting: delimiters, record ends, numbers, header rows already quoted. */
  raw(text: string): void {
    const n = text.length;
    const buf = this.reserve(n);
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) {
        this.spill(text);
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /**
   * A cell, quoted when it holds the delimiter, a quote, CR or LF (RFC 4180, quotes doubled), or
   * starts with U+FEFF (which is above U+00FF: `quote` decides).
   */
  cell(text: string): void {
    const n = text.length;
    const buf = this.reserve(n);
    const delimiter = this.delimiterCode;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) {
        this.spill(this.quote(text));
        return;
      }
      if (c === delimiter || c === DQUOTE || c === CR || c === LF) {
        this.quoted(text);
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /** `String(value)` for a number, without making the string for integers and for values with at most two decimals. */
  number(value: number): void {
    const abs = value < 0 ? -value : value;
    if (!(abs < 1e12)) {
      this.raw(`${value}`);
      return;
    }
    // Cents that divide back to exactly this double: then String() writes those digits (no shorter
    // decimal lies within half an ulp, which is below 0.005 here), trailing zeros dropped.
    const cents = Math.round(abs * 100);
    if (cents / 100 !== abs) {
      this.raw(`${value}`);
      return;
    }
    const buf = this.reserve(16);
    let p = this.pos;
    if (value < 0) buf[p++] = 0x2d;
    const whole = Math.floor(cents / 100);
    p = digits(buf, p, whole, decimalWidth(whole));
    const fraction = cents % 100;
    if (fraction !== 0) {
      buf[p++] = 0x2e;
      buf[p++] = 0x30 + Math.floor(fraction / 10);
      if (fraction % 10 !== 0) buf[p++] = 0x30 + (fraction % 10);
    }
    this.pos = p;
  }

  /** `date.toISOString()` for a valid Date, without making the string, for years 1000 to 9999. */
  iso(date: Date): void {
    const time = date.getTime();
    const days = Math.floor(time / 86_400_000);
    let ms = time - days * 86_400_000;
    // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar, eras of 400 years).
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 1000 || year > 9999) {
      this.raw(date.toISOString());
      return;
    }
    const buf = this.reserve(24);
    let p = digits(buf, this.pos, year, 4);
    buf[p++] = 0x2d;
    p = digits(buf, p, month, 2);
    buf[p++] = 0x2d;
    p = digits(buf, p, day, 2);
    buf[p++] = 0x54;
    p = digits(buf, p, Math.floor(ms / 3_600_000), 2);
    ms %= 3_600_000;
    buf[p++] = 0x3a;
    p = digits(buf, p, Math.floor(ms / 60_000), 2);
    ms %= 60_000;
    buf[p++] = 0x3a;
    p = digits(buf, p, Math.floor(ms / 1000), 2);
    buf[p++] = 0x2e;
    p = digits(buf, p, ms % 1000, 3);
    buf[p++] = 0x5a;
    this.pos = p;
  }

  private quoted(text: string): void {
    // Every quote doubled, and the two around.
    const buf = this.reserve(2 * text.length + 2);
    let pos = this.pos;
    buf[pos++] = DQUOTE;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) {
        this.spill(this.quote(text));
        return;
      }
      if (c === DQUOTE) buf[pos++] = DQUOTE;
      buf[pos++] = c;
    }
    buf[pos++] = DQUOTE;
    this.pos = pos;
  }

  /** Keeps `text` as a string of its own after what the buffer holds (whatever part of it was written is dropped). */
  private spill(text: string): void {
    if (this.buf !== undefined && this.pos > 0) {
      const before = this.buf.toString('latin1', 0, this.pos);
      this.parts.push(before);
      this.partsLength += before.length;
      this.pos = 0;
    }
    this.parts.push(text);
    this.partsLength += text.length;
  }

  /** Makes room for `bytes` more bytes. */
  private reserve(bytes: number): Buffer {
    const buf = this.buf;
    if (buf !== undefined && this.pos + bytes <= buf.length) return buf;
    const size = Math.max(MIN_BYTES, this.initial, this.pos + bytes, buf === undefined ? 0 : 2 * buf.length);
    const grown = Buffer.allocUnsafe(size);
    if (buf !== undefined) buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    return grown;
  }
}
