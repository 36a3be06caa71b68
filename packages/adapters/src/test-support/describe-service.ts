import { describe, it } from 'vitest';

/**
 * Tests against a real server named by an environment variable (set by `. .ci/services.sh`). In
 * CI a missing server fails the tests, so they can never be skipped silently; elsewhere they are
 * skipped with a message saying how to run them.
 */
export function describeService(server: string, variable: string, name: string, body: () => void): void {
  if (process.env[variable]) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it(`needs a ${server} server`, () => {
        throw new Error(`${variable} is not set: CI must run the ${server} tests (source .ci/services.sh first)`);
      });
    });
    return;
  }
  console.warn(
    `[sluice] skipping "${name}": set ${variable} or run under \`. .ci/services.sh\` to test against ${server}`,
  );
  describe.skip(name, body);
}
