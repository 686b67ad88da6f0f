import { FlowProducer, type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { IngestJobData } from "../../schemas/jobs.js";
import type { SyncCounts, SyncJobData, SyncState } from "../../schemas/sources.js";
import { redisConnection } from "./connection.js";
import { INGEST_JOB_OPTIONS, QUEUES } from "./ingest-queue.js";
import { JOB_RETENTION } from "./retention.js";

/** Planning walks a folder; a crash or a Redis hiccup retries it (planning is idempotent). */
const PLAN_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5000 },
  ...JOB_RETENTION,
};
const FINISH_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2000 },
  ...JOB_RETENTION,
};
/** Live counts of a finished sync stay this long (the source row keeps the final ones for good). */
const FINISHED_TTL_S = 7 * 24 * 3600;
const PENDING_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

export const planJobId = (syncId: string) => `plan-${syncId}`;
export const finishJobId = (syncId: string) => `finish-${syncId}`;

/** How a file queued by a sync ended, as the ingest worker reports it. */
export type SyncOutcome = "done" | "failed" | "skipped";

/** What the planner found, before any file is ingested. */
export interface PlannedCounts {
  discovered: number;
  /** Files sent to the ingest queue. */
  queued: number;
  /** Files settled by the planner itself (renamed without reading them again). */
  done: number;
  skipped: number;
  failed: number;
}

/** A sync as Redis sees it while it runs. */
export interface LiveSync {
  state: SyncState;
  counts: SyncCounts;
}

