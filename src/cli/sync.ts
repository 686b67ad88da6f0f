// `cited sync <folder>` and `cited report`: the same source service the API uses, on this machine's
// store and Redis; the work itself is done by the workers (`npm start` or `npm run worker`).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TENANT } from "../../schemas/document.js";
import { isName } from "../../schemas/names.js";
import {
  type CoverageReport,
  FINISHED_SYNC_STATES,
  type ReportFile,
  type SourceRow,
  type SyncSummary,
} from "../../schemas/sources.js";
import { type AccessScope, accessScope, LOCAL_SCOPE } from "../access/scope.js";
import type { Config } from "../config/index.js";
import type { Store } from "../store/index.js";
import { openServices } from "../usecases/services.js";
import {
  SourceExistsError,
  SourceInputError,
  SourceOverlapError,
  SourceService,
} from "../usecases/sync/sources.js";
import { progressBar } from "./progress.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The store and the source service, without loading a model when the store already exists. */
async function withSources<T>(
  config: Config,
  fn: (service: SourceService, store: Store) => Promise<T>,
): Promise<T> {
  // Waits for Redis to be connected (a producer connection would refuse its first command while connecting).
  const services = openServices(config, { reuseStoredDimensions: true, queueRole: "worker" });
  try {
    const store = await services.store();
    const syncs = services.syncQueue();
    const service = new SourceService({
      sources: await services.sources(),
      documents: await services.documents(),
      syncs,
      dataDir: config.DATA_DIR,
    });
    return await fn(service, store);
  } finally {
    await services.close();
  }
}

function summaryLine(sync: SyncSummary): string {
  const c = sync.counts;
  const ch = sync.changes;
  const changes = ch
    ? ` — ${ch.new} new, ${ch.changed} changed, ${ch.renamed} renamed, ${ch.deleted} deleted, ${ch.unchanged} unchanged${ch.requeued ? `, ${ch.requeued} queued again` : ""}`
    : "";
  return `sync ${sync.id} ${sync.state}: ${c.discovered} found, ${c.done} indexed, ${c.skipped} skipped, ${c.failed} failed${changes}`;
}

/** Follow a sync until it ends, with a progress bar; the final summary. */
async function follow(
  service: SourceService,
  sourceId: string,
  syncId: string,
  scope: AccessScope,
): Promise<SyncSummary | null> {
  const bar = progressBar();
  const started = Date.now();
  let warned = false;
  for (;;) {
    const row = await service.get(sourceId, scope);
    const sync = row ? await service.syncSummary(row) : null;
    if (!sync || sync.id !== syncId) return sync;
    const c = sync.counts;
    if (sync.state === "running" || FINISHED_SYNC_STATES.includes(sync.state)) {
      bar("sync", Math.min(c.discovered, c.done + c.skipped + c.failed), c.discovered);
    } else if (!warned && Date.now() - started > 15_000 && sync.state === "queued") {
      process.stderr.write(
        "waiting for a worker to take the sync: is `npm start` or `npm run worker` running?\n",
      );
      warned = true;
    }
    if (FINISHED_SYNC_STATES.includes(sync.state)) return sync;
    await sleep(500);
  }
}

/** The command line of `cited sync`. */
function readSyncArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      include: { type: "string", multiple: true },
      exclude: { type: "string", multiple: true },
      tags: { type: "string" },
      groups: { type: "string" },
      tenant: { type: "string" },
      "allow-mass-delete": { type: "boolean" },
      watch: { type: "boolean" },
      every: { type: "string" },
      "no-wait": { type: "boolean" },
    },
  });
}

/** What `cited sync` was asked to do, once checked. */
interface SyncRequest {
  path: string;
  tenant: string;
  groups: string[];
  /** Minutes between syncs with --watch. */
  every: number;
  options: ReturnType<typeof readSyncArgs>["values"];
}

