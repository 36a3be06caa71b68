/**
 * Names what a value is, for an error message, without ever throwing: a revoked Proxy throws on
 * any property read (its constructor included), so a message built from it would replace the
 * coded error with an uncoded one.
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  try {
    return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  } catch {
    return 'an unreadable object (a revoked Proxy?)';
  }
}

/**
 * True for a revoked Proxy, the one value that throws on every read (`Array.isArray` and
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
