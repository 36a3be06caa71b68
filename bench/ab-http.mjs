// Two builds of @sluice/adapters/http in one process, interleaved round by round: the per-request
// cost of sendPipeline (header negotiation, the run, the response) over loopback keep-alive HTTP,
// with a small body so that the per-request work, not the body, is what is measured. Times are
// the process's CPU time (user + system): server and client both, alike for both builds.
// Run: node bench/ab-http.mjs <adapters dist A> <adapters dist B> [requests] [rounds]
// (copy packages/adapters/dist aside before the change, `pnpm build` after it, pass both dirs).
import http from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { from } from '@sluice/core';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB)
  throw new Error('usage: node bench/ab-http.mjs <adapters dist A> <adapters dist B> [requests] [rounds]');
const N = Number(process.argv[4] ?? 3000);
const ROUNDS = Number(process.argv[5] ?? 7);
const body = 'id,name,total\n1,Ada,12.50\n2,Grace,9.90\n';

/** The request mixes of a real export endpoint: browsers (gzip), scripts (none), a download name. */
const variants = {
  'gzip auto, browser Accept-Encoding, ASCII filename': {
    options: { contentType: 'text/csv; charset=utf-8', filename: 'orders.csv', gzip: 'auto' },
    headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
  },
  'gzip auto, no Accept-Encoding, non-ASCII filename': {
    options: { contentType: 'text/csv; charset=utf-8', filename: 'Übersicht €.csv', gzip: 'auto' },
    headers: {},
  },
  'no negotiation (gzip false), no filename': { options: { contentType: 'text/csv' }, headers: {} },
};

async function serverFor(dir) {
  const { sendPipeline } = await import(pathToFileURL(resolve(dir, 'http/index.js')).href);
  let options;
  const server = http.createServer((req, res) => void sendPipeline(req, res, from([body]), options));
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: server.address().port, use: (o) => (options = o) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(port, headers) {
  return new Promise((done, fail) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', headers, agent }, (res) => res.on('data', () => {}).on('end', done))
      .on('error', fail);
  });
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const sides = [await serverFor(dirA), await serverFor(dirB)];
const times = Object.fromEntries(Object.keys(variants).map((v) => [v, [[], []]]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, { options, headers }] of Object.entries(variants)) {
    for (const side of round % 2 ? [1, 0] : [0, 1]) {
      const { port, use } = sides[side];
      use(options);
      for (let i = 0; i < 200; i++) await get(port, headers); // warm this side's path
      const start = cpuMs();
      for (let i = 0; i < N; i++) await get(port, headers);
      times[name][side].push(((cpuMs() - start) * 1000) / N);
    }
  }
}
agent.destroy();
for (const { server } of sides) server.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${N} requests × ${ROUNDS} rounds, CPU µs per request (median), B / A`);
for (const [name, [a, b]] of Object.entries(times)) {
  console.log(
    `${name.padEnd(55)} A ${median(a).toFixed(1).padStart(6)}  B ${median(b).toFixed(1).padStart(6)}  ${(median(b) / median(a)).toFixed(3)}`,
  );
}
