import { Redis } from "ioredis";

/**
 * A Redis connection for BullMQ. Workers need `maxRetriesPerRequest: null` (blocking commands);
 * producers fail fast instead so that an API request never hangs on a dead Redis.
 */
export function redisConnection(url: string, role: "worker" | "producer"): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 2,
    enableOfflineQueue: role === "worker",
    connectTimeout: 5000,
    lazyConnect: false,
  });
}
