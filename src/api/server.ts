// The API process: its parts from the composition root (src/usecases/services.ts), its routes, HTTP.
import type { Server } from "node:http";
import { join } from "node:path";
import { Router } from "express";
import { buildOpenApiDocument } from "../../schemas/openapi.js";
import type { KeyStore } from "../access/keys.js";
import { auditKey } from "../config/audit-key.js";
import type { Config } from "../config/index.js";
import type { Logger } from "../lib/logger.js";
import { CellExtractor } from "../review/extractor.js";
import { ChatService } from "../usecases/chat/service.js";
import { auditLogOf, keyStoreOf, openServices } from "../usecases/services.js";
import { SourceService } from "../usecases/sync/sources.js";
import { provisionedChatModels } from "../usecases/tenants/settings.js";
import { createApp } from "./app.js";
import { auditRecorder, refusalRecorder } from "./audit.js";
import { authenticator } from "./auth.js";
import { RedisRateLimiter } from "./rate-limit.js";
import { answerRoutes } from "./routes/answers.js";
import { chatRoutes } from "./routes/chat.js";
import { documentRoutes } from "./routes/documents.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { keyRoutes } from "./routes/keys.js";
import { mcpRoutes } from "./routes/mcp.js";
import { metricsRoutes } from "./routes/metrics.js";
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

/** The API's parts, opened in the order the process has always loaded them: models first, then Redis. */
async function openApiServices(config: Config, log: Logger) {
  const services = openServices(config, { log });
  const store = await services.store();
  const [documents, retriever] = [await services.documents(), await services.retriever()];
  const { answerer, generator } = await services.answering();
  const { settings, tenants } = await services.tenantAnswering();
  const queues = {
    ingest: services.ingestQueue(),
    syncs: services.syncQueue(),
    webhooks: services.webhookQueue(),
    reviews: services.reviewQueue(),
  };
  const embedder = await services.embedder();
  services.exposeMetrics();
  const answering = { documents, retriever, answerer, generator, settings, tenants };
  return { services, store, embedder, queues, answering, intake: await services.intake() };
}

type ApiServices = Awaited<ReturnType<typeof openApiServices>>;

/** Where a folder may be registered from the API. */
function sourceRoots(config: Config): Config["SOURCE_ROOTS"] | null {
  // API callers register only under SOURCE_ROOTS; in open mode the one user is the operator.
  return config.SOURCE_ROOTS.length > 0 ? config.SOURCE_ROOTS : config.OPEN_MODE ? null : [];
}

/** /openapi.json, built once. */
function docsRoutes(version: string): Router {
  const openapi = buildOpenApiDocument(version);
  const router = Router();
  router.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  return router;
}

/** The routes anyone may call: health, the API description and the UI. */
function publicRoutes(parts: ApiServices, version: string): Router[] {
  const { queues, store, embedder, answering } = parts;
  return [
    healthRoutes({
      redis: () => queues.ingest.ping(),
      store: async () => (await store.documents.countRows()) >= 0,
      models: async () => embedder.dimensions > 0 && answering.answerer.modelId.length > 0,
    }),
    docsRoutes(version),
    uiRoutes(),
  ];
}

/** /v1/documents, with the upload limits and folders of the configuration. */
function uploadAndDocumentRoutes(
  config: Config,
  parts: ApiServices,
  audit: ReturnType<typeof auditRecorder>,
): Router {
  return documentRoutes({
    documents: parts.answering.documents,
    intake: parts.intake,
    uploadDir: join(config.DATA_DIR, "uploads"),
    originals: parts.services.originals(),
    maxBytes: config.UPLOAD_MAX_BYTES,
    maxRequestBytes: config.UPLOAD_MAX_REQUEST_BYTES,
    maxFiles: config.UPLOAD_MAX_FILES,
    audit,
  });
}

/** The routes behind the keys, each recording its reads and changes in the audit trail. */
async function keyedRoutes(
  config: Config,
  parts: ApiServices,
  keys: KeyStore,
  audit: ReturnType<typeof auditRecorder>,
  version: string,
): Promise<Router[]> {
  const { services, queues } = parts;
  const { documents, retriever, answerer, generator, settings, tenants } = parts.answering;
  const sources = new SourceService({
    sources: await services.sources(),
    documents,
    syncs: queues.syncs,
    dataDir: config.DATA_DIR,
    roots: sourceRoots(config),
  });
  return [
    uploadAndDocumentRoutes(config, parts, audit),
    jobRoutes(queues.ingest),
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
      registry: services.webhookRegistry(),
      queue: queues.webhooks,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      audit,
    }),
    reviewRoutes({
      reviews: await services.reviews(),
      documents,
      queue: queues.reviews,
      // Summaries are chosen and verified without a model: the API keeps its models for answers.
      summaries: new CellExtractor(retriever, documents, null, null),
    }),
    metricsRoutes(),
  ];
}

/** The Express app over the API's parts. */
async function buildApp(config: Config, log: Logger, parts: ApiServices, version: string) {
  const keys = keyStoreOf(config, log);
  await keys.open();
  // Audit trail: every answer, search, document read, upload, deletion, source and key change, and
  // every refusal on the document routes (src/access/audit.ts), anchored by a key outside DATA_DIR.
  const auditLog = auditLogOf(config);
  return createApp({
    log,
    publicRoutes: publicRoutes(parts, version),
    authenticate: authenticator({ openMode: config.OPEN_MODE, keys }),
    // One budget per key across every API process on this Redis and QUEUE_PREFIX.
    rateLimit: new RedisRateLimiter(parts.queues.ingest.connection, {
      prefix: config.QUEUE_PREFIX,
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      log,
    }),
    openMode: config.OPEN_MODE,
    auditRefusal: refusalRecorder(auditLog, log),
    routes: await keyedRoutes(config, parts, keys, auditRecorder(auditLog, log), version),
  });
}

/** Listen on HOST:PORT, with limits that keep slow clients from holding connections. */
async function listen(
  config: Config,
  app: ReturnType<typeof createApp>,
): Promise<{ server: Server; url: string }> {
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
  return { server, url };
}

export async function startApi(config: Config, log: Logger, version = "0.1.0"): Promise<RunningApi> {
  checkOpenMode(config);
  auditKey(config); // no key, no start: before the models are loaded
  const parts = await openApiServices(config, log);
  const { server, url } = await listen(config, await buildApp(config, log, parts, version));
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
      // The queues, then the store, then the models.
      await parts.services.close();
    },
  };
}
