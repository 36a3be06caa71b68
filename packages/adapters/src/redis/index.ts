/**
 * `@sluice/adapters/redis`: Redis Streams consumer groups as an at-least-once source
 * (`fromRedisStream`) and a stream as a sink (`toRedisStream`).
 *
 * @module @sluice/adapters/redis
 */
export { fromRedisStream, type FromRedisStreamOptions } from './from-redis-stream.js';
export {
  toRedisStream,
  type ToRedisStreamOptions,
  type ToRedisStreamResult,
  type RedisStreamFields,
} from './to-redis-stream.js';
export type { RedisStreamEntry } from './entries.js';
export type { RedisClientLike, NodeRedisLike, IoRedisLike } from './client.js';
