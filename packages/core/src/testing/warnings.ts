/**
 * Captures the process warnings a test expects. Node prints warnings through a 'warning' listener
 * of its own, and sluice's suite fails on a `SLUICE_*` warning nobody captured: while a capture
 * is on, those listeners are set aside and only the warnings `expected` rejects are passed on to
 * them, so the expected one is asserted, not printed, and any other still shows. Call
 * `restore()` in a `finally`.
 *
 * ```ts
 * const capture = captureWarnings((w) => w.message.includes('close failed'), (w) => seen.push(w));
 * try { … } finally { capture.restore(); }
 * ```
 */
export function captureWarnings(
  expected: (warning: Error) => boolean,
  onExpected: (warning: Error) => void,
): {
  /** Puts the process's own warning listeners back. */
  restore(): void;
} {
  const others = process.listeners('warning');
  const onWarning = (warning: Error) => {
    if (expected(warning)) onExpected(warning);
    else for (const listener of others) listener.call(process, warning);
  };
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  return {
    restore() {
      process.off('warning', onWarning);
      for (const listener of others) process.on('warning', listener);
    },
  };
}
