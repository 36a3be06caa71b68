import { describe, expect, it, vi } from 'vitest';
import { Pipeline, from } from '../index.js';
import { isPipeline } from './index.js';

/** A second, separate copy of @sluice/core (as with two versions in one node_modules). */
async function otherCopy(): Promise<typeof import('../index.js') & typeof import('./index.js')> {
  vi.resetModules();
  return { ...(await import('../index.js')), ...(await import('./index.js')) };
}

describe('isPipeline', () => {
  it('recognises a pipeline by its brand, and nothing shaped like one', () => {
    expect(isPipeline(from([1]))).toBe(true);
    expect(
      isPipeline(
        from([1]).pipe(async function* id(s: AsyncIterable<number>) {
          yield* s;
        }),
      ),
    ).toBe(true);
    const lookalike = { iterate() {}, pipe() {}, run() {}, to() {}, [Symbol.asyncIterator]() {} };
    for (const value of [lookalike, [], null, undefined, 'x', () => 1, Pipeline]) expect(isPipeline(value)).toBe(false);
  });

  it('never throws, also given a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(isPipeline(proxy)).toBe(false);
  });

  it('does not show the brand in the public shape of a pipeline', () => {
    const pipeline = from([1]);
    expect(Object.getOwnPropertySymbols(pipeline)).toEqual([]);
    expect(Object.keys(pipeline)).toEqual([]);
  });

  it('recognises a pipeline built by another copy of @sluice/core, where instanceof says no', async () => {
    const copy = await otherCopy();
    const foreign = copy.from([1, 2, 3]);
    expect(copy.Pipeline).not.toBe(Pipeline);
    expect(foreign instanceof Pipeline).toBe(false);
    expect(isPipeline(foreign)).toBe(true);
    expect(copy.isPipeline(from([1]))).toBe(true);
  });

  it('lets from() take a pipeline of another copy as it is, so its source stays owned by the run', async () => {
    const copy = await otherCopy();
    const foreign = copy.from([1, 2, 3]);
    expect(from(foreign as never)).toBe(foreign);
    const report = await from(foreign as never).run();
    expect(report.source.items).toBe(3);
  });
});
