import { mkdir, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { cleanupRecorder, deferred, withoutUnhandledRejections } from '@sluice/core/testing';
import { toFile } from './to-file.js';

const root = await mkdtemp(join(tmpdir(), 'sluice-to-file-cleanup-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('toFile cleanup errors', () => {
  it("reports an error removing the temporary file to the run's onCleanupError, not as a warning", () =>
    withoutUnhandledRejections(async () => {
      const dir = await mkdtemp(join(root, 'case-'));
      const written = deferred<void>();
      const more = deferred<void>();
      const controller = new AbortController();
      const rec = cleanupRecorder();
      const running = from(async function* rows() {
        yield 'a\n';
        written.resolve();
        await more.promise;
        yield 'b\n';
      }).to(toFile(join(dir, 'out.csv')), { signal: controller.signal, ...rec.options });
      await written.promise;
      // Swap the temporary file for a directory of the same name: unlinking it then fails for real.
      const [temp] = (await readdir(dir)).filter((name) => name.endsWith('.tmp'));
      await unlink(join(dir, temp!));
      await mkdir(join(dir, temp!));
      controller.abort();
      more.resolve();
      expect(await running.catch((error: unknown) => error)).toBe(controller.signal.reason);
      await rec.report.closed;
      expect(rec.hooked).toEqual([expect.objectContaining({ code: expect.stringMatching(/^E(ISDIR|PERM)$/) })]);
      expect(rec.report.cleanupErrors).toEqual(rec.hooked);
    }));
});
