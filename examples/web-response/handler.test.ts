import { describe, expect, it } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { deferred } from '@sluice/core/testing';
import { parseCsv } from '@sluice/operators';
import { OrdersDb } from '../csv-export/orders-db.js';
import { createHandler } from './handler.js';

describe('the fetch-style CSV handler', () => {
  it('answers with the whole CSV, and the cursor is closed once the body was read', async () => {
    const db = new OrdersDb(2_500);
    const report = deferred<RunReport>();
    const handler = createHandler(db, { onReport: report.resolve });

    const response = handler(new Request('http://localhost/orders.csv'));
    expect(db.cursorsOpened).toBe(0); // nothing opens before the body is read
    const text = await response.text();
    const rows = await from([text]).pipe(parseCsv()).toArray();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(rows).toHaveLength(2_500);
    expect(rows[4]).toEqual({
      id: '4',
      customer: 'Tony Hoare, Sir',
      placed_at: '2026-01-01T00:04:00.000Z',
      total: '316.76',
      paid: 'true',
      note: '',
    });
    expect(rows[10]?.note).toBe('gift wrap\nplease');
    expect((await report.promise).outcome).toBe('completed');
    expect(db.openCursors).toBe(0);
  });

  it('honours ?limit= and rejects a bad one', async () => {
    const db = new OrdersDb(2_500);
    const handler = createHandler(db);

    const limited = await handler(new Request('http://localhost/orders.csv?limit=3')).text();
    const bad = handler(new Request('http://localhost/orders.csv?limit=lots'));

    const ids = (await from([limited]).pipe(parseCsv()).toArray()).map((row) => row.id);
    expect(ids).toEqual(['0', '1', '2']);
    expect(bad.status).toBe(400);
    expect(db.cursorsOpened).toBe(1);
    expect(db.openCursors).toBe(0);
  });

  it('releases the cursor when the body is cancelled midway', async () => {
    const db = new OrdersDb(100_000);
    const report = deferred<RunReport>();
    const response = createHandler(db, { onReport: report.resolve })(new Request('http://localhost/orders.csv'));

    const reader = response.body!.getReader();
    const firstChunk = await reader.read();
    expect(firstChunk.value?.byteLength).toBeGreaterThan(0);
    expect(db.openCursors).toBe(1);
    reader.releaseLock();
    await response.body!.cancel(new Error('the client went away'));

    const { outcome, source } = await report.promise;
    expect(outcome).toBe('aborted');
    expect(source.closedAtMs).not.toBeNull();
    expect(source.items).toBeLessThan(100_000);
    expect(db.openCursors).toBe(0);
  });

  it('releases the cursor when the request is aborted', async () => {
    const db = new OrdersDb(100_000);
    const controller = new AbortController();
    const report = deferred<RunReport>();
    const response = createHandler(db, { onReport: report.resolve })(
      new Request('http://localhost/orders.csv', { signal: controller.signal }),
    );

    const reader = response.body!.getReader();
    await reader.read();
    controller.abort(new Error('the client went away'));

    await expect(reader.read()).rejects.toThrow('the client went away');
    expect((await report.promise).outcome).toBe('aborted');
    expect(db.openCursors).toBe(0);
  });

  it('answers 404 for any other path without touching the database', async () => {
    const db = new OrdersDb(10);
    const response = createHandler(db)(new Request('http://localhost/customers.csv'));
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not found\n');
    expect(db.cursorsOpened).toBe(0);
  });
});
