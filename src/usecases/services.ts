// The composition root: every process (API, worker, CLI commands, evaluation, benchmarks) takes its
// parts from here. Each part is built on first use, so a process loads only the models it asks for,
// and one close() ends what was opened in the reverse order of opening, the models last.
import { join } from "node:path";
import { AuditLog, type AuditTrail } from "../access/audit.js";
import { StoreAuditTrail } from "../access/audit-store.js";
import { KeyStore } from "../access/keys.js";
import { auditKey } from "../config/audit-key.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../lib/logger.js";
import { collectProcessMetrics, watchQueues } from "../lib/metrics.js";
import {
  configureRuntime,
  createEmbedder,
  createGenerator,
  createJudge,
  disposeRuntime,
} from "../models/index.js";
import { redisConnection } from "../queue/connection.js";
import { QueueDepths } from "../queue/depths.js";
import { IngestQueue } from "../queue/ingest-queue.js";
import { ReviewQueue } from "../queue/review-queue.js";
import { SyncQueue } from "../queue/sync-queue.js";
import { WebhookQueue } from "../queue/webhook-queue.js";
import { HybridRetriever } from "../retrieval/hybrid.js";
import { DocumentRepository } from "../store/documents.js";
import { openStore, type Store, storedVectorDimensions, storeLocation } from "../store/index.js";
import { isObjectStore } from "../store/location.js";
import { originalsOf } from "../store/originals.js";
import { ReviewRepository } from "../store/reviews.js";
import { SourceRepository } from "../store/sources.js";
import { createAnswering } from "./answering.js";
import { Intake } from "./intake.js";
import { createTenantAnswering } from "./tenants/answerers.js";
import { WebhookRegistry } from "./webhooks/registry.js";

export interface ServiceOptions {
  /**
   * How the sync, webhook and review queues talk to Redis: "worker" waits for it (a job survives a
   * Redis restart), "producer" (the default) fails fast so an API request never hangs on it.
   */
  queueRole?: "worker" | "producer";
  /** Open an existing store with its own vector size, loading the embedder only for a new store. */
  reuseStoredDimensions?: boolean;
  /** The process's logger: says which llama.cpp backend (LLAMA_GPU) the models run on. */
  log?: Logger;
}

/** A part built once, on first use. */
function lazy<T>(build: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: build() };
    return made.value;
  };
}

/** The parts of one process over one configuration; see openServices. */
export class Services {
  private readonly closers: (() => void | Promise<void>)[] = [];
  private adoptedStore: Store | null = null;

  constructor(
    readonly config: Config,
    private readonly options: ServiceOptions = {},
  ) {
    // Before any model loads: the runtime is one per process and takes its backend from here.
    configureRuntime({ gpu: config.LLAMA_GPU, log: options.log });
  }

  /** Close `part` with the others, before everything opened earlier. */
  private closing<T>(part: T, close: (part: T) => void | Promise<void>): T {
    this.closers.push(() => close(part));
    return part;
  }

  readonly embedder = lazy(() => createEmbedder(this.config));
  readonly generator = lazy(() => createGenerator(this.config));
  readonly judge = lazy(() => createJudge(this.config));

  /**
   * Use a store opened elsewhere (an evaluation store) instead of the configured one (STORE_URI); it is closed
   * with the rest. Before anything asks for the store.
   */
  adoptStore(store: Store): void {
    if (this.adoptedStore) throw new Error("a store was adopted already");
    this.adoptedStore = this.closing(store, (s) => s.close());
  }

  readonly store = lazy(async () => {
    if (this.adoptedStore) return this.adoptedStore;
    const dimensions = await this.vectorDimensions();
    const store = await openStore(storeLocation(this.config), dimensions, this.config.EMBED_MODEL);
    return this.closing(store, (s) => s.close());
  });

  private async vectorDimensions(): Promise<number> {
    const stored = this.options.reuseStoredDimensions
      ? await storedVectorDimensions(storeLocation(this.config))
      : null;
    return stored ?? (await this.embedder()).dimensions;
  }

