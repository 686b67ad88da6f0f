// API process entry: `npm run api`.
import { loadConfigOrExit } from "../config/index.js";
import { createLogger } from "../lib/logger.js";
import { startApi } from "./server.js";

const config = loadConfigOrExit();
const log = createLogger("cited-api", config.LOG_LEVEL);
try {
  const api = await startApi(config, log);
  process.stderr.write(`cited api listening on ${api.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    // Closing waits on Redis and open answers; a second signal or 30 s ends it regardless.
    setTimeout(() => process.exit(1), 30_000).unref();
    await api.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
} catch (error) {
  log.fatal({ err: error }, (error as Error).message);
  process.stderr.write(`cited api: ${(error as Error).message}\n`);
  process.exit(1);
}
