/**
 * Rows for the CSV soak: a synchronous generator (as a synchronous driver such as better-sqlite3
 * hands them over) that stops once the CSV it makes reaches `bytes`, and knows the exact size of
 * that CSV, so the soak can check that every byte arrived. Sizes are added up from lengths known
 * in advance: formatting each row twice would double the soak's time.
 */
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth'];
const NOTES = [
  '',
  'ok',
  'called back, no answer',
  'says "urgent", call before noon',
  'VIP; handle with care, see ticket',
];

export const HEADER = 'id,name,email,amount,note\n';

/** The CSV text of a cell: quoted (quotes doubled) when it holds a delimiter or a quote. */
function cell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const EMAILS = NAMES.map((name) => `${name.toLowerCase().replace(' ', '.')}@example.org`);
const NOTE_CELLS = NOTES.map((note) => cell(note).length);
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

export interface Row {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly amount: number;
  readonly note: string;
}

/** Rows whose CSV (header included) is at least `bytes` long; `size()` is that CSV's exact length. */
export function csvRows(bytes: number): { rows: () => Generator<Row>; size: () => number } {
  let size = HEADER.length;
  return {
    *rows() {
      for (let id = 0; size < bytes; id++) {
        const k = id % NAMES.length;
        const j = id % NOTES.length;
        const amount = id % 1_000_000;
        size += FIXED[k]! + digits(id) + digits(amount) + NOTE_CELLS[j]!;
        yield { id, name: NAMES[k]!, email: EMAILS[k]!, amount, note: NOTES[j]! };
      }
    },
    size: () => size,
  };
}
