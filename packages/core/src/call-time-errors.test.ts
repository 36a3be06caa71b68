import { describe, expect, it } from 'vitest';
import { ackAfter, chain, from, fromResource } from './index.js';
import {
  defineBatchSink,
  defineBatchStage,
  defineInlineStage,
  defineSyncStage,
  reportCleanupError,
  timeoutReason,
  validateRunOptions,
} from './kit/index.js';

const kernel = () => ({ push: () => true });
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const revokedFn = Proxy.revocable(() => 1, {});
revokedFn.revoke();
const run = async function* (batches: AsyncIterable<unknown[]>) {
  yield* batches;
};

/** Public core calls with bad arguments; each must throw at once with a coded TypeError or RangeError. */
const bad: [string, () => unknown][] = [
  ['defineSyncStage(Symbol(), create)', () => defineSyncStage(Symbol() as never, kernel)],
  ["defineSyncStage('', create)", () => defineSyncStage('', kernel)],
  ["defineSyncStage('x', Symbol())", () => defineSyncStage('x', Symbol() as never)],
  ["defineSyncStage('x', create, null)", () => defineSyncStage('x', kernel, null as never)],
  [
    "defineSyncStage('x', create, { oneToOne: 'yes' })",
    () => defineSyncStage('x', kernel, { oneToOne: 'yes' as never }),
  ],
  [
    "defineSyncStage('x', create, { inline: { op: 'map', fn } })",
    () => defineSyncStage('x', kernel, { inline: { op: 'map', fn: () => 1 } } as never),
  ],
  ["defineSyncStage('x', create, { typo: 1 })", () => defineSyncStage('x', kernel, { typo: 1 } as never)],
  ["defineInlineStage('nope', 'x', fn)", () => defineInlineStage('nope' as never, 'x', () => 1)],
  ["defineInlineStage('toString', 'x', fn)", () => defineInlineStage('toString' as never, 'x', () => 1)],
  ["defineInlineStage('map', '', fn)", () => defineInlineStage('map', '', () => 1)],
  ["defineInlineStage('map', 'x', 5)", () => defineInlineStage('map', 'x', 5 as never)],
  ['defineBatchStage(Symbol(), run)', () => defineBatchStage(Symbol() as never, run)],
  ["defineBatchStage('x', 5)", () => defineBatchStage('x', 5 as never)],
  ['defineBatchSink(Symbol(), run)', () => defineBatchSink(Symbol() as never, async () => 1)],
  ["defineBatchSink('x', null)", () => defineBatchSink('x', null as never)],
  ['from(Symbol())', () => from(Symbol() as never)],
  ['from([], { batchSize: 0 })', () => from([], { batchSize: 0 })],
  ['fromResource(null)', () => fromResource(null as never)],
  ['from([]).pipe(5)', () => from([]).pipe(5 as never)],
  ['from([]).to(5)', () => from([]).to(5 as never)],
  ['from([]).run({ timeout: -1 })', () => from([]).run({ timeout: -1 })],
  ['from([]).iterate({ signal: 5 })', () => from([]).iterate({ signal: 5 as never })],
  ['chain().pipe(null)', () => chain().pipe(null as never)],
  ["validateRunOptions({ onReport: 1 }, 'x')", () => validateRunOptions({ onReport: 1 }, 'x')],
  ['timeoutReason(-1)', () => timeoutReason(-1)],
  [
    'reportCleanupError(signal, error, Symbol())',
    () => reportCleanupError(new AbortController().signal, new Error('x'), Symbol() as never),
  ],
  // A revoked Proxy throws on every read; the validators must still throw their own coded error.
  ['from(revoked Proxy)', () => from(revoked.proxy as never)],
  ['from([], revoked Proxy)', () => from([], revoked.proxy as never)],
  ['from([]).pipe(revoked Proxy)', () => from([]).pipe(revoked.proxy as never)],
  ['from([]).to(revoked Proxy)', () => from([]).to(revoked.proxy as never)],
  ['from([]).run(revoked Proxy)', () => from([]).run(revoked.proxy as never)],
  ['from([]).iterate({ signal: revoked Proxy })', () => from([]).iterate({ signal: revoked.proxy as never })],
  ['fromResource(revoked Proxy)', () => fromResource(revoked.proxy as never)],
  [
    'ackAfter(sink, { commit: a null-prototype object })',
    () => ackAfter(async () => 1, { commit: Object.create(null) }),
  ],
  ['timeoutReason(revoked Proxy)', () => timeoutReason(revoked.proxy as never)],
  ['defineSyncStage(revoked Proxy of a function, create)', () => defineSyncStage(revokedFn.proxy as never, kernel)],
];

describe('call-time errors of core', () => {
  for (const [call, fn] of bad) {
    it(`${call} throws a coded error at once`, () => {
      let thrown: unknown;
      try {
        fn();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).toMatchObject({ code: expect.stringMatching(/^ERR_SLUICE_/) });
      expect((thrown as Error).name).toMatch(/^(TypeError|RangeError)$/);
    });
  }
});
