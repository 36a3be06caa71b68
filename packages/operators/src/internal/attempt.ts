/**
 * Runs `fn` and returns what it threw (wrapped, so `undefined` can be thrown too), letting a stage
 * deliver the output made before an error and then rethrow it.
 */
export function attempt(fn: () => void): { error: unknown } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return { error };
  }
}
