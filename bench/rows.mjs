// The rows the CSV benchmarks format: seeded, so every run and every contender sees the same data.

/** A seeded generator (mulberry32). */
export function seeded(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const COLUMNS = ['id', 'name', 'email', 'amount', 'created', 'active', 'score', 'note'];

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Zoë', 'José'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', "O'Neil", 'Müller', 'Nakamura'];
const NOTES = [
  '',
  'ok',
  'called back, no answer',
  'says "urgent"',
  'line one\nline two',
  'VIP; handle with care',
  'n/a',
];

/**
 * `count` rows × 8 fields: strings that sometimes need quoting, numbers, a date, a boolean.
 * `datesAsText` writes the date as ISO 8601 text; `lineBreaks: false` leaves out the note with a line break.
 */
export function makeRows(count, { datesAsText = false, lineBreaks = true } = {}) {
  const random = seeded(42);
  const notes = lineBreaks ? NOTES : NOTES.filter((note) => !note.includes('\n'));
  const pick = (list) => list[Math.floor(random() * list.length)];
  const base = Date.UTC(2020, 0, 1);
  const rows = new Array(count);
  for (let i = 0; i < count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const created = new Date(base + Math.floor(random() * 1e11));
    rows[i] = {
      id: i + 1,
      name: random() < 0.1 ? `${last}, ${first}` : `${first} ${last}`,
      email: `${first.toLowerCase()}.${i}@example.com`,
      amount: Math.round(random() * 1_000_000) / 100,
      created: datesAsText ? created.toISOString() : created,
      active: random() < 0.5,
      score: Math.floor(random() * 2000) - 1000,
      note: pick(notes),
    };
  }
  return rows;
}
