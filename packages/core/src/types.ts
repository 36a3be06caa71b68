/** What every stage and sink receives besides its source: the run's one signal. */
export interface StageContext {
  readonly signal: AbortSignal;
}

/**
 * A transformation from one async iterable to another: exactly the shape Node's
 * `stream.pipeline()` hands to a generator function, so any `async function* (source, { signal })`
 * is a sluice stage and every sluice stage works inside Node's `pipeline()`.
 */
export type Stage<In, Out> = (source: AsyncIterable<In>, ctx: StageContext) => AsyncIterable<Out>;

/** The end of a pipeline: consumes the items and resolves to a result. */
export type Sink<In, R> = (source: AsyncIterable<In>, ctx: StageContext) => Promise<R>;

/** Options of a run (`run`, `to`, `toArray`, iteration). */
export interface RunOptions {
  /** Aborting it tears the run down; the run rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds after which the run is aborted with a `TimeoutError`. */
  readonly timeout?: number | undefined;
  /**
   * Milliseconds teardown waits for iterators and resources to close before the run settles
   * anyway (default 1000). A close that takes longer (a `finally` stuck in an await that ignores
   * the signal) is not lost: it stays tracked in `report.closed` and its errors are reported.
   */
  readonly cleanupTimeout?: number | undefined;
  /** Called once with the report when the run settles, whether it succeeded or not. */
  readonly onReport?: ((report: RunReport) => void) | undefined;
  /**
   * Called for every error raised while tearing down (a `finally` that throws, a `close` that
   * rejects), including late ones from a stage that was stuck when the run settled. Without it,
   * such errors are emitted as process warnings (`SLUICE_CLEANUP_ERROR`); they are never lost.
   */
  readonly onCleanupError?: ((error: unknown, stage: string) => void) | undefined;
}

/** How a run ended, decided by state (who stopped it), never by an error's name. */
export type RunOutcome =
  /** The pipeline delivered every item it defines: the source was exhausted, or a `take` got its count. */
  | 'completed'
  /**
   * The consumer stopped early: a `break`, `first()`, a sink that returned before the end. (A
   * `take(n)` inside the pipeline that got its n items is `completed`: the pipeline delivered all
   * it was defined to deliver, and closed its source early.)
   */
  | 'stopped'
  /** A stage, the source or the sink threw. */
  | 'failed'
  /** The caller's signal was aborted (its reason is the rejection). */
  | 'aborted'
  /** The run's own `timeout` elapsed. */
  | 'timed-out';

/** Per-stage measurements. Fused stages are listed one by one with `fused: true`. */
export interface StageReport {
  readonly name: string;
  readonly fused: boolean;
  /** Items this stage pulled from upstream. */
  readonly itemsIn: number;
  /** Items this stage produced. */
  readonly itemsOut: number;
  /** Milliseconds spent inside the stage, not counting the wait for its upstream. */
  readonly timeMs: number;
}

/** The source's lifetime within the run: proves a cursor was released early. */
export interface SourceReport {
  readonly name: string;
  /** Items the source produced. */
  readonly items: number;
  /** Milliseconds from the run's start to the source being opened (its first pull); null if never opened. */
  readonly openedAtMs: number | null;
  /** Milliseconds from the run's start to the source being released; null if it was not released (yet). */
  readonly closedAtMs: number | null;
  /** How long the source was held open (until release, or until the report was made). */
  readonly heldMs: number;
}

/** What a run resolves to (and hands to `onReport` whatever the outcome). */
export interface RunReport {
  readonly outcome: RunOutcome;
  /** The error the run rejected with, for outcomes other than `completed` and `stopped`. */
  readonly error?: unknown;
  /** Items that reached the end of the pipeline. */
  readonly items: number;
  readonly durationMs: number;
  readonly source: SourceReport;
  readonly stages: readonly StageReport[];
  /** Errors raised while tearing down, in the order they were seen (late ones are appended). */
  readonly cleanupErrors: readonly unknown[];
  /** Teardowns still running when the run settled (a stage stuck in an `await`). */
  readonly pendingCleanups: number;
  /** Settles once every teardown, late ones included, has finished. Never rejects. */
  readonly closed: Promise<void>;
}
