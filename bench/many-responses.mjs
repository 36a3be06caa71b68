// Many concurrent responses: N clients over loopback each download a 20,000-row CSV export from
// one server process. Every client first reads nothing (the server fills the socket buffers and
// waits on backpressure), then reads everything. Served two ways, side by side in one run:
//   sluice: sendPipeline(req, res, from(rows).pipe(formatCsv({ columns })), { gzip: false })
//   plain:  pipeline(Readable.from(asyncGenerator()), res), the generator formatting one row per yield
//   plain, 64 KiB: the same generator joining its rows into strings of about 64 Ki characters
// Both read the rows from an async generator, one row per next() (as a driver hands them over),
// and serve the same bytes (checked by sha256 once). The clients run in a child process, so the
// server's CPU time (process.cpuUsage) is the server's alone; wall time is reported too.
// Memory per waiting connection: the server's heap + arrayBuffers (after a full GC) while all N
// clients wait, minus before, divided by N.
// Run: pnpm build && node --expose-gc bench/many-responses.mjs [clients,…] [rounds] [servers,…]
//   servers: any of sluice, plain, plain-64k (default all three; the ratios need plain-64k and plain)
//   e.g. node --expose-gc bench/many-responses.mjs 200,1000,5000 3   (each client needs a socket
//   on both sides: raise `ulimit -n` above the largest N if it is lower). At 5,000 clients about
//   10 GB of responses sit in the kernel's socket buffers: past net.ipv4.tcp_mem's maximum (2.2 GB
//   here by default) the kernel resets connections ("TCP: out of memory" in dmesg) and the run
//   stops with "responses did not end"; raise it first, e.g.
//   sysctl -w net.ipv4.tcp_mem="1572864 2097152 3145728" (pages of 4 KiB: 12 GB at most).
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { COLUMNS, makeRows } from './rows.mjs';

const ROWS = 20_000;

if (process.argv[2] === '--client') await client(Number(process.argv[3]));
else await server();

/** The client process: on each command opens N sockets, holds them unread, then reads them all. */
async function client(port) {
  let sockets = [];
  let received = [];
  let tails = [];
  process.on('message', async (command) => {
    if (command.op === 'open') {
      received = new Array(command.n).fill(0);
      tails = new Array(command.n).fill('');
      sockets = [];
      for (let i = 0; i < command.n; i++) {
        const socket = net.connect(port, '127.0.0.1');
        socket.pause();
        socket.on('data', (chunk) => {
          received[i] += chunk.length;
          tails[i] = (tails[i] + chunk.toString('latin1', Math.max(0, chunk.length - 5))).slice(-5);
        });
        socket.on('error', (error) => process.send({ op: 'error', message: String(error) }));
        socket.write(`GET ${command.path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n`);
        sockets.push(socket);
        // Connect 200 at a time, each group once the one before is connected: a server busy
        // writing accepts slowly, and a listen backlog that overflows drops SYNs, which the
        // kernel retries for minutes before the connect fails.
        if (i % 200 === 199 || i === command.n - 1) {
          await Promise.all(sockets.slice(i - (i % 200)).map((s) => (s.connecting ? once(s, 'connect') : undefined)));
        }
      }
      process.send({ op: 'opened' });
    } else if (command.op === 'read') {
      const ended = sockets.map((socket) => once(socket, 'close'));
      for (const socket of sockets) socket.resume();
      await Promise.all(ended);
      // A chunked response is complete when it ends with the last chunk, "0\r\n\r\n".
      const complete = tails.filter((tail) => tail === '0\r\n\r\n').length;
      const unfinished = [];
      for (let i = 0; i < tails.length && unfinished.length < 5; i++) {
        if (tails[i] !== '0\r\n\r\n') unfinished.push({ received: received[i], tail: JSON.stringify(tails[i]) });
      }
      process.send({ op: 'done', min: Math.min(...received), max: Math.max(...received), complete, unfinished });
    } else if (command.op === 'exit') {
      process.exit(0);
    }
  });
}

