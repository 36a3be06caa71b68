import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

/**
 * The longest a run may keep the event loop before it yields a macrotask turn (protocol 9), in
 * wall-clock ms. 5 ms is the slice browsers' schedulers give a task between input checks: far
 * below what a person or a health check notices (issue 7's bar is 50 ms for p99 loop delay and a
 * concurrent `/ping`), while a yield (one setImmediate and a turn of the loop, a few µs) every
 * 5 ms costs well under 1 % of a CPU-bound run.
 */
export const FAIR_SLICE_MS = 5;

/**
 * CPU time (µs) the loop's thread must also have spent in the slice before the run yields. On a loaded
 * machine the OS deschedules a busy process for tens of ms, which the wall clock counts as holding
 * the loop; yielding then gains nobody anything: it only costs a turn (every millisecond or so of
 * real work), and moves the run off microtasks, which breaks tests that step fake timers. Counted
 * from the slice's first clock read, which a slice of a few pulls (I/O-bound) never reaches.
 */
const CPU_SLICE_US = 4000;

// Captured at load: fake timers may replace the global clock, and a faked jump of a second must
// not look like a run holding the loop (nor a frozen clock hide one).
const now = performance.now.bind(performance);

/**
 * The CPU time of the thread the loop runs on, where Node can tell it (`threadCpuUsage`, Node 22
 * and later); on Node 20 the process's, which counts busy worker threads too and can judge a slice
 * spent early (harmless: an early yield or an early batch cut).
 */
