// The API process: load the models once, open the store and the queue, serve HTTP.
import type { Server } from "node:http";
import { join } from "node:path";
import { Router } from "express";
import { buildOpenApiDocument } from "../../schemas/openapi.js";
import { AuditLog } from "../access/audit.js";
import { KeyStore } from "../access/keys.js";
import { auditKey } from "../config/audit-key.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../lib/logger.js";
import { createEmbedder, disposeRuntime } from "../models/index.js";
import { IngestQueue } from "../queue/ingest-queue.js";
import { ReviewQueue } from "../queue/review-queue.js";
import { SyncQueue } from "../queue/sync-queue.js";
import { WebhookQueue } from "../queue/webhook-queue.js";
import { CellExtractor } from "../review/extractor.js";
import { openStore } from "../store/index.js";
import { ReviewRepository } from "../store/reviews.js";
import { SourceRepository } from "../store/sources.js";
import { ChatService } from "../usecases/chat/service.js";
import { Intake } from "../usecases/intake.js";
import { SourceService } from "../usecases/sync/sources.js";
import { createTenantAnswering } from "../usecases/tenants/answerers.js";
import { provisionedChatModels } from "../usecases/tenants/settings.js";
import { WebhookRegistry } from "../usecases/webhooks/registry.js";
import { createApp } from "./app.js";
import { auditRecorder, refusalRecorder } from "./audit.js";
import { authenticator } from "./auth.js";
import { RateLimiter } from "./rate-limit.js";
import { answerRoutes } from "./routes/answers.js";
import { chatRoutes } from "./routes/chat.js";
import { documentRoutes } from "./routes/documents.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { keyRoutes } from "./routes/keys.js";
import { mcpRoutes } from "./routes/mcp.js";
import { reviewRoutes } from "./routes/reviews.js";
import { sourceRoutes } from "./routes/sources.js";
import { tenantRoutes } from "./routes/tenant.js";
import { uiRoutes } from "./routes/ui.js";
import { webhookRoutes } from "./routes/webhooks.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Refuse open mode beyond loopback; the message says how to fix it. */
export function checkOpenMode(config: Config): void {
  if (config.OPEN_MODE && !LOOPBACK.has(config.HOST)) {
    throw new Error(
      `OPEN_MODE=true is refused while HOST=${config.HOST}: open mode has no keys, so it only listens on this machine; set HOST=127.0.0.1, or turn OPEN_MODE off and create API keys`,
    );
  }
}

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApi(config: Config, log: Logger, version = "0.1.0"): Promise<RunningApi> {
  checkOpenMode(config);
  auditKey(config); // no key, no start: before the models are loaded
  const embedder = await createEmbedder(config);
  const store = await openStore(config.DATA_DIR, embedder.dimensions, config.EMBED_MODEL);
  const { documents, retriever, answerer, generator, settings, tenants } = await createTenantAnswering(
    config,
    store,
    embedder,
  );
  const queue = IngestQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX);
  const syncs = SyncQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX);
  const webhookQueue = WebhookQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX);
  const reviewQueue = ReviewQueue.connect(config.REDIS_URL, config.QUEUE_PREFIX);
  const sources = new SourceService({
    sources: new SourceRepository(store),
    documents,
    syncs,
    dataDir: config.DATA_DIR,
    // API callers register only under SOURCE_ROOTS; in open mode the one user is the operator.
    roots: config.SOURCE_ROOTS.length > 0 ? config.SOURCE_ROOTS : config.OPEN_MODE ? null : [],
  });
  const keys = new KeyStore(join(config.DATA_DIR, "keys.json"));
  const filesDir = join(config.DATA_DIR, "files");
  // Audit trail: every answer, search, document read, upload, deletion, source and key change, and
  // every refusal on the document routes (src/access/audit.ts), anchored by a key outside DATA_DIR.
  const auditLog = new AuditLog(join(config.DATA_DIR, "audit.log"), auditKey(config));
  const audit = auditRecorder(auditLog, log);
  const openapi = buildOpenApiDocument(version);
  const docsRouter = Router();
  docsRouter.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });

  const app = createApp({
    log,
    publicRoutes: [
      healthRoutes({
        redis: () => queue.ping(),
        store: async () => (await store.documents.countRows()) >= 0,
        models: async () => embedder.dimensions > 0 && answerer.modelId.length > 0,
      }),
      docsRouter,
      uiRoutes(),
    ],
    authenticate: authenticator({ openMode: config.OPEN_MODE, keys }),
    rateLimit: new RateLimiter(config.RATE_LIMIT_PER_MINUTE),
    openMode: config.OPEN_MODE,
    auditRefusal: refusalRecorder(auditLog, log),
    routes: [
      documentRoutes({
        documents,
        intake: new Intake(documents, queue, filesDir),
        uploadDir: join(config.DATA_DIR, "uploads"),
        filesDir,
        maxBytes: config.UPLOAD_MAX_BYTES,
        maxRequestBytes: config.UPLOAD_MAX_REQUEST_BYTES,
        maxFiles: config.UPLOAD_MAX_FILES,
        audit,
      }),
      jobRoutes(queue),
      answerRoutes(
        retriever,
        answerer,
        (req, res, info) => audit(req, res, req.path === "/v1/search" ? "search" : "ask", info),
        tenants,
      ),
      chatRoutes(new ChatService(retriever, answerer, generator, config.ASK_TIMEOUT_MS, tenants), audit),
      mcpRoutes({ retriever, answerer, documents, version, tenants }, audit),
      tenantRoutes({
        settings,
        chatModels: provisionedChatModels(config),
        supportThreshold: config.SUPPORT_THRESHOLD,
        audit,
      }),
      keyRoutes(keys, audit),
      sourceRoutes(sources, audit),
      webhookRoutes({
        registry: new WebhookRegistry(join(config.DATA_DIR, "webhooks.json")),
        queue: webhookQueue,
        allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
        audit,
      }),
      reviewRoutes({
        reviews: new ReviewRepository(store),
        documents,
        queue: reviewQueue,
        // Summaries are chosen and verified without a model: the API keeps its models for answers.
        summaries: new CellExtractor(retriever, documents, null, null),
      }),
    ],
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.on("error", reject);
  });
  // Slow clients cannot hold connections: headers within 20 s, the whole request within the answer
  // time limit plus a margin (uploads included), idle keep-alive connections closed after 5 s.
  server.requestTimeout = config.ASK_TIMEOUT_MS + 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
  if (config.OPEN_MODE) {
    log.warn("OPEN MODE: no API keys are checked; anyone who can reach this port can read every document");
    process.stderr.write(`\n  *** Cited is in OPEN MODE: no API keys. It listens on ${url} only. ***\n\n`);
  }
  log.info({ url, chat: config.CHAT_MODEL, embed: config.EMBED_MODEL }, "API ready");
  return {
    server,
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await queue.close();
      await syncs.close();
      await webhookQueue.close();
      await reviewQueue.close();
      store.close();
      await disposeRuntime();
    },
  };
}
