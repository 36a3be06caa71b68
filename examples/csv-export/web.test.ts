import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { from } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { formatCsv, parseCsv } from '@sluice/operators';
import type { SendReport } from '@sluice/adapters/http';
import { openOrdersStore, type OrdersStore } from './db.js';
import { createDemoServer, type DemoServer } from './web.js';

/** Chromium from Debian's package (`apt-get install chromium`; .ci/services.sh installs it). */
const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI) {
  describe('the demo page in a real browser', () => {
    it('needs Chromium', () => {
      throw new Error(`${CHROMIUM} is missing: CI must run the browser test (.ci/services.sh installs chromium)`);
    });
  });
} else if (!haveBrowser) {
  console.warn(
    `[sluice] skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set SLUICE_CHROMIUM)`,
  );
}

describe.skipIf(!haveBrowser)('the demo page in a real browser', () => {
  let profile: string;
  let context: BrowserContext;
  const running: { store: OrdersStore; demo: DemoServer }[] = [];

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      acceptDownloads: true,
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    for (const { store, demo } of running.splice(0)) {
      demo.server.closeAllConnections();
      await new Promise((resolve) => demo.server.close(resolve));
      await store.close();
    }
    rmSync(profile, { recursive: true, force: true });
  });

  /** The demo server on an embedded SQLite store; `report` resolves with its first export's report. */
  async function startDemo(rowCount: number) {
    const store = await openOrdersStore(rowCount, '');
    const report = deferred<SendReport>();
    const demo = createDemoServer({ store, onReport: (r) => report.resolve(r) });
    running.push({ store, demo });
    await new Promise<void>((resolve) => demo.server.listen(0, '127.0.0.1', resolve));
    return { store, report: report.promise, origin: `http://127.0.0.1:${(demo.server.address() as AddressInfo).port}` };
  }

  async function counter(page: Page, id: string): Promise<string> {
    return (await page.textContent(`#${id}`)) ?? '';
  }

  it('cancels a download from the page: the server sees the client leave and closes the cursor once', async () => {
    const { store, report, origin } = await startDemo(200_000);
    const page = await context.newPage();
    await page.goto(origin);
    await page.click('#start');
    // Mid-download: bytes arrived, the slow reader is far from the end.
    await page.waitForFunction("Number(document.getElementById('progress').dataset.bytes) > 0");
    await page.waitForFunction("document.getElementById('openCursors').textContent === '1'");
    // The run's progress, live: the running export's bytes sent and rows read move while it downloads.
    const sent = "Number(document.querySelector('#running [data-bytes]')?.dataset.bytes ?? 0)";
    const read = "Number(document.querySelector('#running [data-rows]')?.dataset.rows ?? 0)";
    await page.waitForFunction(`${sent} > 0 && ${read} > 0`);
    const [bytesBefore, rowsBefore] = (await page.evaluate(`[${sent}, ${read}]`)) as [number, number];
    await page.waitForFunction(`${sent} > ${bytesBefore} && ${read} > ${rowsBefore}`);
    expect(rowsBefore).toBeLessThan(200_000);
    await page.click('#cancel');

    const { outcome, run } = await report;
    await run.closed;
    expect(outcome).toBe('client-gone');
    expect(run.source.items).toBeLessThan(200_000);
    expect({ open: store.openCursors, opened: store.cursorsOpened }).toEqual({ open: 0, opened: 1 });
    // The page saw it too: cancelled on its side, the counters back to zero, the export listed.
    await page.waitForFunction("document.getElementById('progress').dataset.state === 'cancelled'");
    await page.waitForFunction("document.getElementById('exports').textContent.includes('client-gone')");
    await page.waitForFunction("document.getElementById('openCursors').textContent === '0'");
    await page.waitForFunction("document.getElementById('running').children.length === 0");
    expect({ open: await counter(page, 'openCursors'), runs: await counter(page, 'runsInFlight') }).toEqual({
      open: '0',
      runs: '0',
    });
    await page.close();
  });

  it('downloads the export through the link, and the file parses back to the rows in the database', async () => {
    const { store, report, origin } = await startDemo(20_000);
    const page = await context.newPage();
    await page.goto(origin);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#link')]);
    const file = await download.path();
    const { outcome } = await report;

    const text = readFileSync(file, 'utf8');
    const rows = await from([text]).pipe(parseCsv()).toArray();
    // The database's rows, formatted and parsed the same way: every cell as text.
    const expected = await store
      .rows()
      .pipe(
        async function* (orders) {
          for await (const o of orders) yield { ...o, total: (o.totalCents / 100).toFixed(2) };
        },
        formatCsv({
          columns: ['id', 'customer', { key: 'placedAt', header: 'placed_at' }, 'total', 'paid', 'note'],
          escapeFormulas: true,
        }),
        parseCsv(),
      )
      .toArray();
    expect(outcome).toBe('completed');
    expect(download.suggestedFilename()).toBe('orders.csv');
    expect(rows).toHaveLength(20_000);
    expect(rows).toEqual(expected);
    expect(store.openCursors).toBe(0);
    await page.close();
  });
});
