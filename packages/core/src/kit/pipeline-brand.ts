import type { Pipeline } from '../pipeline.js';

/**
 * The brand every `Pipeline` carries (on its prototype, `true`). A registered symbol, so a
 * pipeline built by another copy of `@sluice/core` (two versions in one `node_modules`, a bundled
 * copy) is still recognised, where `instanceof` would say no.
 */
export const PIPELINE_BRAND: unique symbol = Symbol.for('sluice.pipeline');

/**
 * True for a sluice `Pipeline` from any copy of `@sluice/core`, checked by its brand. Never
 * throws (a revoked Proxy is not a pipeline).
 *
 * @example
 * ```ts
 * const it = isPipeline(input) ? input.iterate({ signal }) : input[Symbol.asyncIterator]();
 * ```
 */
export function isPipeline(value: unknown): value is Pipeline<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return (value as { [PIPELINE_BRAND]?: unknown })[PIPELINE_BRAND] === true;
  } catch {
    return false;
  }
}
