import { afterAll, afterEach, expect } from 'vitest';

// A sluice warning in the test output reads like a failure (issue 11). A test that expects one
// captures it so it is neither printed nor seen here; any that reaches this listener was not expected.
const stray: Error[] = [];
const onWarning = (warning: Error & { code?: unknown }) => {
  if (typeof warning.code === 'string' && warning.code.startsWith('SLUICE_')) stray.push(warning);
};
process.on('warning', onWarning);

afterEach(async () => {
  // process.emitWarning delivers on the next tick: let the test's last warnings arrive.
  await new Promise((resolve) => setImmediate(resolve));
  const found = stray.splice(0).map((w) => `${(w as { code: string }).code}: ${w.message}`);
  expect(found, 'a sluice warning that no test captured').toEqual([]);
});

afterAll(() => {
  process.off('warning', onWarning);
});
