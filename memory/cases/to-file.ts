import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from } from '@sluice/core';
import { toFile } from '@sluice/adapters/fs';
import { CHUNK, arrived, asyncChunks, runCase } from '../harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-memory-'));
runCase(async () => {
  try {
    const path = join(dir, 'out.bin');
    // the disk is the slow consumer here; what reached it is counted from the file itself
    await from(asyncChunks()).to(toFile(path, { fsync: false }));
    arrived(statSync(path).size);
    // the file stream's highWaterMark (16 KiB) and the chunk that overshoots it, one source read
    return 3 * CHUNK;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