async function server() {
  const counts = (process.argv[2] ?? '200,1000').split(',').map(Number);
  const ROUNDS = Number(process.argv[3] ?? 3);
  const SERVERS = (process.argv[4] ?? 'sluice,plain,plain-64k').split(',').map((name) => `/${name}`);
  const { from } = await import('@sluice/core');
  const { formatCsv } = await import('@sluice/operators');
  const { sendPipeline } = await import('@sluice/adapters/http');
  const rows = makeRows(ROWS, { datesAsText: true });

  async function* oneRowPerNext() {
    for (const row of rows) yield row;
  }
  // The plain generator's formatter: what a hand-written export does, one string per row.
  const special = /[",\r\n]/;
  const cell = (v) => {
    const text = v === null || v === undefined ? '' : String(v);
    return special.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  async function* plainCsv() {
    yield `${COLUMNS.join(',')}\n`;
    for await (const row of oneRowPerNext()) yield `${COLUMNS.map((key) => cell(row[key])).join(',')}\n`;
  }

  async function* plainCsvChunks() {
    let rowsText = [];
    let length = 0;
    for await (const line of plainCsv()) {
      rowsText.push(line);
      length += line.length;
      if (length >= 65_536) {
        yield rowsText.join('');
        rowsText = [];
        length = 0;
      }
    }
    if (rowsText.length > 0) yield rowsText.join('');
  }

  let started = 0;
  const handlers = {
    '/sluice': (req, res) =>
      sendPipeline(req, res, from(oneRowPerNext).pipe(formatCsv({ columns: COLUMNS })), {
        contentType: 'text/csv',
        gzip: false,
      }).then((report) => {
        if (report.outcome !== 'completed') console.error('sluice response ended', report.outcome);
      }),
    '/plain': async (_req, res) => {
      res.setHeader('content-type', 'text/csv');
      await pipeline(Readable.from(plainCsv()), res).catch((error) => console.error('plain response failed', error));
    },
    '/plain-64k': async (_req, res) => {
      res.setHeader('content-type', 'text/csv');
      await pipeline(Readable.from(plainCsvChunks()), res).catch((error) =>
        console.error('plain response failed', error),
      );
    },
  };
  // No request timeouts: with a thousand responses filling the kernel's socket buffers, the
  // server may reach a request's headers only after Node's default 60 s headersTimeout.
  const httpServer = http.createServer({ requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
    started++;
    handlers[req.url](req, res);
  });
  httpServer.maxConnections = 20_000;
  httpServer.listen(0, '127.0.0.1', 8192);
  await once(httpServer, 'listening');
  const { port } = httpServer.address();

  // The same bytes: one response of each, hashed, outside every timing.
  const digest = async (path) => {
    const res = await new Promise((resolve) => http.get({ port, host: '127.0.0.1', path }, resolve));
    const hash = createHash('sha256');
    for await (const chunk of res) hash.update(chunk);
    return hash.digest('hex');
  };
  const [a, b, c] = [await digest('/sluice'), await digest('/plain'), await digest('/plain-64k')];
  if (a !== b || a !== c) throw new Error(`the servers send different bytes: ${a}, ${b}, ${c}`);

  const child = fork(fileURLToPath(import.meta.url), ['--client', String(port)], { stdio: 'inherit' });
  // A client socket that failed (reset, refused) would leave a response never started: stop at once.
  const clientErrors = [];
  child.on('message', (message) => {
    if (message.op === 'error') clientErrors.push(message.message);
  });
  const checkClients = () => {
    if (clientErrors.length > 0) throw new Error(`client sockets failed: ${clientErrors.slice(0, 3).join('; ')}`);
  };
  const reply = (op) =>
    new Promise((resolve, reject) => {
      const listener = (message) => {
        if (message.op === 'error') reject(new Error(`client: ${message.message}`));
        else if (message.op === op) {
          child.off('message', listener);
          resolve(message);
        }
      };
      child.on('message', listener);
    });
  const memory = () => {
    globalThis.gc?.();
    const m = process.memoryUsage();
    return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss };
  };
  const open = new Set();
  httpServer.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  const bytesWritten = () => {
    let sum = 0;
    for (const socket of open) sum += socket.bytesWritten;
    return sum;
  };
  // Waiting means: every response started and no byte moved for a quarter of a second.
  const settle = async () => {
    let last = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const written = bytesWritten();
      if (written === last) return;
      last = written;
    }
  };

  const results = {};
  console.log(
    `${ROWS.toLocaleString('en-US')} rows per response (${(
      Buffer.byteLength(
        await (async () => {
          let text = '';
          for await (const s of plainCsv()) text += s;
          return text;
        })(),
      ) / 1e6
    ).toFixed(
      2,
    )} MB), gzip off; clients: ${counts.join(', ')}; ${ROUNDS} interleaved rounds, medians; Node ${process.version}; load average before: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}\n`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const n of counts) {
      const all = SERVERS;
      const paths = all.map((_, k) => all[(k + round) % all.length]);
      for (const path of paths) {
        // The previous server's sockets must be gone first, or their teardown counts against this one.
        while (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        const before = memory();
        started = 0;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        child.send({ op: 'open', n, path });
        await reply('opened');
        while (started < n) {
          checkClients();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await settle();
        const waiting = memory();
        const _paused = performance.now();
        child.send({ op: 'read' });
        const done = await reply('done');
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(c0);
        // Every body is the same (hashed above), but its chunked framing depends on where batches
        // were cut, which for an async source depends on timing: the check is that every response
        // ended with its last chunk, and that sizes differ by no more than framing can explain.
        if (done.complete !== n) {
          throw new Error(
            `${path}: ${n - done.complete} of ${n} responses did not end, e.g. ${JSON.stringify(done.unfinished)} (complete ones: ${done.min}–${done.max} bytes)`,
          );
        }
        if (done.max - done.min > done.max / 100)
          throw new Error(`${path}: clients received between ${done.min} and ${done.max} bytes`);
        const key = `${path} ${n}`;
        console.error(
          `round ${round + 1}: ${key}: CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, wall ${wall.toFixed(0)} ms`,
        );
        (results[key] ??= []).push({
          wall,
          cpu: (cpu.user + cpu.system) / 1000,
          perConnection: (waiting.heap + waiting.buffers - before.heap - before.buffers) / n,
          rss: (waiting.rss - before.rss) / n,
        });
      }
    }
  }
  child.send({ op: 'exit' });
  httpServer.close();

  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const stat = (key, field) => median(results[key].map((r) => r[field]));
  const names = {
    '/sluice': 'sluice sendPipeline + formatCsv',
    '/plain': 'plain generator (a string per row) + pipeline()',
    '/plain-64k': 'plain generator (64 Ki-character strings) + pipeline()',
  };
  console.log(
    '| clients | server | median server CPU ms | × plain per row (CPU) | × plain 64 Ki (CPU) | median wall ms (open → all read) | × plain 64 Ki (wall) | heap + arrayBuffers per waiting connection | RSS per waiting connection |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of counts) {
    for (const path of SERVERS) {
      const key = `${path} ${n}`;
      const ratio = (field, base) =>
        results[`${base} ${n}`] ? (stat(key, field) / stat(`${base} ${n}`, field)).toFixed(2) : '–';
      console.log(
        `| ${n} | ${names[path]} | ${stat(key, 'cpu').toFixed(0)} | ${ratio('cpu', '/plain')} | ${ratio('cpu', '/plain-64k')} | ${stat(key, 'wall').toFixed(0)} | ${ratio('wall', '/plain-64k')} | ${(stat(key, 'perConnection') / 1024).toFixed(1)} KiB | ${(stat(key, 'rss') / 1024).toFixed(1)} KiB |`,
      );
    }
  }
  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
}