/** The checked request, or null once stderr says what is wrong with the command line. */
function checkSyncRequest(args: string[]): SyncRequest | null {
  const { values, positionals } = readSyncArgs(args);
  if (positionals.length !== 1) {
    process.stderr.write("cited: sync needs one folder, e.g. npm run cited -- sync /srv/shares/legal\n");
    return null;
  }
  const every = Number(values.every ?? 10);
  if (!Number.isFinite(every) || every < 1) {
    process.stderr.write("cited: --every is a number of minutes, at least 1\n");
    return null;
  }
  const tenant = values.tenant ?? DEFAULT_TENANT;
  const groups = list(values.groups);
  const badName = [tenant, ...groups].find((n) => !isName(n));
  if (badName !== undefined) {
    process.stderr.write(
      `cited: "${badName}" is not a tenant or group name: use letters, digits, _ . - (at most 64)\n`,
    );
    return null;
  }
  return { path: resolve(positionals[0]!), tenant, groups, every, options: values };
}

/** --tags as a list, or undefined to leave the tags alone. */
const tagList = (tags: string | undefined) => (tags === undefined ? undefined : list(tags));

/** Register the folder as a new source, or apply changed include/exclude/tags to the existing one. */
async function registerOrUpdate(
  service: SourceService,
  request: SyncRequest,
  scope: AccessScope,
  existing: SourceRow | null,
): Promise<SourceRow | null> {
  const { path, tenant, groups, options } = request;
  if (!existing) {
    const view = await service.create({
      path,
      include: options.include,
      exclude: options.exclude,
      tags: tagList(options.tags),
      tenant,
      acl: groups.length ? groups : null,
    });
    const source = await service.get(view.id, scope);
    process.stderr.write(
      `registered ${path} as source ${view.id} (tenant ${tenant}, groups ${view.groups.join(",")})\n`,
    );
    return source;
  }
  if (options.include || options.exclude || options.tags !== undefined) {
    return service.update(existing, {
      include: options.include,
      exclude: options.exclude,
      tags: tagList(options.tags),
    });
  }
  return existing;
}

