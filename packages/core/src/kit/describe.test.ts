import { describe, expect, it } from 'vitest';
import { isAbortError, isTimeoutError } from '../index.js';
import { describeValue, hasShape, isUnreadable, nameOf } from './index.js';

const revoked = Proxy.revocable({}, {});
revoked.revoke();
const revokedFn = Proxy.revocable(function named() {}, {});
revokedFn.revoke();
/** A Proxy whose every trap throws (the revoked one throws the engine's error; this one the user's). */
const hostile = new Proxy(
  {},
  new Proxy(
    {},
    {
      get: () => () => {
        throw new Error('trap');
      },
    },
  ),
);
class Row {}
const withThrowingConstructor = Object.create({
  get constructor(): never {
    throw new Error('getter');
  },
}) as object;

describe('describeValue', () => {
  it.each([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 42, 'number 42'],
    ['NaN', NaN, 'number NaN'],
    ['a bigint', 10n, 'bigint 10n'],
    ['a boolean', true, 'boolean true'],
    ['a symbol', Symbol('id'), 'symbol Symbol(id)'],
    ['a string', 'abc', 'string "abc"'],
    ['a long string, cut at 40 characters', 'x'.repeat(50), `string "${'x'.repeat(40)}…"`],
    ['a named function', function parse() {}, 'function parse'],
    [
      'an anonymous function',
      (
        () => () =>
          1
      )(),
      'function (anonymous)',
    ],
    ['a class instance', new Row(), 'an instance of Row'],
    ['a plain object', {}, 'an instance of Object'],
    ['an array', [1], 'an instance of Array'],
    ['a null-prototype object', Object.create(null), 'an object with a null prototype'],
    ['an object whose prototype has no constructor', Object.create({}), 'an object'],
    ['a revoked Proxy', revoked.proxy, 'an unreadable object (a revoked Proxy?)'],
    ['a revoked Proxy of a function', revokedFn.proxy, 'an unreadable function (a revoked Proxy?)'],
    ['a Proxy whose traps throw', hostile, 'an unreadable object (a revoked Proxy?)'],
    ['an object whose constructor getter throws', withThrowingConstructor, 'an object'],
  ])('describes %s without throwing', (_what, value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});

describe('reading hostile values', () => {
  it('nameOf gives undefined, and the error predicates false, for values that throw when read', () => {
    for (const value of [revoked.proxy, hostile, Object.create(null), 5, null]) {
      expect(nameOf(value)).toBeUndefined();
      expect(isAbortError(value)).toBe(false);
      expect(isTimeoutError(value)).toBe(false);
    }
    expect(nameOf(new DOMException('x', 'AbortError'))).toBe('AbortError');
  });

  it('hasShape is false when the shape test throws, and isUnreadable is true only for such values', () => {
    expect(hasShape(() => typeof (revoked.proxy as { read?: unknown }).read === 'function')).toBe(false);
    expect(hasShape(() => true)).toBe(true);
    expect([revoked.proxy, revokedFn.proxy, hostile].map(isUnreadable)).toEqual([true, true, true]);
    expect([{}, Object.create(null), null, 'x', () => 1].map(isUnreadable)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
