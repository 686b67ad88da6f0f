// Worker process: ingests files from the queue and runs store maintenance. Start one per machine
// (or several, on hosts that share Redis and DATA_DIR): `npm run worker`. Its parts come from the
// composition root (src/usecases/services.ts); the chat model and the judge load on the first review.
import { ocrLanguagesProblem } from "../ingestion/readers/ocr.js";
import { type Config, loadConfigOrExit } from "../src/config/index.js";
import { createLogger, type Logger } from "../src/lib/logger.js";
import { CellExtractor } from "../src/review/extractor.js";
import { openServices, type Services } from "../src/usecases/services.js";
import { documentEventData, WebhookEmitter } from "../src/usecases/webhooks/events.js";
import { createIngestWorker } from "./ingest.js";
import { createMaintenanceWorker } from "./maintenance.js";
import { startMetricsServer } from "./metrics-server.js";
import { createReviewWorker } from "./review.js";
import { ingestSettings } from "./settings.js";
import { createSyncWorker } from "./sync.js";
import { createWebhookWorker } from "./webhooks.js";

/** Longest a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 60_000;

/** The parts the workers share, opened in order: the embedder and the store, then Redis. */
async function openWorkerParts(services: Services) {
  const config = services.config;
  const embedder = await services.embedder();
  const store = await services.store();
  const connection = services.workerConnection();
  const producer = services.ingestQueue();
  const deps = ingestSettings(config, await services.documents(), embedder, services.originals());
  // Waits for Redis rather than failing: a planning job survives a Redis restart where it can.
  const syncs = services.syncQueue();
  // Attachments are stored where the API keeps uploads.
  const intake = await services.intake();
  const webhookQueue = services.webhookQueue();
  const webhooks = new WebhookEmitter(services.webhookRegistry(), webhookQueue, {
    attempts: config.WEBHOOK_MAX_ATTEMPTS,
    backoffMs: config.WEBHOOK_BACKOFF_MS,
  });
  const sources = await services.sources();
  const originals = services.originals();
  return {
    config,
    store,
    connection,
    producer,
    deps,
    syncs,
    intake,
    webhookQueue,
    webhooks,
    sources,
    originals,
  };
}

type WorkerParts = Awaited<ReturnType<typeof openWorkerParts>>;

