import { describe, expect, it } from 'vitest';
import { SurrogateCarry, TextChunkDecoder } from './index.js';

const smile = '\u{1F600}';
const [high, low] = [smile[0]!, smile[1]!];

describe('SurrogateCarry', () => {
  it('holds a high surrogate that ends a chunk until the next chunk completes the pair', () => {
    const carry = new SurrogateCarry();
    expect(carry.take(`a${high}`)).toBe('a');
    expect(carry.take(`${low}b`)).toBe(`${smile}b`);
    expect(carry.flush()).toBe('');
  });

  it('holds a chunk that is only a high surrogate, and lets it go at the end', () => {
    const carry = new SurrogateCarry();
    expect(carry.take(high)).toBe('');
    expect(carry.take('')).toBe('');
    expect(carry.flush()).toBe(high);
    expect(carry.flush()).toBe('');
  });

  it('passes text without a trailing high surrogate through unchanged, a lone low surrogate included', () => {
    const carry = new SurrogateCarry();
    for (const text of ['', 'abc', smile, low, `x${low}`]) expect(carry.take(text)).toBe(text);
  });
});

describe('TextChunkDecoder', () => {
  it('keeps a UTF-8 character split across byte chunks whole, and passes strings through', () => {
    const decoder = new TextChunkDecoder('test()');
    const euro = new TextEncoder().encode('€');
    expect(decoder.decode(euro.subarray(0, 2)) + decoder.decode(euro.subarray(2)) + decoder.decode('!')).toBe('€!');
  });

  it('rejects a chunk that is neither text nor bytes with a coded TypeError worded by describeValue', () => {
    expect(() => new TextChunkDecoder('test()').decode(Object.create(null))).toThrow(
      expect.objectContaining({
        code: 'ERR_SLUICE_INVALID_ARGUMENT',
        message: 'test() expects string or Uint8Array chunks, got an object with a null prototype',
      }),
    );
  });
});
