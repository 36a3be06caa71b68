import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortListenerCount, deferred } from '@sluice/core/testing';
import { rejectOnAbort, waitFor } from './wait.js';

function armed(emitter: EventEmitter, signal: AbortSignal, cleanups: string[]) {
  return waitFor<string>((waiting) => {
    waiting.listen(emitter, 'ok', (value: string) => waiting.resolve(value));
    waiting.listen(emitter, 'bad', (error: Error) => waiting.reject(error));
    rejectOnAbort(waiting, signal);
    waiting.onSettle(() => cleanups.push('cleanup'));
  });
}

describe('waitFor', () => {
  it.each(['resolve', 'reject', 'abort'] as const)(
    'removes every listener and runs every cleanup once when it ends by %s',
    async (how) => {
      const emitter = new EventEmitter();
      const controller = new AbortController();
      const cleanups: string[] = [];
      const waiting = armed(emitter, controller.signal, cleanups);
      expect(emitter.listenerCount('ok') + emitter.listenerCount('bad')).toBe(2);
      expect(abortListenerCount(controller.signal)).toBe(1);
      const failure = new Error('bad');
      if (how === 'resolve') emitter.emit('ok', 'value');
      else if (how === 'reject') emitter.emit('bad', failure);
      else controller.abort(failure);
      emitter.emit('ok', 'late');
      if (how === 'resolve') await expect(waiting).resolves.toBe('value');
      else await expect(waiting).rejects.toBe(failure);
      expect(emitter.listenerCount('ok') + emitter.listenerCount('bad')).toBe(0);
      expect(abortListenerCount(controller.signal)).toBe(0);
      expect(cleanups).toEqual(['cleanup']);
    },
  );

  it('rejects at once under an already-aborted signal and leaves nothing behind', async () => {
    const emitter = new EventEmitter();
    const cleanups: string[] = [];
    const reason = new Error('gone');
    await expect(armed(emitter, AbortSignal.abort(reason), cleanups)).rejects.toBe(reason);
    expect(emitter.listenerCount('ok')).toBe(0);
    expect(cleanups).toEqual(['cleanup']);
  });

  it('leaves no listener on a long-lived emitter over 10 000 waits', async () => {
    const emitter = new EventEmitter();
    const signal = new AbortController().signal;
    for (let i = 0; i < 10_000; i++) {
      const step = deferred<number>();
      const waiting = waitFor<number>((w) => {
        void step.promise.then(w.resolve);
        w.listen(emitter, 'gone', () => w.reject(new Error('gone')));
        rejectOnAbort(w, signal);
      });
      step.resolve(i);
      expect(await waiting).toBe(i);
    }
    expect(emitter.listenerCount('gone')).toBe(0);
    expect(abortListenerCount(signal)).toBe(0);
  });
});