/** The source to sync (null if it cannot be read back), or exit code 2 when the folder or options are refused. */
async function sourceToSync(
  service: SourceService,
  request: SyncRequest,
  scope: AccessScope,
): Promise<SourceRow | null | 2> {
  const existing = await service.findByPath(request.tenant, request.path);
  try {
    return await registerOrUpdate(service, request, scope, existing);
  } catch (error) {
    if (
      error instanceof SourceInputError ||
      error instanceof SourceExistsError ||
      error instanceof SourceOverlapError
    ) {
      process.stderr.write(`cited: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** How a followed sync ended, and where to look when files failed. */
function printSyncEnd(sync: SyncSummary, sourceId: string): void {
  console.log(summaryLine(sync));
  if (sync.error) console.log(`  ${sync.error}`);
  if (sync.counts.failed > 0)
    console.log(`  see what failed and why: npm run cited -- report --source ${sourceId}`);
}

/** Start a sync (or follow the one running) and, with --watch, again every few minutes; the exit code. */
async function syncAndFollow(
  service: SourceService,
  first: SourceRow,
  request: SyncRequest,
  scope: AccessScope,
): Promise<number> {
  const { options, every } = request;
  let source = first;
  for (;;) {
    const accepted = await service.startSync(source, { allowMassDelete: options["allow-mass-delete"] });
    process.stderr.write(
      accepted.started
        ? `sync ${accepted.sync_id} started for ${source.path}\n`
        : `a sync of ${source.path} is already running (${accepted.sync_id}): following it\n`,
    );
    if (options["no-wait"]) return 0;
    const sync = await follow(service, source.id, accepted.sync_id, scope);
    if (sync) printSyncEnd(sync, source.id);
    if (!options.watch) return sync?.state === "done" ? 0 : 1;
    process.stderr.write(`next sync in ${every} min (Ctrl-C stops)\n`);
    await sleep(every * 60_000);
    source = (await service.get(source.id, scope)) ?? source;
  }
}

/** `cited sync <folder> [--include g]… [--exclude g]… [--tags a,b] [--tenant T] [--groups a,b] [--allow-mass-delete] [--watch [--every MIN]] [--no-wait]` */
export async function syncCommand(config: Config, args: string[]): Promise<number> {
  const request = checkSyncRequest(args);
  if (!request) return 2;
  const scope = accessScope(request.tenant, [], true);
  return withSources(config, async (service) => {
    const source = await sourceToSync(service, request, scope);
    if (source === 2) return 2;
    if (!source) return 1;
    return syncAndFollow(service, source, request, scope);
  });
}

function pagesLine(f: ReportFile): string {
  if (f.pages.length === 0) return "";
  const text = f.pages.filter((p) => p.text_source === "text-layer").length;
  const ocr = f.pages.filter((p) => p.text_source === "ocr");
  const failed = f.pages.filter((p) => p.text_source === "failed").map((p) => p.page);
  const confidences = ocr.map((p) => p.ocr_confidence).filter((c): c is number => c !== null);
  const parts = [`${text} text`];
  if (ocr.length)
    parts.push(
      `${ocr.length} OCR${confidences.length ? ` (lowest ${Math.round(Math.min(...confidences))}%)` : ""}`,
    );
  if (failed.length) parts.push(`NOT SEARCHABLE: page${failed.length > 1 ? "s" : ""} ${failed.join(", ")}`);
  return `${f.pages.length} page${f.pages.length > 1 ? "s" : ""}: ${parts.join(", ")}`;
}

/** A coverage report for a terminal. */
export function formatReport(r: CoverageReport): string {
  const t = r.totals;
  const lines = [
    `Source ${r.source_id}  ${r.path}`,
    r.sync ? `  last ${summaryLine(r.sync)}` : "  never synced",
    `  files: ${t.files} (${t.files_ready} ready, ${t.files_pending} pending, ${t.files_failed} failed, ${t.files_skipped} skipped)`,
    `  pages: ${t.pages} (${t.pages_text_layer} text layer, ${t.pages_ocr} OCR, ${t.pages_failed} not searchable)`,
  ];
  if (r.unsearchable.length) {
    lines.push("  pages search cannot find (OCR failed):");
    for (const u of r.unsearchable) lines.push(`    ${JSON.stringify(u.path)}: page ${u.pages.join(", ")}`);
  }
  if (r.failures.length) {
    lines.push("  failures:");
    for (const f of r.failures) lines.push(`    ${JSON.stringify(f.path)}: ${f.reason}`);
  }
  lines.push("  files:");
  for (const f of r.files) {
    const detail = f.status === "ready" ? pagesLine(f) : (f.error ?? "");
    lines.push(`    ${f.status.padEnd(10)} ${JSON.stringify(f.path)}${detail ? `  ${detail}` : ""}`);
  }
  return lines.join("\n");
}

/** `cited report [--source ID] [--tenant T] [--json]` */
export async function reportCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { source: { type: "string" }, json: { type: "boolean" }, tenant: { type: "string" } },
  });
  const scope = values.tenant ? accessScope(values.tenant, [], true) : LOCAL_SCOPE;
  return withSources(config, async (service) => {
    const sources = values.source
      ? [await service.get(values.source, scope)]
      : await Promise.all((await service.list(scope)).map((v) => service.get(v.id, scope)));
    if (sources.length === 0 || sources.some((s) => s === null)) {
      process.stderr.write(
        values.source
          ? `cited: no source ${values.source}\n`
          : "cited: no sources yet: npm run cited -- sync <folder>\n",
      );
      return 2;
    }
    const reports: CoverageReport[] = [];
    for (const source of sources) {
      const report = await service.report(source!, scope);
      if (report) reports.push(report);
      else if (!values.json) console.log(`Source ${source!.id}  ${source!.path}\n  never synced\n`);
    }
    if (values.json) console.log(JSON.stringify(values.source ? reports[0] : reports, null, 2));
    else console.log(reports.map(formatReport).join("\n\n"));
    return 0;
  });
}
