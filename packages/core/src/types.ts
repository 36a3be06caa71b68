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
  /**
   * Called while the run runs, at most every `progressInterval` ms, with what it has done so far,
   * and once more when it settles (`final: true`). A throw fails the run like a throwing stage
   * and it is not called again; a throw from the final call is reported like one from `onReport`.
   * See docs/observability.md.
   */
  readonly onProgress?: ((snapshot: ProgressSnapshot) => void) | undefined;
  /** Milliseconds between two `onProgress` calls (default 1000); needs `onProgress`. */
  readonly progressInterval?: number | undefined;
}

/** A run as seen while it runs, handed to `RunOptions.onProgress`. */
export interface ProgressSnapshot {
  /** Items that left the last stage (in the final snapshot: the report's `items`). */
  readonly items: number;
  /**
   * Bytes of those items: a string counts its `length`, a value with a numeric `byteLength`
   * (Buffer, typed array, ArrayBuffer) that. A batch whose first item holds no bytes (objects,
   * numbers) is not scanned, so a run of objects reports 0.
   */
  readonly bytes: number;
  /** Items per second since the previous snapshot (since the start, for the first). */
  readonly ratePerSec: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  readonly source: {
    readonly name: string;
    /** 'pending': not opened yet (runs are lazy); 'open': holding its resource; 'closed': released. */
    readonly state: 'pending' | 'open' | 'closed';
    /** Items the source produced. */
    readonly items: number;
    /** Bytes of those items, counted as `bytes` is (a file's text chunks: how far into the file). */
    readonly bytes: number;
    /** How long it has held (or held) its resource. */
    readonly heldMs: number;
  };
  /** Each link of the chain after the source; adjacent fused operators are one entry (`map+filter`). */
  readonly stages: readonly {
    readonly name: string;
    readonly fused: boolean;
    readonly itemsIn: number;
    readonly itemsOut: number;
  }[];
  /** True for the snapshot made when the run settled (then `outcome` is set). */
  readonly final: boolean;
  readonly outcome?: RunOutcome;
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
