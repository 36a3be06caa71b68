/**
 * `@sluice/adapters/opentelemetry`: OpenTelemetry spans for sluice runs, made from their
 * `node:diagnostics_channel` events (`traceRuns`); `@opentelemetry/api` is an optional peer.
 *
 * @module @sluice/adapters/opentelemetry
 */
export { traceRuns, type TraceRunsOptions, type RunTracing } from './trace-runs.js';
