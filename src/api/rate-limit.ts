// Per-key rate limits, one budget for every API process on the same Redis and QUEUE_PREFIX: a token
// bucket per API key, kept in Redis and changed only by one Lua script (atomic, on Redis's clock). A
// bucket holds up to `perMinute` tokens and refills at perMinute/60 tokens a second; each request
// takes one. An empty bucket answers 429 with Retry-After (seconds until a token is back).
import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";

/** A per-key request budget. */
export interface RateLimiter {
  /** Requests a key may make per minute (also the burst). 0 turns limiting off. */
  readonly perMinute: number;
  /** Take a token for `key`: null when allowed, else the seconds to wait before retrying. */
  take(key: string): Promise<number | null>;
}

/**
 * The bucket arithmetic, in one place. KEYS[1]: the bucket (a hash of tokens and the time in ms they
 * were counted at); ARGV[1]: perMinute. Returns 0 when a token was taken, else the whole seconds (at
 * least 1) until one is back. The bucket expires when it would be full again: a missing bucket is a
 * full one, so idle keys leave nothing in Redis.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local perMs = capacity / 60000
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or capacity
local at = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / perMs / 1000))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - tokens) / perMs)))
return wait
`;

/** Name of the script's command on the connection (EVALSHA, loaded again by ioredis after a Redis restart). */
const TAKE_COMMAND = "citedRateLimitTake";

type WithTake = Redis & { [TAKE_COMMAND](bucket: string, perMinute: number): Promise<number> };

/** The Redis key of `key`'s bucket under `prefix` (QUEUE_PREFIX). */
export function rateLimitKey(prefix: string, key: string): string {
  return `${prefix}:rate-limit:${key}`;
}

/** Options of a RedisRateLimiter. */
export interface RedisRateLimiterOptions {
  /** Prefix of the bucket keys (QUEUE_PREFIX): processes with the same prefix share each key's budget. */
  prefix: string;
  /** Requests a key may make per minute (RATE_LIMIT_PER_MINUTE); 0 turns limiting off. */
  perMinute: number;
  /** Where an unreachable Redis is reported. */
  log: Logger;
}

/**
 * The token buckets in Redis, shared by every process on the same Redis and prefix. While Redis cannot
 * be reached, requests are let through (fail open): a rate limit must not turn an outage of Redis into
 * errors on every route. A warning is logged when that starts and a line when limits are back.
 */
export class RedisRateLimiter implements RateLimiter {
  /** Requests a key may make per minute (also the burst). */
  readonly perMinute: number;
  private readonly redis: WithTake;
  private failing = false;

  constructor(
    redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {
    this.perMinute = options.perMinute;
    if (!(TAKE_COMMAND in redis)) redis.defineCommand(TAKE_COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.redis = redis as WithTake;
  }

  /** Take a token for `key`: null when allowed (or Redis is unreachable), else the seconds to wait. */
  async take(key: string): Promise<number | null> {
    if (this.perMinute <= 0) return null;
    try {
      const wait = await this.redis[TAKE_COMMAND](rateLimitKey(this.options.prefix, key), this.perMinute);
      this.reachable();
      return wait > 0 ? wait : null;
    } catch (error) {
      this.unreachable(error);
      return null;
    }
  }

  private unreachable(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.options.log.warn(
      { err: error },
      "rate limits are off until Redis answers again: requests are let through (RATE_LIMIT_PER_MINUTE)",
    );
  }

  private reachable(): void {
    if (!this.failing) return;
    this.failing = false;
    this.options.log.info("Redis answers again: rate limits are back on");
  }
}
