import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from } from '../pipeline.js';
import type { Stage } from '../types.js';
import { flushMacrotask } from './deferred.js';
import { abortListenerCount } from './leak-check.js';
import { trackedSource } from './tracked-source.js';

/** What `conformance` needs to know about the stage under test. */
export interface ConformanceOptions<In, Out> {
  /** Sample input; at least three items that make the stage produce output. */
  readonly input: readonly In[];
  /** Output for an empty input (default: none). */
  readonly emptyOutput?: readonly Out[];
  /**
   * The most source items the stage may pull before its first output reaches the consumer:
   * 1 for a stage without read-ahead, n for `batch(n)`, 1 + n for `buffer(n)`. Default 1.
   */
  readonly maxPulledForFirst?: number;
  /** Skips the check that runs the stage inside Node's `stream.pipeline()` (for stages that need sluice's runner). */
  readonly skipNodePipeline?: boolean;
}

/** One check of the suite: register it with your test runner as `it(c.name, c.run)`. */
export interface ConformanceCase {
  /** The check's name, as a test title. */
  readonly name: string;
  /** Runs the check; rejects with what failed. */
  run(): Promise<void>;
}

/**
 * The lifecycle checks every stage must pass, ours and yours: laziness, empty and single-item
 * input, the read-ahead bound, early exit closing upstream exactly once, prompt abort while
 * upstream is stalled, error identity, idempotent `return()`, no listeners left behind, and
 * working inside Node's own `pipeline()`. Framework-agnostic: each case throws on failure.
 *
 * ```ts
 * for (const c of conformance('double', () => double(), { input: [1, 2, 3] })) it(c.name, c.run);
 * ```
 */
export function conformance<In, Out>(
  name: string,
  makeStage: () => Stage<In, Out>,
  options: ConformanceOptions<In, Out>,
): ConformanceCase[] {
  const input = options.input;
  assert.ok(input.length >= 3, `conformance(${name}): give at least three input items`);
  const bound = options.maxPulledForFirst ?? 1;
  const cases: ConformanceCase[] = [
    {
      name: `${name}: is lazy: nothing is pulled before the first pull`,
      async run() {
        const source = trackedSource(input);
        const controller = new AbortController();
        const output = makeStage()(source, { signal: controller.signal });
        const pipelineBuilt = from(source).pipe(makeStage());
        await flushMacrotask();
        assert.equal(source.stats.opens, 0, 'the source was opened before the first pull');
        assert.equal(source.stats.nexts, 0, 'the source was pulled before the first pull');
        void output;
        void pipelineBuilt;
      },
    },
    {
      name: `${name}: handles an empty input and closes it once`,
      async run() {
        const source = trackedSource<In>([]);
        const out = await from(source).pipe(makeStage()).toArray();
        assert.deepEqual(out, [...(options.emptyOutput ?? [])]);
        assert.equal(source.stats.closes, 1);
      },
    },
    {
      name: `${name}: handles a single item`,
      async run() {
        const source = trackedSource(input.slice(0, 1));
        const report = await from(source).pipe(makeStage()).run();
        assert.equal(report.outcome, 'completed');
        assert.equal(source.stats.closes, 1);
        assert.equal(source.stats.produced, 1);
      },
    },
    {
      name: `${name}: reads ahead no more than documented (${bound} before the first output)`,
      async run() {
        const source = trackedSource([...input, ...input, ...input]);
        const it = from(source).pipe(makeStage())[Symbol.asyncIterator]();
        const first = await it.next();
        assert.equal(first.done, false, 'the stage produced no output for the sample input');
        await flushMacrotask();
        assert.ok(source.stats.produced <= bound, `pulled ${source.stats.produced} items, documented bound ${bound}`);
        await it.return?.();
        assert.equal(source.stats.closes, 1);
      },
    },
    {
      name: `${name}: closes the source exactly once when the consumer breaks early`,
      async run() {
        const source = trackedSource([...input, ...input, ...input]);
        for await (const item of from(source).pipe(makeStage())) {
          void item;
          break;
        }
        assert.equal(source.stats.closes, 1);
        assert.ok(source.stats.returns <= 1, `return() reached the source ${source.stats.returns} times`);
      },
    },
    {
      name: `${name}: settles promptly with signal.reason when aborted while upstream is stalled`,
      async run() {
        const source = trackedSource({ items: input, hangAt: 1 });
        const controller = new AbortController();
        const reason = new Error(`abort ${name}`);
        const running = from(source).pipe(makeStage()).toArray({ signal: controller.signal });
        await source.hanging.promise;
        controller.abort(reason);
        await assert.rejects(running, (error) => error === reason);
        source.release();
        await source.closed.promise;
        assert.equal(source.stats.closes, 1);
      },
    },
    {
      name: `${name}: delivers an upstream error unchanged`,
      async run() {
        const error = new Error(`upstream ${name}`);
        const source = trackedSource({ items: input, throwAt: { index: 1, error } });
        await assert.rejects(from(source).pipe(makeStage()).toArray(), (e) => e === error);
        assert.equal(source.stats.closes, 1);
      },
    },
    {
      name: `${name}: return() is idempotent and closes upstream once`,
      async run() {
        const source = trackedSource([...input, ...input]);
        const controller = new AbortController();
        const it = makeStage()(source, { signal: controller.signal })[Symbol.asyncIterator]();
        await it.next();
        await it.return?.();
        await it.return?.();
        assert.equal(source.stats.closes, 1);
        assert.equal((await it.next()).done, true, 'next() after return() must report done');
      },
    },
    {
      name: `${name}: leaves no abort listener behind`,
      async run() {
        const parent = new AbortController();
        const before = abortListenerCount(parent.signal);
        for (let i = 0; i < 3; i++) await from(trackedSource(input)).pipe(makeStage()).run({ signal: parent.signal });
        assert.equal(abortListenerCount(parent.signal), before);
        const own = new AbortController();
        const it = makeStage()(trackedSource(input), { signal: own.signal });
        for await (const item of it) void item;
        assert.equal(abortListenerCount(own.signal), 0);
      },
    },
  ];
  if (!options.skipNodePipeline) {
    cases.push({
      name: `${name}: works as a plain stage inside Node's stream.pipeline()`,
      async run() {
        const expected = await from(input).pipe(makeStage()).toArray();
        const got: unknown[] = [];
        const sink = new Writable({
          objectMode: true,
          write(chunk, _enc, cb) {
            got.push(chunk);
            cb();
          },
        });
        const source = trackedSource(input);
        await (pipeline as (...streams: unknown[]) => Promise<void>)(source, makeStage(), sink);
        assert.deepEqual(got, expected);
        assert.equal(source.stats.closes, 1);
      },
    });
  }
  return cases;
}
