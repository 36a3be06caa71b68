import { describe, expect, it } from 'vitest';
import { from } from '@sluice/core';
import { trackedSource } from '@sluice/core/testing';
import { toResponse } from './to-response.js';

describe('toResponse', () => {
  it('keeps the status and reads the source only when the body is read', async () => {
    const source = trackedSource(['a', 'b']);
    const response = toResponse(from(source), { status: 201 });
    expect(response.status).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.stats.opens).toBe(0);
    expect(await response.text()).toBe('ab');
    expect(source.stats.closes).toBe(1);
  });

  it('encodes text as UTF-8, keeping a surrogate pair split across chunks whole, and passes bytes through', async () => {
    const emoji = '😀';
    const bytes = new TextEncoder().encode('é!');
    const response = toResponse(from(['a', emoji[0]!, `${emoji[1]!}b`, bytes, '', 'ü']));
    const body = new Uint8Array(await response.arrayBuffer());
    expect(new TextDecoder('utf-8', { fatal: true }).decode(body)).toBe(`a${emoji}bé!ü`);
  });

  it('releases the source when the body is cancelled', async () => {
    const source = trackedSource(['x', 'y', 'z']);
    const response = toResponse(from(source));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('x');
    await reader.cancel(new Error('client left'));
    await source.closed.promise;
    expect(source.stats.closes).toBe(1);
    expect(source.stats.produced).toBe(1);
  });

  it('errors the body with a coded TypeError for an item that is not text or bytes', async () => {
    const source = trackedSource<unknown>(['ok', { id: 1 }, 'never']);
    const response = toResponse(from(source) as never);
    await expect(response.text()).rejects.toMatchObject({ code: 'ERR_SLUICE_INVALID_ARGUMENT' });
    expect(source.stats.closes).toBe(1);
  });

  it('validates its arguments with coded errors', () => {
    expect(() => toResponse('text' as never)).toThrow(expect.objectContaining({ code: 'ERR_SLUICE_INVALID_ARGUMENT' }));
    expect(() => toResponse(from(['a']), {}, { nope: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SLUICE_INVALID_OPTION' }),
    );
  });
});
