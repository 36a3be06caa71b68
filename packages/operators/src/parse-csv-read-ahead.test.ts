import { from } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './parse-csv.js';

describe('parseCsv over a sync source (read-ahead bounded by bytes, contract 6.2)', () => {
  it('fails an unclosed quote near maxRecordBytes, not after the source read a 1 MiB batch', async () => {
    let produced = 0;
    function* text() {
      yield 'id,note\n1,"';
      for (;;) {
        produced++;
        yield 'x'.repeat(1024);
      }
    }
    await expect(
      from(text)
        .pipe(parseCsv({ maxRecordBytes: 65_536 }))
        .run(),
    ).rejects.toMatchObject({ code: 'ERR_SLUICE_CSV_PARSE' });
    // 64 KiB of record, plus at most one 64 KiB batch the source had already cut.
    expect(produced).toBeLessThanOrEqual(64 + 64 + 1);
  });
});
