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

  begin(): void {
    this.start = now();
    this.work = 0;
    this.nextCheck = 64;
    this.cpuMark = undefined;
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
    const t = now();
    // Reading the CPU clock is a system call: once the wall clock says the slice is spent, at most
    // once per millisecond.
    if (t - this.start <= FAIR_SLICE_MS || t < this.nextCpuCheck) return false;
    this.nextCpuCheck = t + 1;
    const used = cpuUsage(this.cpuMark);
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

const endSlice = (): void => {
  active = false;
  spent = false;
};

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

function beginSlice(): void {
  active = true;
  loop.begin();
  // From node:timers, so fake timers installed on the globals cannot freeze the run.
  setImmediate(endSlice);
}

/**
 * One run's share of the event loop. While the loop's slice is spent every pull of every run waits
 * for a turn; a run that waited gets the pull it waited for through (and its upstream pulls, and
 * an async source's gathering) on a slice of its own, so that each turn it waits buys it at least
 * one pull. Without it, with thousands of runs ready at once (a server's responses whose clients
 * all read), the first few spend the loop's slice again and the rest only queue another
 * `setImmediate` each, turn after turn, an async source cutting its batches to single items: a
 * run's yields grew with the number of runs, and so did its cost per row.
 */
export class FairShare {
  /** The slice of the pull that waited, while it is in progress; undefined otherwise. */
  private pass: Slice | undefined;
  private passes = 0;
  private held = 0;
  private spare: Slice | undefined;

  /** Like `sliceSpent`, but on the run's own slice while a pull that waited for a turn is in progress. */
  spent(size: number): boolean {
    const pass = this.pass;
    if (pass === undefined) return sliceSpent(size);
    if (!pass.count(size)) return false;
    // The run held the loop for a slice: the loop's is spent too, for every run, until the turn.
    this.pass = undefined;
    if (!active) beginSlice();
    spent = true;
    return true;
  }

  /**
   * Calls `pull` after a turn of the event loop (a `setImmediate` from `node:timers`), on a slice
   * of the run's own until what it returns settles.
   */
  afterTurn<R>(pull: () => Promise<R> | R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      setImmediate(() => {
        const pass = (this.spare ??= new Slice());
        pass.begin();
        this.pass = pass;
        const token = ++this.passes;
        this.held = token;
        const release = () => {
          if (this.held !== token) return;
          this.held = 0;
          this.pass = undefined;
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
      });
    });
  }
}
