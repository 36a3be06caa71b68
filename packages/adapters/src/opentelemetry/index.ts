export { traceRuns, type TraceRunsOptions, type RunTracing } from './trace-runs.js';
