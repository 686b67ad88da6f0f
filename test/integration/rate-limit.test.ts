// Per-key rate limits on a real Redis: API processes with the same Redis and prefix share each key's
// budget (one token bucket in Redis), the bucket refills at its rate and leaves nothing behind when
// idle, and a Redis that cannot be reached lets requests through with a warning.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { RedisRateLimiter, rateLimitKey } from "../../src/api/rate-limit.js";
import { createLogger } from "../../src/lib/logger.js";
import { redisConnection } from "../../src/queue/connection.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `cited-test-rate-${randomBytes(4).toString("hex")}`;
const log = createLogger("test", "silent");
// Each limiter on its own connection, as each API process has its own (connected, as the API's is
// by the time it listens: a producer connection refuses commands until then).
const connections: Redis[] = [];
const connect = async () => {
  const c = redisConnection(redisUrl, "producer");
  connections.push(c);
  if (c.status !== "ready") await new Promise((resolve) => c.once("ready", resolve));
  return c;
};
const replica = async (perMinute: number, keyPrefix = prefix) =>
  new RedisRateLimiter(await connect(), { prefix: keyPrefix, perMinute, log });
const admin = new Redis(redisUrl);

afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
  for (const c of connections) c.disconnect();
});

describe("per-key rate limits in Redis", () => {
  test("two API processes with the same prefix share one budget per key", async () => {
    const [a, b] = [await replica(5), await replica(5)];
    for (let i = 0; i < 3; i++) expect(await a.take("k1")).toBeNull();
    for (let i = 0; i < 2; i++) expect(await b.take("k1")).toBeNull();
    expect(await a.take("k1")).toBeGreaterThanOrEqual(1);
    expect(await b.take("k1")).toBeGreaterThanOrEqual(1);
    // Another key has its own budget; another prefix (another installation) its own buckets.
    expect(await b.take("k2")).toBeNull();
    expect(await (await replica(5, `${prefix}-other`)).take("k1")).toBeNull();
  });

  test("the token bucket refills at its rate", async () => {
    const limiter = await replica(60);
    const results = await Promise.all(Array.from({ length: 60 }, () => limiter.take("k")));
    expect(results.every((r) => r === null)).toBe(true);
    expect(await limiter.take("k")).toBe(1);
    // A second passes, as Redis counts it: one token is back.
    await admin.hincrby(rateLimitKey(prefix, "k"), "at", -1000);
    expect(await limiter.take("k")).toBeNull();
    expect(await limiter.take("k")).toBe(1);
    expect(await limiter.take("other")).toBeNull();
    expect(await (await replica(0)).take("k")).toBeNull();
  });

  test("an idle bucket expires once it would be full again", async () => {
    await (await replica(5)).take("idle");
    // One token at 5 a minute is back within 12 s; then the bucket is gone from Redis.
    const ttl = await admin.pttl(rateLimitKey(prefix, "idle"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(12_000);
  });

  test("while Redis cannot be reached, requests are let through and one warning is logged", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const down = redisConnection("redis://127.0.0.1:1", "producer");
    down.on("error", () => {});
    connections.push(down);
    const limiter = new RedisRateLimiter(down, { prefix, perMinute: 1, log: pino({ level: "warn" }, sink) });
    for (let i = 0; i < 3; i++) expect(await limiter.take("k")).toBeNull();
    const warnings = lines.filter((l) => l.includes("rate limits are off"));
    expect(warnings).toHaveLength(1);
  });
});
