// Worker process: ingests files from the queue and runs store maintenance. Start one per machine
// (or several, on hosts that share Redis and DATA_DIR): `npm run worker`.
import { join } from "node:path";
import { ocrLanguagesProblem } from "../ingestion/readers/ocr.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { createLogger } from "../src/lib/logger.js";
import { createEmbedder, createGenerator, createJudge, disposeRuntime } from "../src/models/index.js";
import { redisConnection } from "../src/queue/connection.js";
import { IngestQueue } from "../src/queue/ingest-queue.js";
import { ReviewQueue } from "../src/queue/review-queue.js";
import { SyncQueue } from "../src/queue/sync-queue.js";
import { WebhookQueue } from "../src/queue/webhook-queue.js";
import { HybridRetriever } from "../src/retrieval/hybrid.js";
import { CellExtractor } from "../src/review/extractor.js";
import { DocumentRepository } from "../src/store/documents.js";
import { openStore } from "../src/store/index.js";
import { ReviewRepository } from "../src/store/reviews.js";
import { SourceRepository } from "../src/store/sources.js";
import { Intake } from "../src/usecases/intake.js";
import { documentEventData, WebhookEmitter } from "../src/usecases/webhooks/events.js";
import { WebhookRegistry } from "../src/usecases/webhooks/registry.js";
import { createIngestWorker } from "./ingest.js";
import { createMaintenanceWorker } from "./maintenance.js";
import { createReviewWorker } from "./review.js";
import { ingestSettings } from "./settings.js";
import { createSyncWorker } from "./sync.js";
import { createWebhookWorker } from "./webhooks.js";

const config = loadConfigOrExit();
const log = createLogger("cited-worker", config.LOG_LEVEL);

/** Longest a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 60_000;

try {
  // Said at start-up, not only when the first scan arrives; each scanned page then says it too.
  const ocrProblem = await ocrLanguagesProblem(config.OCR_LANGUAGES).catch(() => null);
  if (ocrProblem) log.warn(`scanned pages cannot be read: ${ocrProblem}`);
  const embedder = await createEmbedder(config);
  const store = await openStore(config.DATA_DIR, embedder.dimensions, config.EMBED_MODEL);
  const connection = redisConnection(config.REDIS_URL, "worker");
  const producer = IngestQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX);
  const deps = ingestSettings(config, new DocumentRepository(store), embedder);
  // Waits for Redis rather than failing: a planning job survives a Redis restart where it can.
  const syncs = SyncQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX, "worker");
  // Attachments are stored where the API keeps uploads.
  const intake = new Intake(deps.documents, producer, join(config.DATA_DIR, "files"));
  const hooks = new WebhookRegistry(join(config.DATA_DIR, "webhooks.json"));
  const webhookQueue = WebhookQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX, "worker");
  const webhooks = new WebhookEmitter(hooks, webhookQueue, {
    attempts: config.WEBHOOK_MAX_ATTEMPTS,
    backoffMs: config.WEBHOOK_BACKOFF_MS,
  });
  const sources = new SourceRepository(store);
  const ingest = createIngestWorker({
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    deps,
    log,
    afterIndexed: () => producer.requestMaintenance(),
    intake,
    maxAttachmentDepth: config.MAX_ATTACHMENT_DEPTH,
    onSettled: async (data, outcome) => {
      if (data.sync_id) await syncs.settle(data.sync_id, data.document_id, outcome);
      const row = outcome === "skipped" ? null : await deps.documents.getForWorker(data.document_id);
      if (row) {
        const event = outcome === "done" ? "document.ready" : "document.failed";
        await webhooks.emit(data.tenant, event, documentEventData(row));
      }
    },
    keepTextOfFailedVersions: config.KEEP_TEXT_OF_FAILED_VERSIONS,
  });
  const sync = createSyncWorker({
    connection: connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    lockDurationMs: config.WORKER_LOCK_MS,
    log,
    deps: {
      documents: deps.documents,
      sources,
      intake,
      syncs,
      ingestJobState: async (jobId) => (await producer.get(jobId))?.state ?? null,
      maxBytes: config.UPLOAD_MAX_BYTES,
      dataDir: config.DATA_DIR,
      roots: config.SOURCE_ROOTS,
      maxDeleteRatio: config.SYNC_MAX_DELETE_RATIO,
      keepTextOfFailedVersions: config.KEEP_TEXT_OF_FAILED_VERSIONS,
      log,
    },
    onFinished: async (sourceId, syncId, state, error) => {
      const source = await sources.getForWorker(sourceId);
      if (source)
        await webhooks.emit(source.tenant, "sync.finished", {
          source_id: sourceId,
          sync_id: syncId,
          state,
          error,
        });
    },
  });
  const webhookWorker = createWebhookWorker({
    connection: connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    deps: {
      registry: hooks,
      queue: webhookQueue,
      disableAfter: config.WEBHOOK_DISABLE_AFTER,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    },
    log,
  });
  webhookWorker.on("error", (err) => log.error({ err }, "webhook worker error"));
  const reviewQueue = ReviewQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX, "worker");
  const review = createReviewWorker({
    connection: connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    lockDurationMs: config.WORKER_LOCK_MS,
    log,
    deps: { reviews: new ReviewRepository(store), documents: deps.documents, queue: reviewQueue },
    onFinished: async ({ tenant, ...data }) => {
      await webhooks.emit(tenant, "review.finished", data);
    },
    extractor: async () =>
      new CellExtractor(
        new HybridRetriever(store, embedder),
        deps.documents,
        await createJudge(config),
        await createGenerator(config),
      ),
  });
  const maintenance = createMaintenanceWorker(connection.duplicate(), config.QUEUE_PREFIX, store, log);
  ingest.on("error", (err) => log.error({ err }, "ingest worker error"));
  maintenance.on("error", (err) => log.error({ err }, "maintenance worker error"));
  sync.on("error", (err) => log.error({ err }, "sync worker error"));
  review.on("error", (err) => log.error({ err }, "review worker error"));
  log.info(
    { concurrency: config.WORKER_CONCURRENCY, embed: config.EMBED_MODEL, data: config.DATA_DIR },
    "worker ready",
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "stopping now: the files in progress will be retried by the next worker");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "stopping: finishing the files in progress (signal again to stop at once)");
    // Closing waits on Redis; if it is gone, do not hang forever: jobs are idempotent and retried.
    setTimeout(() => {
      log.warn(
        "stopping took over a minute (is Redis reachable?): exiting; unfinished files will be retried",
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await ingest.close();
    await sync.close();
    await review.close();
    await reviewQueue.close();
    await maintenance.close();
    await webhookWorker.close();
    await webhookQueue.close();
    await syncs.close();
    await producer.close();
    connection.disconnect();
    store.close();
    await disposeRuntime();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
} catch (error) {
  log.fatal({ err: error }, (error as Error).message);
  process.stderr.write(`cited worker: ${(error as Error).message}\n`);
  process.exit(1);
}
