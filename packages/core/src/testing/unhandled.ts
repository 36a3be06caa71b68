/**
 * Runs `body` and fails if any promise rejection went unhandled while it ran (or in the event-loop
 * turn after it, when Node reports them). Use it around anything a user can pass: contract 5.5 says
 * a run never causes an unhandled rejection, whatever it is given.
 *
 * ```ts
 * await withoutUnhandledRejections(() => expect(from(broken).toArray()).rejects.toThrow());
 * ```
 */
export async function withoutUnhandledRejections<R>(body: () => Promise<R>): Promise<R> {
  const unhandled: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    const result = await body();
    // Node reports unhandled rejections after the microtask queue drains: give it two turns.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    if (unhandled.length > 0) {
      throw new AggregateError(
        unhandled,
        `${unhandled.length} unhandled rejection(s) during the test: ${unhandled.map(String).join('; ')}`,
      );
    }
    return result;
  } finally {
    process.off('unhandledRejection', onRejection);
  }
}
