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
 * CPU time (µs) the process must also have spent in the slice before the run yields. On a loaded
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
 * When the current slice began, or -1 when the loop has turned since (a run that waited for I/O
 * has yielded already and starts a fresh slice: it never pays an extra yield). One clock for the
 * process, since it is the event loop that is held, whichever run holds it.
 */
let sliceStart = -1;
let work = 0;
let nextCheck = 0;
let cpuMark: NodeJS.CpuUsage | undefined;
let nextCpuCheck = 0;
/** The slice is spent: every pull until the turn of the loop hears so (the first caller may only cut a batch). */
let spent = false;

const endSlice = (): void => {
  sliceStart = -1;
  spent = false;
};

/**
 * Called before each batch pull with the size of the last batch. True when the current macrotask
 * has run past its slice and the pull should wait for `yieldTurn()` first. Reading the clock costs
 * about as much as a small pull on a VM (~100 ns), so a pull of fewer than 32 items counts one unit
 * of work and a larger one 64 (a batch of 1024 rows through a CSV formatter takes milliseconds: the
 * clock must be read after each, or a slice runs 20–30 ms behind an HTTP sink); the clock is
 * read once a slice has done 64 units, then every 16 units. A slice of a few pulls (a test stepping fake timers, a request handled between two
 * awaits) never reads the clock, and so never yields however long the OS kept it waiting.
 */
export function sliceSpent(size: number): boolean {
  if (sliceStart < 0) {
    sliceStart = now();
    work = 0;
    nextCheck = 64;
    cpuMark = undefined;
    // From node:timers, so fake timers installed on the globals cannot freeze the run.
    setImmediate(endSlice);
    return false;
  }
  if (spent) return true;
  work += size < 32 ? 1 : 64;
  if (work < nextCheck) return false;
  nextCheck = work + 16;
  if (cpuMark === undefined) {
    cpuMark = process.cpuUsage();
    return false;
  }
  const t = now();
  // Reading the CPU clock is a system call: once the wall clock says the slice is spent, at most
  // once per millisecond.
  if (t - sliceStart <= FAIR_SLICE_MS || t < nextCpuCheck) return false;
  nextCpuCheck = t + 1;
  const used = process.cpuUsage(cpuMark);
  spent = used.user + used.system >= CPU_SLICE_US;
  return spent;
}

/** Resolves after a turn of the event loop: timers, I/O callbacks and `'close'` events run first. */
export function yieldTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
