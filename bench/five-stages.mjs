// The workload of the pipeline benchmarks: small objects through map, filter, map, filter, map.

/** `count` objects `{ id, value, name }`. */
export const makeItems = (count) => Array.from({ length: count }, (_, i) => ({ id: i, value: i % 100, name: 'row' }));

export const f1 = (o) => ({ id: o.id, v: o.value + 1 });
export const p2 = (o) => o.v % 3 !== 0;
export const f3 = (o) => ({ id: o.id, v: o.v * 2 });
export const p4 = (o) => o.id % 5 !== 0;
export const f5 = (o) => o.v + o.id;
