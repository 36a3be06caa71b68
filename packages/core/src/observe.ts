import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { RunOutcome, RunReport } from './types.js';

/**
 * The `node:diagnostics_channel` contract of a run (docs/observability.md). Channels are looked up
 * by name, so a subscriber needs no import from sluice and two copies of the package publish alike.
 */
export const CHANNELS = {
  /** A TracingChannel: `tracing:sluice:run:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`. */
  run: 'sluice:run',
  sourceOpen: 'sluice:source:open',
  sourceRelease: 'sluice:source:release',
  stageOpen: 'sluice:stage:open',
  stageClose: 'sluice:stage:close',
} as const;

/**
 * The one context object of a run, handed to every event of the `sluice:run` tracing channel and
 * referenced by the source and stage messages. The runner fills in `outcome`, `report` and
 * `result` or `error` when the run settles, before `error`/`asyncStart` are published.
 */
export interface RunTraceContext {
  /** What runs: the source's name and the stages' names in order (fused operators one by one). */
  readonly pipeline: { readonly source: string; readonly stages: readonly string[] };
  outcome?: RunOutcome;
  /** The report, whatever the outcome. */
  report?: RunReport;
  /** The report, when the run resolved (`completed`, `stopped`): the TracingChannel convention. */
  result?: RunReport;
  /** The error the run rejected with (`failed`, `aborted`, `timed-out`). */
  error?: unknown;
}

/** Published on `sluice:source:open` (the first pull opened the source) and `sluice:source:release`. */
export interface SourceMessage {
  readonly run: RunTraceContext;
  readonly name: string;
  /** On release: items the source produced, and how long it held its resource. */
  readonly items?: number;
  readonly heldMs?: number;
  /** On release: what the source's read threw, when it failed (where a run's error arose). */
  readonly error?: unknown;
}

/** Published on `sluice:stage:open`: a link after the source got its first pull. */
export interface StageMessage {
  readonly run: RunTraceContext;
  /** 1 for the first link after the source; adjacent fused operators form one link. */
  readonly index: number;
  /** The stage's name; a fused link joins its operators' names with `+`. */
  readonly name: string;
  readonly fused: boolean;
}

/** Published on `sluice:stage:close`, once per opened link. */
export interface StageCloseMessage extends StageMessage {
  readonly itemsIn: number;
  readonly itemsOut: number;
  /**
   * `end`: it reported its end; `error`: its pull rejected (`error`; a stage rethrowing an
   * upstream error reports it too, the lowest index is where it arose); `return`: the runner
   * closed it (early stop, abort, a failure elsewhere) and the close has finished.
   */
  readonly how: 'end' | 'error' | 'return';
  readonly error?: unknown;
}

export const runChannel = tracingChannel<unknown, RunTraceContext>(CHANNELS.run);
export const sourceOpenChannel = channel(CHANNELS.sourceOpen);
export const sourceReleaseChannel = channel(CHANNELS.sourceRelease);
export const stageOpenChannel = channel(CHANNELS.stageOpen);
export const stageCloseChannel = channel(CHANNELS.stageClose);
