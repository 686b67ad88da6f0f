// Store maintenance requests on a real Redis and BullMQ: requests collapse while a run waits, and a
// request made while a run is under way books another run (else the last file indexed during a run
// would stay out of the full-text index until some later upload).
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { IngestQueue, QUEUES } from "../../src/queue/ingest-queue.js";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `cited-test-maint-${randomBytes(4).toString("hex")}`;
let queue: IngestQueue;
let worker: Worker | undefined;
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });

beforeAll(() => {
  queue = IngestQueue.connect(redisUrl, prefix);
});

afterAll(async () => {
  await worker?.close();
  await queue.close();
  const keys = await connection.keys(`${prefix}:*`);
  if (keys.length > 0) await connection.del(...keys);
  connection.disconnect();
  workerConnection.disconnect();
});

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test("requests made while a run waits collapse into one; a request during a run books the next", async () => {
  await queue.requestMaintenance(60_000);
  await queue.requestMaintenance(60_000);
  const maintenance = new Queue(QUEUES.maintenance, { connection, prefix });
  const counts = await maintenance.getJobCounts("delayed", "waiting");
  expect((counts.delayed ?? 0) + (counts.waiting ?? 0)).toBe(1);
  await maintenance.obliterate({ force: true });
  await maintenance.close();

  const firstStarted = signal();
  const releaseFirst = signal();
  const secondRan = signal();
  let runs = 0;
  worker = new Worker(
    QUEUES.maintenance,
    async () => {
      runs += 1;
      if (runs === 1) {
        firstStarted.resolve();
        await releaseFirst.promise;
      } else secondRan.resolve();
    },
    { connection: workerConnection, prefix, concurrency: 1 },
  );
  await queue.requestMaintenance(0);
  await firstStarted.promise;
  // The run under way may already have read the store: this request must not be swallowed by it.
  await queue.requestMaintenance(0);
  releaseFirst.resolve();
  await secondRan.promise;
  expect(runs).toBe(2);
}, 60_000);

test("runs are one at a time across workers: a request during a run waits for it, and later ones join it", async () => {
  await worker?.close();
  worker = undefined;
  const maintenance = new Queue(QUEUES.maintenance, { connection, prefix });
  await maintenance.obliterate({ force: true });
  const firstStarted = signal();
  const releaseFirst = signal();
  const secondRan = signal();
  let running = 0;
  let mostAtOnce = 0;
  let runs = 0;
  const run = async () => {
    running += 1;
    runs += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    if (runs === 1) {
      firstStarted.resolve();
      await releaseFirst.promise;
    } else secondRan.resolve();
    running -= 1;
  };
  // Two worker processes' maintenance workers, each of concurrency 1.
  const connections = [0, 1].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const workers = connections.map(
    (c) => new Worker(QUEUES.maintenance, run, { connection: c, prefix, concurrency: 1 }),
  );
  try {
    await queue.requestMaintenance(0);
    await firstStarted.promise;
    await queue.requestMaintenance(0);
    await queue.requestMaintenance(0);
    // The booked run waits while the first runs, though the other worker is idle.
    const booked = await maintenance.getJob("optimize-next");
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      expect(await booked?.getState()).toBe("waiting");
    }
    releaseFirst.resolve();
    await secondRan.promise;
    await new Promise((r) => setTimeout(r, 300));
    expect({ runs, mostAtOnce }).toEqual({ runs: 2, mostAtOnce: 1 });
  } finally {
    releaseFirst.resolve();
    for (const w of workers) await w.close();
    for (const c of connections) c.disconnect();
    await maintenance.close();
  }
}, 60_000);
