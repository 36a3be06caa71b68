import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type AddressInfo, createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_LEAKS, deferred, leakCheck } from './index.js';

/** A loopback server that keeps what it accepted, so a test can close both ends of a connection. */
let server: Server;
const accepted: Socket[] = [];
let dir: string;
let file: string;

beforeAll(async () => {
  server = createServer((socket) => accepted.push(socket)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  dir = mkdtempSync(join(tmpdir(), 'sluice-leak-check-'));
  file = join(dir, 'data.txt');
  writeFileSync(file, 'x');
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a loopback connection and returns both of its ends once the server has accepted it. */
async function connection(): Promise<[Socket, Socket]> {
  const before = accepted.length;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  while (accepted.length === before) await new Promise((resolve) => setImmediate(resolve));
  return [client, accepted.at(-1)!];
}

async function closeBoth([client, peer]: [Socket, Socket]): Promise<void> {
  client.destroy();
  peer.destroy();
  await Promise.all([once(client, 'close'), peer.closed ? undefined : once(peer, 'close')]);
}

describe('leakCheck', () => {
  it('reports a timer left behind even when an older timer was cleared meanwhile', async () => {
    const older = setTimeout(() => {}, 10_000);
    const leaks = leakCheck();
    clearTimeout(older);
    const left = setTimeout(() => {}, 10_000);
    const report = await leaks.finish();
    clearTimeout(left);
    expect(report.resources).toEqual(['Timeout: 1 created during the check still active']);
  });

  it('reports the one of two new timers that was not cleared while an older one fired', async () => {
    const fired = deferred<void>();
    setTimeout(fired.resolve, 1);
    const leaks = leakCheck();
    const cleaned = setTimeout(() => {}, 10_000);
    const left = setTimeout(() => {}, 10_000);
    clearTimeout(cleaned);
    await fired.promise;
    const report = await leaks.finish();
    clearTimeout(left);
    expect(report.resources).toEqual(['Timeout: 1 created during the check still active']);
  });

  it('reports a socket left open even when an older connection closed meanwhile', async () => {
    const older = await connection();
    const leaks = leakCheck();
    await closeBoth(older);
    const left = await connection();
    const report = await leaks.finish();
    await closeBoth(left);
    expect(report.resources).toEqual(['TCPSocketWrap: 2 created during the check still active']);
  });

  it('reports a file handle left open even when an older one was closed meanwhile', async () => {
    const older = await open(file);
    const leaks = leakCheck();
    await older.close();
    const left = await open(file);
    const report = await leaks.finish();
    await left.close();
    expect(report.resources).toEqual(['FileHandle: 1 created during the check still active']);
  });

  it('reports a leaked unref-ed timer, which process.getActiveResourcesInfo() does not list', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const leaks = leakCheck();
    const before = timeouts();
    const left = setTimeout(() => {}, 10_000).unref();
    expect(timeouts()).toBe(before);
    const report = await leaks.finish();
    clearTimeout(left);
    expect(report.resources).toEqual(['Timeout: 1 created during the check still active']);
  });

  it('reports a leaked unref-ed socket, which process.getActiveResourcesInfo() does not list', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length;
    const leaks = leakCheck();
    const left = await connection();
    const before = sockets();
    left[0].unref();
    expect(sockets()).toBe(before - 1);
    left[1].unref();
    const report = await leaks.finish();
    await closeBoth(left);
    expect(report.resources).toEqual(['TCPSocketWrap: 2 created during the check still active']);
  });

  it('leaves a kept socket’s idle timer to the socket: allowing the socket allows it all', async () => {
    const leaks = leakCheck({ allowResources: ['TCPSocketWrap'] });
    const kept = await connection();
    kept[0].setTimeout(10_000);
    const report = await leaks.finish();
    await closeBoth(kept);
    expect(report).toEqual(NO_LEAKS);
  });

  it('still compares counts: an older unref-ed timer ref-ed again during the check is reported', async () => {
    const older = setTimeout(() => {}, 10_000).unref();
    const timeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const before = timeouts();
    const leaks = leakCheck();
    older.ref();
    const report = await leaks.finish();
    clearTimeout(older);
    expect(report.resources).toEqual([`Timeout: ${before} -> ${before + 1}`]);
  });

  it('finds nothing when what the check saw created was closed, and what existed before stays', async () => {
    const olderTimer = setTimeout(() => {}, 10_000);
    const olderConnection = await connection();
    const leaks = leakCheck();
    const timer = setInterval(() => {}, 10_000);
    const immediate = deferred<void>();
    setImmediate(immediate.resolve);
    const both = await connection();
    const handle = await open(file);
    await handle.read();
    clearInterval(timer);
    await closeBoth(both);
    await handle.close();
    await immediate.promise;
    const report = await leaks.finish();
    clearTimeout(olderTimer);
    await closeBoth(olderConnection);
    expect(report).toEqual(NO_LEAKS);
  });

  it('does not take what closes while finish() waits for open: a timer cleared in its last turn', async () => {
    const leaks = leakCheck();
    const timer = setTimeout(() => {}, 10_000);
    // Runs in the second turn finish() waits: the immediates of this chain are over by then too.
    setImmediate(() => setImmediate(() => clearTimeout(timer)));
    expect(await leaks.finish()).toEqual(NO_LEAKS);
  });

  it('lets the types in allowResources remain, by the names getActiveResourcesInfo or async_hooks use', async () => {
    for (const allowResources of [
      ['TCPSocketWrap', 'Timeout'],
      ['TCPWRAP', 'Timeout'],
    ]) {
      const leaks = leakCheck({ allowResources });
      const left = await connection();
      const timer = setTimeout(() => {}, 10_000);
      const handle = await open(file);
      const report = await leaks.finish();
      clearTimeout(timer);
      await closeBoth(left);
      await handle.close();
      expect(report.resources).toEqual(['FileHandle: 1 created during the check still active']);
    }
  });

  it('reports once: a later finish() returns the same report, whatever was created since', async () => {
    const leaks = leakCheck();
    const report = await leaks.finish();
    const later = setTimeout(() => {}, 10_000);
    expect(await leaks.finish()).toEqual(report);
    clearTimeout(later);
    expect(report).toEqual(NO_LEAKS);
  });
});
