/**
 * Prints the memory suite's results as the Markdown table of docs/memory.md:
 * `pnpm exec tsx memory/table.ts build/memory-node20.json [build/memory-soak-node20.json …]`.
 */
import { readFileSync } from 'node:fs';
import { MiB, type CaseResult } from './run.js';

const rows = process.argv.slice(2).flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as CaseResult[]);
const f = (n: number) => (n / MiB).toFixed(1);
const byCase = new Map<string, CaseResult[]>();
for (const r of rows) byCase.set(`${r.node} ${r.case}`, [...(byCase.get(`${r.node} ${r.case}`) ?? []), r]);

console.log('| Node | case | documented | MB | arrayBuffers held / peak | heapUsed held / peak | RSS peak | ms |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const results of byCase.values()) {
  for (const r of results.sort((a, b) => a.mb - b.mb)) {
    console.log(
      `| ${r.node} | ${r.case} | ${f(r.buffered)} | ${r.mb} | ${f(r.held.arrayBuffers)} / ${f(r.above.arrayBuffers)} | ` +
        `${f(r.held.heapUsed)} / ${f(r.above.heapUsed)} | ${f(r.above.rss)} | ${r.ms} |`,
    );
  }
}
console.log('\nMiB above the child’s baseline; held = right after a full GC (what stays reachable), peak = raw.');
