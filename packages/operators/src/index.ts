export { map, type MapFn, type ItemContext } from './map.js';
export { filter, type Predicate } from './filter.js';
