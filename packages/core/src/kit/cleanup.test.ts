import { describe, expect, it } from 'vitest';
import { captureWarnings, deferred } from '../testing/index.js';
import { reportCleanupError, warnCleanupError, warnReportError } from './index.js';

/** Runs `emit` and resolves with the first process warning it caused (captured, not printed). */
async function warningOf(emit: () => void): Promise<Error & { code?: string; detail?: string }> {
  const warned = deferred<Error>();
  const capture = captureWarnings(
    (w) => w.message.startsWith('sluice: '),
    (w) => warned.resolve(w),
  );
  try {
    emit();
    return await warned.promise;
  } finally {
    capture.restore();
  }
}

const revoked = Proxy.revocable({}, {});
revoked.revoke();

describe('cleanup and report warnings', () => {
  it('words a cleanup error as "sluice: error while closing <where>: <message>", coded, with the stack as detail', async () => {
    const error = new Error('close failed');
    const warning = await warningOf(() => warnCleanupError(error, 'the input of myStage'));
    expect(warning).toMatchObject({
      code: 'SLUICE_CLEANUP_ERROR',
      message: 'sluice: error while closing the input of myStage: close failed',
      detail: error.stack,
    });
  });

  it('gives a throwing report callback its own code, in the same format', async () => {
    const error = new Error('dashboard down');
    const warning = await warningOf(() => warnReportError(error, 'sendPipeline onReport'));
    expect(warning).toMatchObject({
      code: 'SLUICE_REPORT_ERROR',
      message: 'sluice: sendPipeline onReport threw: dashboard down',
      detail: error.stack,
    });
  });

  it.each([
    ['a string', 'plain', 'plain'],
    ['undefined', undefined, 'undefined'],
    ['a null-prototype object', Object.create(null), 'an object with a null prototype'],
    ['a revoked Proxy', revoked.proxy, 'an unreadable object (a revoked Proxy?)'],
  ])('never throws while wording %s that was thrown', async (_what, thrown, text) => {
    const warning = await warningOf(() => reportCleanupError(undefined, thrown, 'x'));
    expect(warning).toMatchObject({ code: 'SLUICE_CLEANUP_ERROR', message: `sluice: error while closing x: ${text}` });
  });
});
