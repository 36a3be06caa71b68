import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loopSource } from './compile.js';

describe('the generated loop', () => {
  it('is this text for map → filter → tap: one call site per callback, the table’s statement after each', () => {
    expect(loopSource(['map', 'filter', 'tap'])).toMatchInlineSnapshot(`
      "'use strict';
      return function fusedLoop(batch, out, start, state) {
        const f0 = state.fns[0], c0 = state.ctxs[0];
        const f1 = state.fns[1], c1 = state.ctxs[1];
        const f2 = state.fns[2], c2 = state.ctxs[2];
        const counts = state.counts, st = state.st;
        for (let i = start; i < batch.length; i++) {
          let v = batch[i], r;
          // map
          c0.index = counts[0]++;
          r = f0(v, c0);
          if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') { st.i = i; st.j = 0; st.v = v; st.p = r; return i; }
          v = r;
          // filter
          c1.index = counts[1]++;
          r = f1(v, c1);
          if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') { st.i = i; st.j = 1; st.v = v; st.p = r; return i; }
          if (!r) continue;
          // tap
          c2.index = counts[2]++;
          r = f2(v, c2);
          if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') { st.i = i; st.j = 2; st.v = v; st.p = r; return i; }
          out.push(v);
        }
        return -1;
      };
      "
    `);
  });
});

describe('where code generation is refused', () => {
  // The same pipeline in a child process started with --disallow-code-generation-from-strings.
  const script = `
    import { from, fromResource } from '@sluice/core';
    import { defineInlineStage } from '@sluice/core/kit';
    let refused = false;
    try { new Function('return 1'); } catch (error) { refused = error instanceof EvalError; }
    const failure = new Error('bad row');
    const batches = [[0, 1, 2], [3, 4], [5, '', null, 6]];
    const seen = [];
    const stages = () => [
      defineInlineStage('map', 'm', (n, { index }) => (index === 4 ? Promise.resolve(n) : typeof n === 'number' ? n * 10 : n)),
      defineInlineStage('filter', 'f', (n) => (n === 20 ? Promise.resolve(0) : n)),
      defineInlineStage('tap', 't', (n, { index }) => { seen.push(index); }),
    ];
    const out = await from([0, 1, 2, 3, 4, 5, '', null, 6], { batchSize: 4 }).pipe(...stages()).toArray();
    const fromBatches = await fromResource({ open: () => [...batches], read: (b) => b.shift(), close: () => {} }).pipe(...stages()).toArray();
    const error = await from([1, 2, 3]).pipe(defineInlineStage('map', 'm', (n) => { if (n === 2) throw failure; return n; })).toArray().catch((e) => e);
    console.log(JSON.stringify({ refused, out, fromBatches, seen, error: error === failure }));
  `;

  it('runs inline stages on the interpreter, with the same results', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--disallow-code-generation-from-strings',
        '--import',
        'tsx',
        '--conditions=sluice-source',
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    expect(JSON.parse(stdout)).toEqual({
      refused: true,
      out: [10, 30, 4, 50, 60],
      fromBatches: [10, 30, 4, 50, 60],
      seen: [0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
      error: true,
    });
  });
});
