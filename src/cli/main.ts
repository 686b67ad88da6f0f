// `cited` — the command line: serve, ask, search, keys (and more as they come).
// Run it as `npm run cited -- <command>`; `npm start` is `cited serve`.
import { spawn } from "node:child_process";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AuditRecord, type AuditTrail, parseSince } from "../access/audit.js";
import { type KeyStore, Role } from "../access/keys.js";
import { LOCAL_SCOPE } from "../access/scope.js";
import { type Answerer, passageView } from "../answer/answerer.js";
import { auditKey, writeNewAuditKey } from "../config/audit-key.js";
import { type Config, ConfigError, loadConfigOrExit } from "../config/index.js";
import { ModelNotProvisionedError } from "../models/index.js";
import type { HybridRetriever } from "../retrieval/hybrid.js";
import { StoreDimensionMismatchError } from "../store/index.js";
import { answerAuditFields, searchAuditFields } from "../usecases/audit-fields.js";
import { auditLogOf, keyStoreOf, openServices } from "../usecases/services.js";
import { evalCommand } from "./eval.js";
import { reviewEvalCommand } from "./eval-review.js";
import { formatAnswer, formatPassages } from "./format.js";
import { mcpCommand } from "./mcp.js";
import { reviewCommand } from "./review.js";
import { reportCommand, syncCommand } from "./sync.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const HELP = `cited — private document search with verified citations

Usage: npm run cited -- <command> [options]

  serve                          API and one worker on this machine (npm start); Ctrl-C stops both
  ask "<question>" [--top-k N] [--doc ID]...   answer with numbered footnotes (document, page, quote)
  search "<query>" [--top-k N] [--doc ID]...   print the best passages
  sync <folder> [--include GLOB]... [--exclude GLOB]... [--tags a,b] [--tenant T] [--groups g1,g2] [--allow-mass-delete]
       [--watch [--every MIN]] [--no-wait]
                                 index a folder and keep it in sync (new, changed, renamed, deleted files); needs workers
  report [--source ID] [--tenant T] [--json]  coverage: per file and page, searchable or not, text layer or OCR, every failure
  eval --dataset DIR [--name N] [--docs N | --sample FILE] [--scopes scoped,open] [--modes hybrid,vector,text]
       [--answers N] [--unanswerable N] [--store DIR | --store-root DIR] [--gate FILE]
                                 retrieval and answer quality (README, "Evaluation")
  eval --review --dataset DIR [--sample FILE | --docs N] [--limit N] [--template cuad] [--fields "A,B"]
                                 contract review quality against CUAD's annotations (README, "Contract review")
  review --template cuad|essentials|FILE.yaml <file|folder> | --source ID | --doc ID... [--out table.xlsx]
                                 a clause table per contract, every cell cited (README, "Contract review")
  keys create --tenant T [--groups g1,g2] --role reader|editor|admin [--label text]
  keys list
  keys revoke <key-id>
  audit verify                   check the audit trail's hash chain (exit 1 and the first bad line if it was altered)
  audit show [--since 24h|ISO time] [--json]   print the audit trail
  mcp [--key KEY]                MCP server on stdio (tools search, ask, get_page, list_documents) as the key in
                                 CITED_API_KEY or --key (none needed in OPEN_MODE); README, "MCP"
  audit new-key FILE             write a new audit key (keep it outside DATA_DIR; set AUDIT_KEY_FILE=FILE)

