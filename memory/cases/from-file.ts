import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEach } from '@sluice/operators';
import { fromFile } from '@sluice/adapters/fs';
import { CHUNK, consume, runCase, volume } from '../harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-memory-'));
const path = join(dir, 'in.bin');
// written with one reused Buffer, so making the fixture adds nothing to the measured peaks
const fd = openSync(path, 'w');
const block = Buffer.alloc(CHUNK, 7);
for (let at = 0; at < volume(); at += CHUNK) writeSync(fd, block);
closeSync(fd);

runCase(async () => {
  try {
    await fromFile(path).to(forEach((c) => consume(c.length)));
    // one highWaterMark-sized read (64 KiB) per pull, the chunk in the sink
    return 2 * CHUNK;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