  readonly documents = lazy(async () => new DocumentRepository(await this.store()));
  readonly sources = lazy(async () => new SourceRepository(await this.store()));
  readonly reviews = lazy(async () => new ReviewRepository(await this.store()));
  readonly retriever = lazy(async () => new HybridRetriever(await this.store(), await this.embedder()));

  /** The process's Answerer: loads the chat model, then the judge. */
  readonly answering = lazy(async () => {
    const [retriever, documents] = [await this.retriever(), await this.documents()];
    const generator = await this.generator();
    return createAnswering(this.config, { retriever, documents, generator, judge: await this.judge() });
  });

  /** Every tenant's Answerer and the tenant settings, over the process's answer path. */
  readonly tenantAnswering = lazy(async () => createTenantAnswering(this.config, await this.answering()));

  private readonly queueRole = () => this.options.queueRole ?? "producer";

  readonly ingestQueue = lazy(() =>
    this.closing(IngestQueue.connect(this.config.REDIS_URL, this.config.QUEUE_PREFIX), (q) => q.close()),
  );
  readonly syncQueue = lazy(() =>
    this.closing(SyncQueue.connect(this.config.REDIS_URL, this.config.QUEUE_PREFIX, this.queueRole()), (q) =>
      q.close(),
    ),
  );
  readonly webhookQueue = lazy(() =>
    this.closing(
      WebhookQueue.connect(this.config.REDIS_URL, this.config.QUEUE_PREFIX, this.queueRole()),
      (q) => q.close(),
    ),
  );
  readonly reviewQueue = lazy(() =>
    this.closing(
      ReviewQueue.connect(this.config.REDIS_URL, this.config.QUEUE_PREFIX, this.queueRole()),
      (q) => q.close(),
    ),
  );
  /** Job counts of every queue, for /metrics (a fail-fast connection of its own). */
  readonly queueDepths = lazy(() =>
    this.closing(QueueDepths.connect(this.config.REDIS_URL, this.config.QUEUE_PREFIX), (q) => q.close()),
  );
  /** The Redis connection BullMQ workers block on (each worker takes a duplicate of it). */
  readonly workerConnection = lazy(() =>
    this.closing(redisConnection(this.config.REDIS_URL, "worker"), (c) => c.disconnect()),
  );

  /** Where uploads and attachments are kept (FILES_URI): a folder, or object storage beside an s3:// store. */
  readonly originals = lazy(() => originalsOf(this.config));
  /** Uploads and attachments enter here. */
  readonly intake = lazy(
    async () => new Intake(await this.documents(), this.ingestQueue(), this.originals()),
  );
  readonly webhookRegistry = lazy(
    () => new WebhookRegistry(storeLocation(this.config), { dataDir: this.config.DATA_DIR }),
  );

  /** This process's /metrics: its own figures (RSS, CPU), and every queue's depth read at each scrape. */
  exposeMetrics(): void {
    collectProcessMetrics();
    const depths = this.queueDepths();
    watchQueues(() => depths.counts());
  }

  /** Close what was opened, last opened first, then unload the models and the llama.cpp runtime. */
  async close(): Promise<void> {
    for (let close = this.closers.pop(); close; close = this.closers.pop()) await close();
    await disposeRuntime();
  }
}

/** The parts of a process over `config`; nothing is opened until asked for. */
export function openServices(config: Config, options: ServiceOptions = {}): Services {
  return new Services(config, options);
}

/** The API keys of this configuration (a table in the store); the caller closes it. */
export function keyStoreOf(config: Config, log?: Logger): KeyStore {
  return new KeyStore(config.DATA_DIR, { log, store: storeLocation(config) });
}

/**
 * The audit trail of this configuration, signed with `key` (the configured audit key by default):
 * DATA_DIR/audit.log, or the store's audit tables when the store is on object storage.
 */
export function auditLogOf(config: Config, key: Buffer = auditKey(config)): AuditTrail {
  const store = storeLocation(config);
  if (isObjectStore(store)) return new StoreAuditTrail(store, key);
  return new AuditLog(join(config.DATA_DIR, "audit.log"), key);
}
