/** The rows the examples export: plain objects, as a query or an ORM would hand them over. */
export interface Order {
  readonly id: number;
  readonly customer: string;
  readonly placedAt: Date;
  readonly totalCents: number;
  readonly status: 'paid' | 'open' | 'cancelled';
}

const customers = ['Ada Lovelace', 'Grace Hopper', 'Edsger "EWD" Dijkstra', 'Tony Hoare, Sir'];
const statuses = ['paid', 'open', 'paid', 'cancelled'] as const;

/** `count` made-up orders, the same every time. */
export function sampleOrders(count: number): Order[] {
  return Array.from({ length: count }, (_, id) => ({
    id,
    customer: customers[id % customers.length]!,
    placedAt: new Date(Date.UTC(2026, 0, 1) + id * 3_600_000),
    totalCents: (id * 7919) % 50_000,
    status: statuses[id % statuses.length]!,
  }));
}