/** Compare-and-set of the one running sync of a source: set to ARGV[2] if the key holds ARGV[1] ("" = unset). */
const CLAIM = `local cur = redis.call("GET", KEYS[1])
if (cur == false and ARGV[1] == "") or cur == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

/**
 * The sync side of Redis: the queue of planning and finishing jobs, the flow that ties a sync's
 * ingest jobs to its finishing job, the "one sync per source" claim, and live counts. Redis holds
 * nothing that cannot be lost: a sync whose state is gone is reported as interrupted and the next
 * sync finds and queues again whatever it left undone.
 */
export class SyncQueue {
  readonly queue: Queue<SyncJobData>;
  private flows: FlowProducer | null = null;

  constructor(
    private readonly connection: Redis,
    /** Redis key prefix (QUEUE_PREFIX). */
    readonly prefix: string,
  ) {
    this.queue = new Queue<SyncJobData>(QUEUES.sync, { connection, prefix });
  }

  /** A producer (fails fast when Redis is down: for the API) or a worker connection (waits for Redis). */
  static connect(redisUrl: string, prefix: string, role: "worker" | "producer" = "producer"): SyncQueue {
    return new SyncQueue(redisConnection(redisUrl, role), prefix);
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(":");
  }
  private activeKey = (sourceId: string) => this.key("source", sourceId, "active");
  private syncKey = (syncId: string, part?: SyncOutcome) =>
    part ? this.key("sync", syncId, part) : this.key("sync", syncId);

  /** The sync that holds a source, if any (it may be a dead one: see isAlive). */
  async activeSync(sourceId: string): Promise<string | null> {
    return this.connection.get(this.activeKey(sourceId));
  }

  /** Make `syncId` the source's running sync if the claim still holds `expected` (null: nobody). */
  async claim(sourceId: string, syncId: string, expected: string | null): Promise<boolean> {
    const ok = await this.connection.eval(CLAIM, 1, this.activeKey(sourceId), expected ?? "", syncId);
    return ok === 1;
  }

  /** Give up the source's claim if `syncId` still holds it. */
  async release(sourceId: string, syncId: string): Promise<void> {
    await this.connection.eval(RELEASE, 1, this.activeKey(sourceId), syncId);
  }

  /** Whether a sync still has a job that will move it on (its planning job, or its finishing job). */
  async isAlive(syncId: string): Promise<boolean> {
    for (const id of [planJobId(syncId), finishJobId(syncId)]) {
      const job = await this.queue.getJob(id);
      if (job && PENDING_STATES.has(await job.getState())) return true;
    }
    return false;
  }

  /** Queue the planning job of a sync (once per sync id). */
  async enqueuePlan(data: SyncJobData): Promise<void> {
    await this.queue.add("plan-sync", data, { ...PLAN_JOB_OPTIONS, jobId: planJobId(data.sync_id) });
  }

  /** Whether the sync's flow was added already (its finishing job exists). */
  async flowAdded(syncId: string): Promise<boolean> {
    return (await this.queue.getJob(finishJobId(syncId))) !== undefined;
  }

  /**
   * Add the sync's one flow, atomically: the finishing job as the parent, one ingest job per file as
   * its children. A child that fails for good does not block the parent (ignoreDependencyOnFailure).
   */
  async addFlow(
    data: SyncJobData,
    children: readonly { jobId: string; data: IngestJobData }[],
  ): Promise<void> {
    this.flows ??= new FlowProducer({ connection: this.connection, prefix: this.prefix });
    await this.flows.add({
      name: "finish-sync",
      queueName: QUEUES.sync,
      data,
      opts: { ...FINISH_JOB_OPTIONS, jobId: finishJobId(data.sync_id) },
      children: children.map((c) => ({
        name: "ingest-file",
        queueName: QUEUES.ingest,
        data: c.data,
        opts: { ...INGEST_JOB_OPTIONS, jobId: c.jobId, ignoreDependencyOnFailure: true },
      })),
    });
  }

  /** Start the live record of a sync. */
  async begin(syncId: string): Promise<void> {
    await this.connection.hset(this.syncKey(syncId), { state: "queued", discovered: 0 });
  }

  async setState(syncId: string, state: SyncState): Promise<void> {
    await this.connection.hset(this.syncKey(syncId), { state });
  }

  /** Files found so far by the walk (live progress while planning). */
  async setDiscovered(syncId: string, discovered: number): Promise<void> {
    await this.connection.hset(this.syncKey(syncId), { discovered });
  }

  /** What planning decided (absolute numbers, so a planning run that is retried counts once). */
  async setPlanned(syncId: string, planned: PlannedCounts): Promise<void> {
    await this.connection.hset(this.syncKey(syncId), {
      state: "running",
      discovered: planned.discovered,
      planned_queued: planned.queued,
      planned_done: planned.done,
      planned_skipped: planned.skipped,
      planned_failed: planned.failed,
    });
  }

  /** Record how one queued file ended. Sets of document ids, so a job that runs twice counts once. */
  async settle(syncId: string, documentId: string, outcome: SyncOutcome): Promise<void> {
    const multi = this.connection.multi();
    for (const o of ["done", "failed", "skipped"] as const) {
      if (o === outcome) multi.sadd(this.syncKey(syncId, o), documentId);
      else multi.srem(this.syncKey(syncId, o), documentId);
    }
    await multi.exec();
  }

  /** Live state and counts, or null when Redis knows nothing of the sync (finished long ago, or Redis lost it). */
  async live(syncId: string): Promise<LiveSync | null> {
    const [hash, done, failed, skipped] = await Promise.all([
      this.connection.hgetall(this.syncKey(syncId)),
      this.connection.scard(this.syncKey(syncId, "done")),
      this.connection.scard(this.syncKey(syncId, "failed")),
      this.connection.scard(this.syncKey(syncId, "skipped")),
    ]);
    if (!hash.state) return null;
    const n = (field: string) => Number(hash[field] ?? 0) || 0;
    return {
      state: hash.state as SyncState,
      counts: {
        discovered: n("discovered"),
        queued: Math.max(0, n("planned_queued") - done - failed - skipped),
        done: n("planned_done") + done,
        skipped: n("planned_skipped") + skipped,
        failed: n("planned_failed") + failed,
      },
    };
  }

  /** Mark the live record finished and let it expire. */
  async finish(syncId: string, state: SyncState): Promise<void> {
    const multi = this.connection.multi().hset(this.syncKey(syncId), { state });
    for (const key of [
      this.syncKey(syncId),
      this.syncKey(syncId, "done"),
      this.syncKey(syncId, "failed"),
      this.syncKey(syncId, "skipped"),
    ])
      multi.expire(key, FINISHED_TTL_S);
    await multi.exec();
  }

  async close(): Promise<void> {
    await this.flows?.close();
    await this.queue.close();
    this.connection.disconnect();
  }
}
