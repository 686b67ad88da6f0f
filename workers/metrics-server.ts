// A worker's own small HTTP port (WORKER_METRICS_PORT): GET /metrics for Prometheus and GET /healthz
// (Redis answers PING and the store answers), so each worker on a host can be scraped and probed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { WorkerHealth } from "../schemas/api.js";
import type { Logger } from "../src/lib/logger.js";
import { METRICS_CONTENT_TYPE, metricsText } from "../src/lib/metrics.js";

/** Longest one health check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 5_000;

/** The parts /healthz asks; each resolves true when it works. */
export interface WorkerChecks {
  redis: () => Promise<boolean>;
  store: () => Promise<boolean>;
}

/** Where the port listens and what it answers with. */
export interface MetricsServerOptions {
  /** WORKER_METRICS_PORT (0: no server). */
  port: number;
  /** WORKER_METRICS_HOST. */
  host: string;
  checks: WorkerChecks;
  log: Logger;
}

/** The listening server, closed with the workers. */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** A check's answer within CHECK_TIMEOUT_MS; an error or a hang is a failure. */
function settle(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check().catch(() => false), late]).finally(() => clearTimeout(timer));
}

/** Redis and the store, asked at once: 200 when both answer, else 503 naming the one that failed. */
async function health(checks: WorkerChecks): Promise<{ status: number; body: WorkerHealth }> {
  const [redis, store] = await Promise.all([settle(checks.redis), settle(checks.store)]);
  const ok = redis && store;
  return { status: ok ? 200 : 503, body: { status: ok ? "ok" : "unhealthy", checks: { redis, store } } };
}

/** One request: /metrics, /healthz, or 404. */
async function answer(options: MetricsServerOptions, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
  } else if (path === "/metrics") {
    res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(await metricsText());
  } else if (path === "/healthz") {
    const { status, body } = await health(options.checks);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  } else {
    res
      .writeHead(404, { "content-type": "text/plain" })
      .end("this port answers GET /metrics and GET /healthz\n");
  }
}

/** Why the port could not be opened, in words that name the setting to change. */
function listenError(options: MetricsServerOptions, error: NodeJS.ErrnoException): Error {
  const where = `WORKER_METRICS_PORT=${options.port} on WORKER_METRICS_HOST=${options.host}`;
  if (error.code === "EADDRINUSE")
    return new Error(
      `${where} is already in use (another worker on this host?): give each worker its own WORKER_METRICS_PORT, e.g. ${options.port + 1}, or 0 for none`,
    );
  return new Error(
    `cannot listen on ${where} (${error.code ?? error.message}): choose another WORKER_METRICS_PORT or WORKER_METRICS_HOST, or set WORKER_METRICS_PORT=0`,
  );
}

/** Listen on WORKER_METRICS_HOST:WORKER_METRICS_PORT; null when the port is 0. Rejects with a clear message. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer | null> {
  if (options.port === 0) return null;
  const server: Server = createServer((req, res) => {
    answer(options, req, res).catch((err: unknown) => {
      options.log.error({ err }, "metrics request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(listenError(options, error)));
    server.listen(options.port, options.host, () => resolve());
  });
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${options.port}`;
  options.log.info({ url }, "worker metrics and health listening");
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