const cpuUsage: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage = (() => {
  const thread = (process as { threadCpuUsage?: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage;
  return typeof thread === 'function' ? thread.bind(process) : process.cpuUsage.bind(process);
})();

/**
 * The accounting of one slice. Reading the clock costs about as much as a small pull on a VM
 * (~100 ns), so a pull of fewer than 32 items counts one unit of work and a larger one 64 (a batch
 * of 1024 rows through a CSV formatter takes milliseconds: the clock must be read after each, or a
 * slice runs 20–30 ms behind an HTTP sink); the clock is read once a slice has done 64 units, then
 * every 16 units. A slice of a few pulls (a test stepping fake timers, a request handled between
 * two awaits) never reads the clock, and so never ends however long the OS kept it waiting.
 */
class Slice {
  private start = 0;
  private work = 0;
  private nextCheck = 0;
  private cpuMark: NodeJS.CpuUsage | undefined;
  private nextCpuCheck = 0;

  /** The turn of the loop the slice began in (see `turns`). */
  turn = 0;

  /**
   * `withCpu`: read the CPU clock now (a system call), for a slice that is known to do work: one
   * that serves the waiting pulls, or a pull that waited. Otherwise it is read once 64 units are
   * counted, so that a slice of a few I/O-bound pulls costs no system call.
   */
  begin(withCpu = false): void {
    this.start = now();
    this.work = 0;
    this.nextCheck = 64;
    this.cpuMark = withCpu ? cpuUsage() : undefined;
    this.turn = turns;
  }

  /** Counts a pull of `size` items; true once the slice is spent. */
  count(size: number): boolean {
    this.work += size < 32 ? 1 : 64;
    if (this.work < this.nextCheck) return false;
    this.nextCheck = this.work + 16;
    if (this.cpuMark === undefined) {
      this.cpuMark = cpuUsage();
      return false;
    }
    return this.clocksSay(this.cpuMark);
  }

  /** Reads the clocks now, whatever was counted: true when the slice is spent. */
  over(): boolean {
    if (this.cpuMark === undefined) {
      // No CPU mark yet (fewer than 64 units): the wall clock alone cannot tell a descheduled
      // process from a busy one, so the mark is taken now and a later call decides.
      if (now() - this.start > FAIR_SLICE_MS) this.cpuMark = cpuUsage();
      return false;
    }
    return this.clocksSay(this.cpuMark);
  }

  private clocksSay(cpuMark: NodeJS.CpuUsage): boolean {
    const t = now();
    // Reading the CPU clock is a system call: once the wall clock says the slice is spent, at most
    // once per millisecond.
    if (t - this.start <= FAIR_SLICE_MS || t < this.nextCpuCheck) return false;
    this.nextCpuCheck = t + 1;
    const used = cpuUsage(cpuMark);
    return used.user + used.system >= CPU_SLICE_US;
  }
}

/**
 * The event loop's slice: one for the process, since it is the loop that is held, whichever run
 * holds it. `active` is false once the loop has turned (a run that waited for I/O has yielded
 * already and starts a fresh slice: it never pays an extra yield).
 */
const loop = new Slice();
let active = false;
/** The slice is spent: every pull until the turn of the loop hears so (the first caller may only cut a batch). */
let spent = false;
/** A `setImmediate` for `onTurn` is queued. */
let armed = false;
/** Turns of the loop that `onTurn` saw: a pull's own slice is good for the turn it was served in only. */
let turns = 0;

// Captured at load, like the clock: a test may fake the globals.
const tick = process.nextTick.bind(process);
const microtask = queueMicrotask;

const NOTHING = (): void => undefined;

/** A pull waiting for its turn (see `FairShare.afterTurn`). */
interface Waiting {
  /** Started already: by its turn, or at once because its run failed. */
  taken: boolean;
  start(): void;
}

/**
 * The pulls waiting for a turn, in the order they came: one queue for the process, served by one
 * `setImmediate` per turn, so that a thousand waiting runs cost a turn of the loop, not a thousand.
 */
const waiting: Waiting[] = [];
let head = 0;

/**
 * Called before each pull with its size (the last batch's). True when the current macrotask has
 * run past its slice and the pull should wait for a turn of the loop first.
 */
export function sliceSpent(size: number): boolean {
  if (!active) {
    beginSlice();
    return false;
  }
  if (spent) return true;
  spent = loop.count(size);
  return spent;
}

function beginSlice(withCpu = false): void {
  active = true;
  loop.begin(withCpu);
  arm();
}

function arm(): void {
  if (!armed) {
    armed = true;
    // From node:timers, so fake timers installed on the globals cannot freeze the run.
    setImmediate(onTurn);
  }
}

/** The turn of the loop: the slice ends, and the pulls that waited go, in order, on a new one. */
function onTurn(): void {
  armed = false;
  active = false;
  spent = false;
  turns++;
  if (head < waiting.length) {
    beginSlice(true);
    serve();
  }
}

/**
 * Starts the next waiting pull, then the one after it once the microtasks the first one queued
 * have run (a tick queued from a microtask runs when the queue is empty): one at a time, so the
 * slice is read between them, and the rest wait for the next turn once it is spent. The first
 * pull of a turn always goes: each turn serves at least one.
 */
function serve(): void {
  while (head < waiting.length) {
    const next = waiting[head]!;
    head++;
    if (next.taken) continue;
    next.start();
    break;
  }
  if (head >= waiting.length) {
    waiting.length = 0;
    head = 0;
    return;
  }
  if (head > 1024 && head * 2 > waiting.length) {
    waiting.splice(0, head);
    head = 0;
  }
  microtask(afterPull);
}

const afterPull = (): void => tick(serveMore);

function serveMore(): void {
  if (head >= waiting.length) return;
  if (spent || loop.over()) {
    // The rest wait for the next turn, already armed by this turn's slice.
    spent = true;
    return;
  }
  serve();
}

/**
 * One run's share of the event loop. While the loop's slice is spent every pull of every run waits
 * for a turn, in one queue (`afterTurn`). The pull that waited then goes through (and its upstream
 * pulls, and an async source's gathering for it) on a slice of the run's own, so that each turn a
 * run waits buys it at least one pull; its work still counts on the loop's slice, which decides
 * how many of the waiting pulls go in a turn. Without it, with thousands of runs ready at once (a
 * server's responses whose clients all read), the first few spent the loop's slice again and the
 * rest only queued another `setImmediate` each, turn after turn, an async source cutting its
 * batches to single items: a run's yields grew with the number of runs, and so did its cost per row.
 */
export class FairShare {
  /** The slice of the pull that waited, while it is in progress in the turn it was served in. */
  private pass: Slice | undefined;
  /** This run's pulls in the queue. */
  private readonly queued = new Set<Waiting>();

  /** Like `sliceSpent`, but on the run's own slice while a pull that waited for a turn is in progress. */
  spent(size: number): boolean {
    const pass = this.pass;
    // A pull that waited on I/O past its turn has had its turn: it is on the loop's slice again.
    if (pass === undefined || pass.turn !== turns) {
      this.pass = undefined;
      return sliceSpent(size);
    }
    // The loop's slice goes on counting, so that the turn serves no more waiting pulls once it is
    // spent, but it does not stop this one.
    sliceSpent(size);
    if (!pass.count(size)) return false;
    // The run held the loop for a slice of its own: the loop's is spent too, for every run.
    this.pass = undefined;
    spent = true;
    return true;
  }

  /**
   * Calls `pull` at its turn: after the loop has turned (a `setImmediate` from `node:timers`) and
   * the pulls that waited before it went, on a slice of the run's own until what it returns settles.
   */
  afterTurn<R>(pull: () => Promise<R> | R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Waiting = {
        taken: false,
        start: () => {
          entry.taken = true;
          // Let go of the pull once started: a served entry may stay in the array for a while.
          entry.start = NOTHING;
          this.queued.delete(entry);
          this.run(pull, resolve, reject);
        },
      };
      this.queued.add(entry);
      waiting.push(entry);
      arm();
    });
  }

  /**
   * The run failed or its consumer stopped: its waiting pulls go now, without waiting for their
   * turn, so that each one hears of it at once (a pull checks the run's failure and its link's
   * close before anything else), and the run's teardown does not wait for their turn.
   */
  flush(): void {
    for (const entry of this.queued) entry.start();
  }

  private run<R>(
    pull: () => Promise<R> | R,
    resolve: (value: R | PromiseLike<R>) => void,
    reject: (error: unknown) => void,
  ): void {
    // A slice of its own for each served pull (a run may have several waiting, in merge or tee).
    const pass = new Slice();
    pass.begin(true);
    this.pass = pass;
    const release = () => {
      if (this.pass === pass) this.pass = undefined;
    };
    let pulled: Promise<R> | R;
    try {
      pulled = pull();
    } catch (error) {
      release();
      reject(error);
      return;
    }
    if (!(pulled instanceof Promise)) {
      release();
      resolve(pulled);
      return;
    }
    pulled.then(
      (result) => {
        release();
        resolve(result);
      },
      (error: unknown) => {
        release();
        reject(error);
      },
    );
  }
}
