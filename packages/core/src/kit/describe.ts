/**
 * Reading values a caller passed, for validation and error messages, without ever throwing: a
 * revoked Proxy throws on every property read (`constructor`, `name`, `Array.isArray` included),
 * an object with a null prototype has no `constructor`, and a symbol cannot go into a template
 * string. Any of those would replace the coded error being built with an uncoded `TypeError`.
 */

const MAX_STRING = 40;

function objectKind(value: object): string {
  let proto: object | null;
  try {
    proto = Reflect.getPrototypeOf(value);
  } catch {
    return 'an unreadable object (a revoked Proxy?)';
  }
  if (proto === null) return 'an object with a null prototype';
  try {
    // The prototype's own `constructor`, not `value.constructor`: no getter or trap of the value runs.
    const ctor: unknown = Reflect.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    const name: unknown = typeof ctor === 'function' ? ctor.name : undefined;
    return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
  } catch {
    return 'an object';
  }
}

function functionKind(value: (...args: never[]) => unknown): string {
  try {
    const name: unknown = Reflect.getOwnPropertyDescriptor(value, 'name')?.value;
    return `function ${typeof name === 'string' && name !== '' ? name : '(anonymous)'}`;
  } catch {
    return 'an unreadable function (a revoked Proxy?)';
  }
}

/**
 * Describes a value for the "got …" of an error message, the one phrasing of every such message
 * in sluice: `null`, `undefined`, `number 42`, `bigint 7n`, `boolean true`, `symbol Symbol(id)`,
 * `string "abc"` (cut at 40 characters), `function parse`, `an instance of Map`,
 * `an object with a null prototype`. Never throws and never runs the value's code (no getter,
 * no `toString`, no Proxy trap other than `getPrototypeOf`).
 *
 * @example
 * ```ts
 * throw new SluiceTypeError('ERR_SLUICE_INVALID_ARGUMENT', `myStage(fn) must be a function, got ${describeValue(fn)}`);
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `string ${JSON.stringify(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value)}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'symbol':
      return `symbol ${String(value)}`;
    case 'function':
      return functionKind(value as (...args: never[]) => unknown);
    case 'object':
      return value === null ? 'null' : objectKind(value);
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/**
 * The `name` of an error-like value, or undefined; never throws. The error predicates compare
 * names, not classes, so they hold across copies of a package and across realms.
 */
export function nameOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  try {
    return (error as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/**
 * Runs a shape test on a value a caller passed; false when merely reading the value throws (a
 * revoked Proxy), so validation raises its own coded error instead.
 *
 * @example
 * ```ts
 * if (!hasShape(() => typeof db.prepare === 'function')) throw new SluiceTypeError(…);
 * ```
 */
export function hasShape(test: () => boolean): boolean {
  try {
    return test();
  } catch {
    return false;
  }
}

/**
 * True for a value that throws on every read, such as a revoked Proxy (`Array.isArray` and
 * `typeof x.key` included): validation asks this first, so it can throw its coded error instead.
 */
export function isUnreadable(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    Reflect.getPrototypeOf(value);
    return false;
  } catch {
    return true;
  }
}
