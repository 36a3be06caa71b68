// Line splitting: splitLines and parseNdjson against baselines measured in the same run.
// Runs against the BUILT packages:
//   pnpm build && node bench/lines.mjs [rounds]
// Two inputs, as Uint8Array chunks:
// - one 1 MiB line (a JSON string, so every contender can read it) in 100-byte chunks: the case
//   that was quadratic; parseCsv reads the same bytes as one quoted field;
// - 200,000 short NDJSON lines (~9 MB) in 64 KiB chunks: the everyday case, against node:readline.
// The baseline of both is "gather every chunk, decode once, split once", the least work possible
// (and memory for the whole input). Rounds are interleaved, medians reported; outputs are checked.
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { from } from '@sluice/core';
import { parseCsv, parseNdjson, splitLines } from '@sluice/operators';

const ROUNDS = Number(process.argv[2] ?? 7);
const MiB = 1024 * 1024;

function chunked(bytes, size) {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

const naiveText = (chunks) => Buffer.concat(chunks).toString('utf8');
const naiveLines = (chunks) => {
  const lines = naiveText(chunks).split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/** The common incremental splitter, and what splitLines did before: the held rest grows by each chunk and is split again. */
function growingString(chunks) {
  const decoder = new TextDecoder();
  const lines = [];
  let rest = '';
  for (const chunk of chunks) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
    rest = parts.pop();
    lines.push(...parts);
  }
  if (rest.length > 0) lines.push(rest);
  return lines;
}

const longValue = `"${'x'.repeat(MiB - 2)}"`;
const longChunks = chunked(Buffer.from(`${longValue}\n`), 100);
const shortText = Array.from(
  { length: 200_000 },
  (_, i) => `{"id":${i},"name":"user ${i}","active":${i % 2 === 0}}\n`,
).join('');
const shortChunks = chunked(Buffer.from(shortText), 64 * 1024);

const scenarios = {
  [`one 1 MiB line in ${longChunks.length.toLocaleString('en-US')} chunks of 100 bytes`]: {
    chunks: longChunks,
    check: (out) =>
      out.length === 1 &&
      (out[0] === longValue || out[0] === JSON.parse(longValue) || out[0]?.[0] === JSON.parse(longValue)),
    contenders: {
      'baseline: concat, decode, split once': (c) => naiveLines(c),
      'naive incremental: (rest + chunk).split': (c) => growingString(c),
      'parseCsv (header: false)': (c) =>
        from(c)
          .pipe(parseCsv({ header: false, maxRecordBytes: 2 * MiB }))
          .toArray(),
      splitLines: (c) => from(c).pipe(splitLines()).toArray(),
      parseNdjson: (c) =>
        from(c)
          .pipe(parseNdjson({ maxLineLength: 2 * MiB }))
          .toArray(),
    },
  },
  [`200,000 short NDJSON lines (${(shortText.length / 1e6).toFixed(1)} MB) in chunks of 64 KiB`]: {
    chunks: shortChunks,
    check: (out) => out.length === 200_000,
    contenders: {
      'baseline: concat, decode, split once': (c) => naiveLines(c),
      'node:readline over Readable.from': async (c) => {
        const lines = [];
        for await (const line of createInterface({ input: Readable.from(c), crlfDelay: Infinity })) lines.push(line);
        return lines;
      },
      splitLines: (c) => from(c).pipe(splitLines()).toArray(),
      'baseline + JSON.parse per line': (c) => naiveLines(c).map((line) => JSON.parse(line)),
      parseNdjson: (c) => from(c).pipe(parseNdjson()).toArray(),
    },
  },
};

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const loadBefore = os
  .loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
console.log(
  `Line splitting, ${ROUNDS} interleaved rounds, median; Node ${process.version}; load average before: ${loadBefore}`,
);

for (const [title, { chunks, check, contenders }] of Object.entries(scenarios)) {
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const t0 = performance.now();
      const out = await contenders[name](chunks);
      times[name].push(performance.now() - t0);
      if (!check(out)) throw new Error(`${name} gave a wrong result on: ${title}`);
    }
  }
  const baseline = median(times[names[0]]);
  console.log(`\n${title}\n`);
  console.log('| contender | median ms | × baseline |');
  console.log('| --- | ---: | ---: |');
  for (const name of names) {
    const ms = median(times[name]);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / baseline).toFixed(1)}× |`);
  }
}
