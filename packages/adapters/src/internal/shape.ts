/**
 * Runs a shape test on a value a caller passed, false when merely reading the value throws: a
 * revoked Proxy throws on every property read and on `instanceof`, and that uncoded TypeError
 * would otherwise replace the coded one the validation is there to raise.
 */
export function hasShape(test: () => boolean): boolean {
  try {
    return test();
  } catch {
    return false;
  }
}
