import { from, type Stage } from '@sluice/core';
import { withoutUnhandledRejections } from '@sluice/core/testing';
import { describe, expect, it } from 'vitest';
import { batch } from './batch.js';
import { map } from './map.js';
import { take } from './take.js';

describe('an operator factory piped uncalled', () => {
  for (const [name, factory, call] of [
    ['map', map, 'map(fn)'],
    ['batch', batch, 'batch(sizeOrOptions)'],
    ['take', take, 'take(n)'],
  ] as const) {
    it(`says ${name} is an operator factory to call, not that the input is wrong`, () =>
      withoutUnhandledRejections(async () => {
        const running = from([1, 2])
          .pipe(factory as unknown as Stage<number, unknown>)
          .toArray();
        const error = (await running.catch((e: unknown) => e)) as Error;
        expect(error).toMatchObject({
          code: 'ERR_SLUICE_INVALID_STAGE',
          message: expect.stringContaining(`stage 1 (${name}) is an operator factory: call it, e.g. ${call}`),
        });
        expect(error.message).not.toMatch(/^[^(]*ItemView/);
      }));
  }
});
