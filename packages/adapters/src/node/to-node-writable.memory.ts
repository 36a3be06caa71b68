import { Writable } from 'node:stream';
import { from } from '@sluice/core';
import { probeScenario } from '../test-support/memory-probe.js';
import { toNodeWritable } from './to-node-writable.js';

/**
 * Memory scenario (run by `measureInChild`): `megabytes` of fresh 64 KiB Buffers from an async
 * source through `toNodeWritable` into a writable that completes each write a turn later.
 */
probeScenario<{ megabytes: number }>(async ({ megabytes }, meter) => {
  const CHUNK = 64 * 1024;
  const chunks = Math.ceil((megabytes * 1024 * 1024) / CHUNK);
  let written = 0;
  const slow = new Writable({
    highWaterMark: CHUNK,
    write(_chunk, _encoding, callback) {
      if (++written % 16 === 0) meter.sample();
      setImmediate(callback);
    },
  });
  await from(async function* () {
    for (let i = 0; i < chunks; i++) yield Buffer.alloc(CHUNK, i & 0xff);
  }).to(toNodeWritable(slow));
  if (written !== chunks) throw new Error(`wrote ${written} of ${chunks} chunks`);
});
