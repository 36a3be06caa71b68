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
 * CPU time (µs) the thread must also have spent since the slice ran out before it yields. On a
 * loaded machine the OS deschedules the process for tens of ms, which the wall clock counts as
 * holding the loop; yielding then gains nobody anything and only moves the run off microtasks
 * (which breaks tests that advance fake timers step by step). A run that really computes passes
 * this proof within a further millisecond.
 */
const CPU_PROOF_US = 1000;

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

const endSlice = (): void => {
  sliceStart = -1;
};

/**
 * Called before each batch pull with the size of the last batch. True when the current macrotask
 * has run past its slice and the pull should wait for `yieldTurn()` first. Reading the clock costs
 * about as much as a small pull on a VM (~100 ns), so a pull of fewer than 32 items counts one unit
 * of work and a larger one 16; the clock is read once a slice has done 64 units, then every 16
 * units. A slice of a few pulls (a test stepping fake timers, a request handled between two
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
  work += size < 32 ? 1 : 16;
  if (work < nextCheck) return false;
  nextCheck = work + 16;
  if (now() - sliceStart <= FAIR_SLICE_MS) return false;
  if (cpuMark === undefined) {
    cpuMark = process.cpuUsage();
    return false;
  }
  const used = process.cpuUsage(cpuMark);
  return used.user + used.system >= CPU_PROOF_US;
}

/** Resolves after a turn of the event loop: timers, I/O callbacks and `'close'` events run first. */
export function yieldTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
