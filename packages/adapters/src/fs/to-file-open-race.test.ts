/**
 * toFile against an open() that returns late: the fs mock below is the reason this case has a file
 * of its own (it would slow every other toFile test). Real files in os.tmpdir(), no sleeps.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { from, type RunReport } from '@sluice/core';
import { deferred, type Deferred } from '@sluice/core/testing';

/**
 * A slow filesystem on demand: while `slowOpen.gate` is set, an exclusive open ('wx', the temp
 * file of toFile) really creates the file at once but returns its handle only when the gate
 * opens — the window a real open() has on a busy thread pool or a slow disk. Pass-through otherwise.
 */
const slowOpen = vi.hoisted(() => ({
  gate: undefined as Deferred<void> | undefined,
  entered: undefined as Deferred<void> | undefined,
}));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    if (slowOpen.gate && args[1] === 'wx') {
      slowOpen.entered?.resolve();
      await slowOpen.gate.promise;
    }
    return handle;
  };
  return { ...actual, open, default: { ...actual, open } };
});
import { toFile } from './to-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-open-race-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('found in review: toFile', () => {
  it('regression: leaves no temporary file behind once an aborted run has settled (abort while the temp file is being opened)', async () => {
    const path = join(dir, 'open-race.txt');
    const controller = new AbortController();
    const reason = new Error('shutdown');
    let leftAtSettle: string[] = [];
    slowOpen.gate = deferred();
    slowOpen.entered = deferred();
    let report: RunReport | undefined;
    const running = from(['a\n', 'b\n']).to(toFile(path), { signal: controller.signal, onReport: (r) => (report = r) });
    try {
      await slowOpen.entered.promise; // the temp file exists on disk; open() has not returned yet
      controller.abort(reason);
      await expect(running).rejects.toBe(reason);
      leftAtSettle = (await readdir(dir)).filter((f) => f.startsWith('.open-race.txt.'));
    } finally {
      slowOpen.gate.resolve();
      slowOpen.gate = undefined;
    }
    await report!.closed; // the sink's late cleanup does remove it, after the run settled
    expect((await readdir(dir)).filter((f) => f.startsWith('.open-race.txt.'))).toEqual([]);
    // Contract: "Failure or abort … the temporary file is unlinked at once (… before the run settles)".
    expect(leftAtSettle).toEqual([]);
  });
});
