import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { from, type Pipeline, type ProgressSnapshot } from './index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const INTERVAL = 100;

const sources: [string, () => Pipeline<number>][] = [
  [
    'an endless async generator',
    () =>
      from(async function* counter() {
        for (let n = 0; ; n++) yield n;
      }),
  ],
  ['its synchronous twin, an array', () => from([1, 2, 3, 4, 5])],
];

/** Pulls one item in a scope of its own, so that nothing but the weak reference it returns keeps the iterator. */
async function pullOnceAndDrop(pipeline: Pipeline<number>, onProgress: (s: ProgressSnapshot) => void) {
  const iterator = pipeline.iterate({ onProgress, progressInterval: INTERVAL });
  expect((await iterator.next()).done).toBe(false);
  return new WeakRef(iterator);
}

describe('onProgress of an iteration its consumer abandoned', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [what, pipeline] of sources) {
    it(`stops its timer once the dropped iterator was garbage-collected, over ${what}`, async () => {
      const snapshots: ProgressSnapshot[] = [];
      const dropped = await pullOnceAndDrop(pipeline(), (s) => snapshots.push(s));
      await vi.advanceTimersByTimeAsync(INTERVAL);
      expect(snapshots).toHaveLength(1);
      // A weak reference read in this job keeps its target until the job ends: collect in the next one.
      await nextTurn();
      gc();
      await nextTurn();
      expect(dropped.deref()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(3 * INTERVAL);
      expect(snapshots).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    });

    it(`keeps reporting an iteration held but not pulled until it is returned, over ${what}`, async () => {
      const snapshots: ProgressSnapshot[] = [];
      const iterator = pipeline().iterate({ onProgress: (s) => snapshots.push(s), progressInterval: INTERVAL });
      await iterator.next();
      await vi.advanceTimersByTimeAsync(3 * INTERVAL);
      expect(snapshots.map((s) => s.final)).toEqual([false, false, false]);
      await iterator.return!();
      expect(snapshots.at(-1)).toMatchObject({ final: true, outcome: 'stopped' });
      expect(vi.getTimerCount()).toBe(0);
    });
  }
});
