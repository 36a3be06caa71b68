/**
 * Prints the memory suite's results as the Markdown table of docs/memory.md, one row per case
 * and Node line with every volume side by side:
 * `pnpm exec tsx memory/table.ts build/memory-node20.json [build/memory-soak-node20.json …]`.
 */
import { readFileSync } from 'node:fs';
import { MiB, type CaseResult, type Peaks } from './run.js';

const rows = process.argv.slice(2).flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as CaseResult[]);
const byCase = new Map<string, CaseResult[]>();
for (const r of rows) {
  const key = `${r.node} ${r.case}`;
  byCase.set(key, [...(byCase.get(key) ?? []), r]);
}
const f = (n: number) => (n / MiB).toFixed(1);
const across = (results: CaseResult[], pick: (r: CaseResult) => number) => results.map((r) => f(pick(r))).join(' → ');
/** A held peak; for a case with a burst (`settle()`), the burst's, then what came after it. */
const held = (results: CaseResult[], pick: (p: Peaks) => number) =>
  results
    .map((r) => (r.heldBefore === undefined ? f(pick(r.held)) : `${f(pick(r.heldBefore))}, then ${f(pick(r.held))}`))
    .join(' → ');

console.log(
  '| Node | case | documented | MB | arrayBuffers held | arrayBuffers peak | heapUsed held | heapUsed peak | RSS peak |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const results of byCase.values()) {
  results.sort((a, b) => a.mb - b.mb);
  const r = results[0]!;
  const cells = [
    r.node,
    r.case,
    r.settled === undefined ? f(r.buffered) : `${f(r.buffered)}, then ${f(r.settled)}`,
    results.map((x) => x.mb).join(' → '),
    held(results, (p) => p.arrayBuffers),
    across(results, (x) => x.above.arrayBuffers),
    held(results, (p) => p.heapUsed),
    across(results, (x) => x.above.heapUsed),
    across(results, (x) => x.above.rss),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
