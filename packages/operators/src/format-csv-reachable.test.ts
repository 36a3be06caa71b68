import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { formatCsv } from './format-csv.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

/** The heap that stays reachable: after a full collection. */
function heapHeld(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** A row whose note has a character above U+00FF and a comma: it takes the quoting slow path. Two-byte, 8 MiB. */
const wideRow = () => ({ note: `€,${'y'.repeat(4 * MiB)}` });

async function* oneAsync(): AsyncGenerator<object> {
  yield wideRow();
}

describe('formatCsv: what stays reachable once a run is over', () => {
  it.each([
    ['an array', () => [wideRow()]],
    ['an async generator', oneAsync],
  ])('keeps no cell it quoted reachable, from %s (V8 keeps the last string a RegExp matched)', async (_, rows) => {
    const before = heapHeld();
    const csv = await from(rows())
      .pipe(formatCsv({ header: false }))
      .toArray();
    expect(csv.join('').length).toBe(4 * MiB + 5);
    csv.length = 0;
    expect(heapHeld() - before).toBeLessThan(2 * MiB);
  });
});