Configuration comes from the environment (see README, "Configuration").`;

function fail(message: string): never {
  process.stderr.write(`cited: ${message}\n`);
  process.exit(2);
}

/** `cited serve`: the API and one worker as child processes, stopped together. */
async function serve(): Promise<void> {
  const tsx = ["--import", "tsx"];
  const children = [
    spawn(process.execPath, [...tsx, join(ROOT, "src/api/main.ts")], { stdio: "inherit", cwd: ROOT }),
    spawn(process.execPath, [...tsx, join(ROOT, "workers/main.ts")], { stdio: "inherit", cwd: ROOT }),
  ];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    setTimeout(() => process.exit(code), 10_000).unref();
    Promise.all(
      children.map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise((r) => c.once("exit", r)))),
    ).then(() => process.exit(code));
  };
  for (const c of children) c.once("exit", (code) => stop(code ?? 1));
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
}

/** Search over DATA_DIR's store; with `withAnswers`, the Answerer too (the chat model and the judge). */
async function withAnswering<T>(
  config: Config,
  withAnswers: boolean,
  fn: (a: { retriever: HybridRetriever; answerer: Answerer | null }) => Promise<T>,
): Promise<T> {
  const services = openServices(config);
  try {
    const retriever = await services.retriever();
    return await fn({ retriever, answerer: withAnswers ? (await services.answering()).answerer : null });
  } finally {
    await services.close();
  }
}

/** The audit key of this configuration, or exit with what to set. */
function auditKeyOrFail(config: Config): Buffer {
  try {
    return auditKey(config);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/** The audit trail of this configuration, for the command line's own records. */
const cliAuditLog = (config: Config) => auditLogOf(config, auditKeyOrFail(config));

/** `cited audit new-key FILE`: a new audit key, written where the data folder is not. */
function newAuditKey(config: Config, options: string[]): number {
  if (options.length !== 1 || !isAbsolute(options[0]!))
    fail(
      "audit new-key needs an absolute file path, e.g. npm run cited -- audit new-key /etc/cited/audit.key",
    );
  try {
    writeNewAuditKey(options[0]!, config.DATA_DIR);
  } catch (error) {
    fail(
      `${(error as Error).message}${(error as NodeJS.ErrnoException).code === "EEXIST" ? ": a key is there already; keep it (the log needs it)" : ""}`,
    );
  }
  console.log(
    `wrote a new audit key to ${options[0]}; set AUDIT_KEY_FILE=${options[0]} for the API and the command line`,
  );
  return 0;
}

/** `cited audit verify`: exit 1 with the first bad line if the hash chain was altered. */
async function verifyAudit(audit: AuditTrail): Promise<number> {
  const result = await audit.verify();
  if (!result.ok) {
    const bad = result.firstBad!;
    const chain = bad.writer ? ` of writer ${bad.writer}` : "";
    process.stderr.write(
      `cited: audit trail ${audit.where} is NOT intact: line ${bad.line}${chain}: ${bad.reason}\n`,
    );
    return 1;
  }
  console.log(`audit trail intact: ${result.lines} lines, head ${result.head}`);
  return 0;
}

/** One audit record as a line: sequence, time, event, key, tenant, route, then what it is about. */
function auditLine(r: AuditRecord): string {
  const extra: string[] = [];
  if (typeof r.question === "string") extra.push(JSON.stringify(r.question));
  if (Array.isArray(r.retrieved)) extra.push(`retrieved=${r.retrieved.length}`);
  if (Array.isArray(r.cited)) extra.push(`cited=${r.cited.join(",") || "-"}`);
  if (typeof r.abstained === "boolean") extra.push(`abstained=${r.abstained}`);
  if (typeof r.latency_ms === "number") extra.push(`${Math.round(r.latency_ms)}ms`);
  if (typeof r.document_id === "string") extra.push(r.document_id);
  if (Array.isArray(r.documents)) extra.push(`documents=${r.documents.length}`);
  const subject = r.subject as { id?: string; role?: string } | undefined;
  if (subject?.id) extra.push(`key ${subject.id}${subject.role ? ` (${subject.role})` : ""}`);
  return `${r.seq}  ${r.time}  ${r.event}  key=${r.key_id}  tenant=${r.tenant}  ${r.route}  ${extra.join("  ")}`;
}

/** `cited audit show [--since …] [--json]`: the audit trail, a line (or a JSON object) per record. */
async function showAudit(audit: AuditTrail, options: string[]): Promise<number> {
  const { values } = parseArgs({
    args: options,
    options: { since: { type: "string" }, json: { type: "boolean" } },
  });
  const since = values.since ? parseSince(values.since) : new Date(0);
  if (!since) fail(`--since takes an ISO time (2025-01-31T09:00:00Z) or a duration such as 30m, 24h, 7d`);
  for (const r of await audit.read(since)) console.log(values.json ? JSON.stringify(r) : auditLine(r));
  return 0;
}

/** `cited audit verify`, `cited audit show` and `cited audit new-key FILE`; returns the exit code. */
async function auditCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...options] = args;
  if (sub === "new-key") return newAuditKey(config, options);
  if (sub === "verify") return verifyAudit(cliAuditLog(config));
  if (sub === "show") return showAudit(cliAuditLog(config), options);
  fail("audit needs verify, show or new-key, e.g. npm run cited -- audit show --since 24h");
}

/** `cited ask` and `cited search`: an answer with footnotes, or the best passages, recorded first. */
async function askOrSearch(config: Config, command: "ask" | "search", rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { "top-k": { type: "string" }, doc: { type: "string", multiple: true } },
  });
  const text = positionals.join(" ").trim();
  if (!text)
    fail(
      `${command} needs a question in quotes, e.g. npm run cited -- ${command} "What is the notice period?"`,
    );
  const topK = Number(values["top-k"] ?? (command === "ask" ? 6 : 8));
  if (!Number.isInteger(topK) || topK < 1 || topK > 50) fail("--top-k must be a whole number from 1 to 50");
  const filters = values.doc?.length ? { document_ids: values.doc } : undefined;
  // Recorded like the API's answers and searches, as key "cli", before anything is shown.
  const audit = cliAuditLog(config);
  const record = (fields: Record<string, unknown>) =>
    audit.append({
      ...fields,
      event: command,
      key_id: "cli",
      tenant: LOCAL_SCOPE.tenant,
      route: `cli ${command}`,
    });
  await withAnswering(config, command === "ask", async ({ retriever, answerer }) => {
    const started = performance.now();
    if (answerer) {
      const answer = await answerer.answer({ question: text, topK, scope: LOCAL_SCOPE, filters });
      await record(answerAuditFields(text, answer));
      console.log(formatAnswer(answer));
    } else {
      const hits = await retriever.retrieve({ query: text, topK, scope: LOCAL_SCOPE, filters });
      await record(searchAuditFields(text, hits, performance.now() - started));
      console.log(formatPassages(hits.map(passageView)));
    }
  });
}

/** `cited keys create`: a new API key, printed once and recorded in the audit trail. */
async function createKey(config: Config, keys: KeyStore, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: "string" },
      groups: { type: "string" },
      role: { type: "string" },
      label: { type: "string" },
    },
  });
  const role = Role.safeParse(values.role);
  if (!values.tenant) fail("keys create needs --tenant, e.g. --tenant legal");
  if (!role.success) fail("keys create needs --role reader, editor or admin");
  try {
    const { key, info } = await keys.create({
      tenant: values.tenant,
      groups: (values.groups ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean),
      role: role.data,
      label: values.label,
    });
    await cliAuditLog(config).append({
      event: "keys.create",
      key_id: "cli",
      tenant: info.tenant,
      route: "cli keys create",
      subject: { id: info.id, tenant: info.tenant, role: info.role, groups: info.groups },
    });
    console.log(key);
    process.stderr.write(
      `created key ${info.id} (tenant ${info.tenant}, role ${info.role}, groups ${info.groups.join(",") || "-"}); it is shown only once\n`,
    );
  } catch (error) {
    fail((error as Error).message);
  }
}

/** `cited keys list`: every key, active or revoked. */
async function listKeys(keys: KeyStore): Promise<void> {
  for (const k of await keys.list()) {
    console.log(
      `${k.id}  ${k.role.padEnd(6)}  tenant=${k.tenant}  groups=${k.groups.join(",") || "-"}  ${k.revoked_at ? `revoked ${k.revoked_at}` : "active"}  ${k.label}`,
    );
  }
}

/** `cited keys revoke <id>`: the key stops working, and the audit trail says so. */
async function revokeKey(config: Config, keys: KeyStore, id: string | undefined): Promise<void> {
  if (!id) fail("keys revoke needs a key id (see keys list)");
  const known = (await keys.list()).find((k) => k.id === id);
  if (!known || !(await keys.revoke(id))) fail(`no active key with id ${id}`);
  await cliAuditLog(config).append({
    event: "keys.revoke",
    key_id: "cli",
    tenant: known.tenant,
    route: "cli keys revoke",
    subject: { id: known.id, tenant: known.tenant, role: known.role },
  });
  console.log(`revoked ${id}`);
}

/** `cited keys create|list|revoke`. */
async function keysCommand(config: Config, rest: string[]): Promise<void> {
  const [sub, ...args] = rest;
  if (sub !== "create" && sub !== "list" && sub !== "revoke") fail("keys needs create, list or revoke");
  const keys = keyStoreOf(config);
  try {
    if (sub === "create") await createKey(config, keys, args);
    else if (sub === "list") await listKeys(keys);
    else await revokeKey(config, keys, args[0]);
  } finally {
    await keys.close();
  }
}

/** A command: its exit code, when it sets one. */
type Command = (config: Config, args: string[]) => Promise<number | undefined> | Promise<void>;

/** The commands that need the configuration, by name. */
const COMMANDS = new Map<string, Command>([
  ["ask", (config, args) => askOrSearch(config, "ask", args)],
  ["search", (config, args) => askOrSearch(config, "search", args)],
  ["sync", syncCommand],
  ["report", reportCommand],
  ["review", reviewCommand],
  [
    "eval",
    (config, args) =>
      args.includes("--review") ? reviewEvalCommand(config, args) : evalCommand(config, args),
  ],
  ["keys", keysCommand],
  ["mcp", (config, args) => mcpCommand(config, args, cliAuditLog(config))],
  ["audit", async (config, args) => auditCommand(config, args)],
]);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    console.log(HELP);
    return;
  }
  if (command === "serve") return serve();
  const config = loadConfigOrExit();
  const run = COMMANDS.get(command);
  if (!run) fail(`unknown command "${command}"; run npm run cited -- help`);
  const code = await run(config, rest);
  if (typeof code === "number") process.exitCode = code;
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  // A setting that does not fit the models or the store: say what to do, without a stack trace.
  if (error instanceof StoreDimensionMismatchError || error instanceof ModelNotProvisionedError)
    fail(error.message);
  throw error;
}