/** Files from the ingest queue; each settled file settles its sync and says so to the webhooks. */
function startIngest(parts: WorkerParts, log: Logger) {
  const { config, deps, syncs, producer, webhooks } = parts;
  return createIngestWorker({
    connection: parts.connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    deps,
    log,
    afterIndexed: () => producer.requestMaintenance(),
    intake: parts.intake,
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
}

/** Syncs of registered folders: plan, queue the files, say when it finished. */
function startSync(parts: WorkerParts, log: Logger) {
  const { config, deps, sources, producer, webhooks } = parts;
  return createSyncWorker({
    connection: parts.connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    lockDurationMs: config.WORKER_LOCK_MS,
    log,
    deps: {
      documents: deps.documents,
      sources,
      intake: parts.intake,
      syncs: parts.syncs,
      ingestJobState: async (jobId) => (await producer.get(jobId))?.state ?? null,
      maxBytes: config.UPLOAD_MAX_BYTES,
      dataDir: config.DATA_DIR,
      originals: parts.originals,
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
}

/** Webhook deliveries. */
function startWebhooks(services: Services, parts: WorkerParts, log: Logger) {
  const { config } = parts;
  return createWebhookWorker({
    connection: parts.connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    deps: {
      registry: services.webhookRegistry(),
      queue: parts.webhookQueue,
      disableAfter: config.WEBHOOK_DISABLE_AFTER,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    },
    log,
  });
}

/** Review cells; the judge and the chat model are loaded by the first one, not at start-up. */
async function startReview(services: Services, parts: WorkerParts, log: Logger) {
  const { config, deps } = parts;
  return createReviewWorker({
    connection: parts.connection.duplicate(),
    prefix: config.QUEUE_PREFIX,
    lockDurationMs: config.WORKER_LOCK_MS,
    log,
    deps: { reviews: await services.reviews(), documents: deps.documents, queue: services.reviewQueue() },
    onFinished: async ({ tenant, ...data }) => {
      await parts.webhooks.emit(tenant, "review.finished", data);
    },
    extractor: async () =>
      new CellExtractor(
        await services.retriever(),
        deps.documents,
        await services.judge(),
        await services.generator(),
      ),
  });
}

/**
 * Queue again the uploads whose jobs Redis lost, at start and whenever Redis comes back (it may have
 * restarted empty), and ask again for the maintenance run it may have lost with them: every worker
 * may do it, since a job id is never doubled.
 */
function requeueWhenRedisReturns(parts: WorkerParts, log: Logger): void {
  let timer: NodeJS.Timeout | null = null;
  const look = () => {
    timer = null;
    parts.intake.requeueLost().then(
      (lost) => {
        if (lost.length > 0)
          log.warn(
            { documents: lost.map((d) => d.id) },
            "queued again the uploads whose jobs Redis had lost",
          );
      },
      (err: unknown) => log.warn({ err }, "could not look for uploads whose jobs Redis lost"),
    );
    parts.producer
      .requestMaintenance()
      .catch((err: unknown) => log.warn({ err }, "could not schedule maintenance"));
  };
  const soon = () => {
    timer ??= setTimeout(look, 2_000);
    timer.unref();
  };
  parts.connection.on("ready", soon);
  soon();
}

/** Every worker of the process, started, each logging its own errors. */
async function startWorkers(services: Services, log: Logger) {
  const parts = await openWorkerParts(services);
  const ingest = startIngest(parts, log);
  const sync = startSync(parts, log);
  const webhook = startWebhooks(services, parts, log);
  webhook.on("error", (err) => log.error({ err }, "webhook worker error"));
  const review = await startReview(services, parts, log);
  const maintenance = createMaintenanceWorker(
    parts.connection.duplicate(),
    parts.config.QUEUE_PREFIX,
    parts.store,
    log,
  );
  ingest.on("error", (err) => log.error({ err }, "ingest worker error"));
  maintenance.on("error", (err) => log.error({ err }, "maintenance worker error"));
  sync.on("error", (err) => log.error({ err }, "sync worker error"));
  review.on("error", (err) => log.error({ err }, "review worker error"));
  requeueWhenRedisReturns(parts, log);
  // The order they are closed in: the workers that take new files first.
  return [ingest, sync, review, maintenance, webhook];
}

/**
 * The worker's /metrics and /healthz port (none when WORKER_METRICS_PORT=0), opened before the models
 * load so that a port in use stops the worker at once, before it takes a job.
 */
async function startProbe(services: Services, log: Logger) {
  const config = services.config;
  const server = await startMetricsServer({
    port: config.WORKER_METRICS_PORT,
    host: config.WORKER_METRICS_HOST,
    log,
    checks: {
      redis: () => services.ingestQueue().ping(),
      store: async () => (await (await services.store()).documents.countRows()) >= 0,
    },
  });
  // Queue depths need a Redis connection of their own: only for a process that is scraped.
  if (server) services.exposeMetrics();
  return server;
}

/** On SIGINT or SIGTERM: finish the files in progress, close the workers, then the parts; twice: exit now. */
function stopOnSignals(workers: { close(): Promise<void> }[], services: Services, log: Logger): void {
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
    for (const worker of workers) await worker.close();
    // The queues and Redis, then the store, then the models.
    await services.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

async function main(config: Config, log: Logger): Promise<void> {
  // Said at start-up, not only when the first scan arrives; each scanned page then says it too.
  const ocrProblem = await ocrLanguagesProblem(config.OCR_LANGUAGES).catch(() => null);
  if (ocrProblem) log.warn(`scanned pages cannot be read: ${ocrProblem}`);
  const services = openServices(config, { queueRole: "worker", log });
  const probe = await startProbe(services, log);
  const workers = await startWorkers(services, log);
  log.info(
    { concurrency: config.WORKER_CONCURRENCY, embed: config.EMBED_MODEL, data: config.DATA_DIR },
    "worker ready",
  );
  // The port closes after the workers, so a probe sees the worker until it is gone.
  stopOnSignals(probe ? [...workers, probe] : workers, services, log);
}

const config = loadConfigOrExit();
const log = createLogger("cited-worker", config.LOG_LEVEL);
try {
  await main(config, log);
} catch (error) {
  log.fatal({ err: error }, (error as Error).message);
  process.stderr.write(`cited worker: ${(error as Error).message}\n`);
  process.exit(1);
}
