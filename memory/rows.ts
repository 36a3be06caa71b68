/**
 * Rows for the CSV cases: a synchronous generator (as a synchronous driver such as better-sqlite3
 * hands them over), or an async one (as a driver that reads pages), that stops once the CSV it
 * makes reaches `bytes`, and knows the exact size of that CSV, so a case can check that every byte
 * arrived. Sizes are added up from lengths known in advance: formatting each row twice would
 * double the case's time. Every row is reported to the harness (`produced`), so what is held is
 * also sampled while the rows are made, not only while the consumer takes the text.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { produced } from './harness.js';

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];
const NOTES = [
  '',
  'ok',
  'called back, no answer',
  'says "urgent", call before noon',
  'VIP; handle with care, see ticket',
];

export const HEADER = 'id,name,email,amount,note\n';

/**
 * The UTF-8 length of a cell's CSV text: quoted (quotes doubled) when it holds a delimiter or a
 * quote. Counted, not built: replacing the quotes of a wide cell would make a rope of a piece
 * per quote, tens of MiB of heap for a 4 MiB cell.
 */
function cellBytes(text: string): number {
  const bytes = Buffer.byteLength(text);
  // includes(), not a RegExp: V8 keeps the last subject a RegExp matched (RegExp.input) reachable
  if (!['"', ',', '\n', '\r'].some((c) => text.includes(c))) return bytes;
  let quotes = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) quotes++;
  return bytes + 2 + quotes;
}

const EMAILS = NAMES.map((name) => `${name.toLowerCase().replace(' ', '.')}@example.org`);
const NOTE_CELLS = NOTES.map(cellBytes);
// the fixed part of every line: the four commas, the newline and the name and email columns
const FIXED = NAMES.map((name, i) => 5 + name.length + EMAILS[i]!.length);

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** The longest line `csvRows` makes (ids and amounts below 10^8, which 1 GB of rows stays under). */
export const ROW_MAX = Math.max(...FIXED) + 8 + 6 + Math.max(...NOTE_CELLS);

/** formatCsv's default chunkSize, in characters (bytes: the rows are ASCII). */
const CSV_CHUNK = 65_536;
/** The text one batch of rows makes: core's default batchSize (1024) of lines of at most ROW_MAX. */
const BATCH_TEXT = 1024 * ROW_MAX;

/**
 * What formatCsv documents it holds, in bytes, when its widest cell is `widest` characters: its
 * buffer, under twice the text it holds back and reserves (less than chunkSize, one batch, a quoted
 * cell reserved at twice its length), and the chunk it emitted (at most chunkSize and one batch),
 * which the sink holds as a Buffer. The rows are ASCII: a character is a byte.
 */
export function formatCsvHolds(widest = 0): number {
  return 2 * (CSV_CHUNK + BATCH_TEXT + 2 * widest) + (CSV_CHUNK + BATCH_TEXT + widest);
}

/** Rows an async page holds: the async generator waits for a turn of the event loop between pages. */
const PAGE = 500;

export interface Row {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly amount: number;
  readonly note: string;
}

export interface CsvRows {
  /** The rows, from a synchronous generator. */
  rows(): Generator<Row>;
  /** The same rows from an async generator: a page of rows per turn of the event loop. */
  asyncRows(): AsyncGenerator<Row>;
  /** The exact length of the CSV of the rows made so far, header included. */
  size(): number;
}

/**
 * Rows whose CSV (header included) is at least `bytes` long. `outlier(id)` may give a note for
 * an extra row put before row `id` (a copy of it but for the note), as a case's wide rows.
 */
export function csvRows(bytes: number, outlier: (id: number) => string | undefined = () => undefined): CsvRows {
  let size = HEADER.length;
  function add(length: number): void {
    size += length;
    produced(length);
  }
  function* rows(): Generator<Row> {
    for (let id = 0; size < bytes; id++) {
      const k = id % NAMES.length;
      const j = id % NOTES.length;
      const amount = id % 1_000_000;
      const fixed = FIXED[k]! + digits(id) + digits(amount);
      const note = outlier(id);
      if (note !== undefined) {
        add(fixed + cellBytes(note));
        yield { id, name: NAMES[k]!, email: EMAILS[k]!, amount, note };
      }
      add(fixed + NOTE_CELLS[j]!);
      yield { id, name: NAMES[k]!, email: EMAILS[k]!, amount, note: NOTES[j]! };
    }
  }
  return {
    rows,
    async *asyncRows() {
      let n = 0;
      for (const row of rows()) {
        if (++n % PAGE === 0) await immediate();
        yield row;
      }
    },
    size: () => size,
  };
}
