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
