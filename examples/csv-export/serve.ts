/**
 * The demo's web page: start an export, watch its progress and the server's cursors, cancel it.
 * Run: pnpm demo:web   (PORT=3000 by default; DATABASE_URL=postgres://… for PostgreSQL)
 */
import { openOrdersStore } from './db.js';
import { createDemoServer } from './web.js';

const store = await openOrdersStore(Number(process.env.ROWS ?? 200_000));
const { server } = createDemoServer({ store });
const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () =>
  console.log(
    `sluice demo on http://127.0.0.1:${port}/ (${store.rowCount.toLocaleString('en-US')} orders in ${store.kind}); Ctrl-C to stop`,
  ),
);
process.once('SIGINT', () => {
  server.closeAllConnections();
  server.close(() => void store.close());
});
