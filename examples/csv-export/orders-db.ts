/**
 * A stand-in for a database with server-side cursors, so the demo runs anywhere: rows are made
 * on the fly, each read takes a turn of the event loop (like a round trip) — or, with
 * `synchronous`, returns at once like an in-process driver such as better-sqlite3 — and the
 * database counts the cursors that are open — the thing a leak would show.
 */
export interface Order {
  readonly id: number;
  readonly customer: string;
  readonly placedAt: Date;
  readonly totalCents: number;
  readonly paid: boolean;
  readonly note: string | null;
}

export interface Cursor {
  /** Up to `n` rows; fewer (or none) when the result set is exhausted. */
  read(n: number): Promise<Order[]>;
  close(): Promise<void>;
}

const customers = ['Ada Lovelace', 'Grace Hopper', 'Edsger "EWD" Dijkstra', 'Barbara Liskov', 'Tony Hoare, Sir'];

function order(id: number): Order {
  return {
    id,
    customer: customers[id % customers.length]!,
    placedAt: new Date(Date.UTC(2026, 0, 1) + id * 60_000),
    totalCents: (id * 7919) % 100_000,
    paid: id % 3 !== 0,
    note: id % 10 === 0 ? 'gift wrap\nplease' : null,
  };
}

export class OrdersDb {
  /** Cursors opened and not yet closed. */
  openCursors = 0;
  cursorsOpened = 0;

  constructor(
    readonly rowCount: number,
    private readonly options: { readonly synchronous?: boolean } = {},
  ) {}

  /** A turn of the event loop, unless the driver is synchronous. */
  private roundTrip(): Promise<unknown> | undefined {
    return this.options.synchronous ? undefined : new Promise((resolve) => setImmediate(resolve));
  }

  async cursor(): Promise<Cursor> {
    await this.roundTrip();
    this.openCursors++;
    this.cursorsOpened++;
    let next = 0;
    let closed = false;
    return {
      read: async (n) => {
        await this.roundTrip();
        if (closed) throw new Error('read on a closed cursor');
        const rows: Order[] = [];
        for (; rows.length < n && next < this.rowCount; next++) rows.push(order(next));
        return rows;
      },
      close: async () => {
        if (closed) throw new Error('cursor closed twice');
        closed = true;
        this.openCursors--;
      },
    };
  }
}
