/**
 * The bounds of the memory suite, shared by the per-case tests and the soak: what a case
 * documents it holds plus a fixed slack, and how much more the larger volume may hold.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { MiB, describe as peaks, runMemoryCase, type CaseResult } from './run.js';

export const SMALL = 150;
export const LARGE = 300;

/**
 * Slack over what a case documents, in bytes above the child's own baseline. `held` is measured
 * right after a full GC (what stays reachable); the raw peaks also count garbage the GC has not
 * reached yet, so their slack is wider. A bug that keeps every chunk, or reads a thousand chunks
 * ahead, is far above both.
 */
const HELD_ARRAY_BUFFERS = 2 * MiB;
const RAW_ARRAY_BUFFERS = 32 * MiB;
const HELD_HEAP = 8 * MiB;
const RAW_HEAP = 32 * MiB;
const RAW_RSS = 64 * MiB;
/** How much more the larger volume may hold than the smaller: run-to-run noise, not growth. */
const GROWTH_HELD = 2 * MiB;
const GROWTH_RSS = 24 * MiB;

/** Every result of this process, written out by `writeResults`. */
const results: CaseResult[] = [];

/** Runs a case at one volume, prints its peaks and checks them against its bound. */
export async function runBounded(name: string, mb: number): Promise<void> {
  const r = await runMemoryCase(name, mb);
  results.push(r);
  console.log(`${name}\n  ${mb} MB: ${peaks(r)}`);
  expectBounded(r);
}

/**
 * A case with a burst (`settle()`) is held to `buffered` during it and to `settled` after it, so
 * what the burst grew must have been let go; the raw peaks span both and are held to `buffered`.
 */
function expectBounded(r: CaseResult): void {
  const mib = (n: number) => `${(n / MiB).toFixed(2)} MiB`;
  const documented = r.settled === undefined ? mib(r.buffered) : `${mib(r.buffered)}, then ${mib(r.settled)}`;
  const at = `${r.case} at ${r.mb} MB: ${peaks(r)}, documented ${documented}`;
  if (r.heldBefore !== undefined) {
    expect(r.heldBefore.arrayBuffers, `${at}: arrayBuffers reachable in the burst`).toBeLessThanOrEqual(
      r.buffered + HELD_ARRAY_BUFFERS,
    );
    expect(r.heldBefore.heapUsed, `${at}: heap reachable in the burst`).toBeLessThanOrEqual(HELD_HEAP);
  }
  const settled = r.settled ?? r.buffered;
  expect(r.held.arrayBuffers, `${at}: arrayBuffers reachable`).toBeLessThanOrEqual(settled + HELD_ARRAY_BUFFERS);
  expect(r.above.arrayBuffers, `${at}: arrayBuffers peak`).toBeLessThanOrEqual(r.buffered + RAW_ARRAY_BUFFERS);
  expect(r.held.heapUsed, `${at}: heap reachable`).toBeLessThanOrEqual(HELD_HEAP);
  expect(r.above.heapUsed, `${at}: heap peak`).toBeLessThanOrEqual(RAW_HEAP);
  expect(r.above.rss, `${at}: rss peak`).toBeLessThanOrEqual(r.buffered + RAW_RSS);
}

/** Runs a case at both volumes, one after the other, and checks both against the same bound. */
export async function atTwoVolumes(name: string): Promise<void> {
  const small = await runMemoryCase(name, SMALL);
  const large = await runMemoryCase(name, LARGE);
  results.push(small, large);
  console.log(`${name}\n  ${SMALL} MB: ${peaks(small)}\n  ${LARGE} MB: ${peaks(large)}`);
  expectBounded(small);
  expectBounded(large);
  const grew = `${name}: ${SMALL} MB → ${LARGE} MB`;
  expect(large.held.arrayBuffers, `${grew}, arrayBuffers reachable`).toBeLessThanOrEqual(
    small.held.arrayBuffers + GROWTH_HELD,
  );
  expect(large.held.heapUsed, `${grew}, heap reachable`).toBeLessThanOrEqual(small.held.heapUsed + GROWTH_HELD);
  expect(large.above.rss, `${grew}, rss peak`).toBeLessThanOrEqual(small.above.rss + GROWTH_RSS);
}

/** Writes every result of this process to `build/<file>-node<major>.json`. */
export function writeResults(file: string): void {
  const dir = new URL('../build/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const path = new URL(`${file}-node${process.versions.node.split('.')[0]}.json`, dir);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`memory results: ${path.pathname}`);
}
