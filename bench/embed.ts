// npm run bench:embed — embedding speed of catalog embedders on the same passages and questions, in one
// process, turns interleaved (best of each kept) so a busy machine does not favour one model.
// Writes bench/results/embed.json.
//   --models a,b   catalog ids (default: all-minilm-l6-v2,multilingual-e5-small)
//   --rounds N     turns per model (default 3)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { loadConfigOrExit } from "../src/config/index.js";
import { configureRuntime, createEmbedder, disposeRuntime, type LlamaEmbedder } from "../src/models/index.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "all-minilm-l6-v2,multilingual-e5-small" },
    rounds: { type: "string", default: "3" },
  },
});
const config = loadConfigOrExit();
// Several embedders side by side (which the composition root does not build): the runtime as it would.
configureRuntime({ gpu: config.LLAMA_GPU });
const ids = values.models.split(",");
const rows = JSON.parse(readFileSync("test/fixtures/e5-sentences.json", "utf8")) as {
  kind: "query" | "passage";
  text: string;
}[];
// Passages of six contract sentences (English and Spanish), about the size of a chunk; questions alone.
const sentences = rows.filter((r) => r.kind === "passage").map((r) => r.text);
const passages = Array.from({ length: 96 }, (_, i) =>
  Array.from({ length: 6 }, (_, k) => sentences[(i * 5 + k * 7) % sentences.length]).join(" "),
);
const questions = rows.filter((r) => r.kind === "query").map((r) => r.text);

interface Turn {
  passagesPerSecond: number;
  tokensPerSecond: number;
  queryMs: number;
}

async function turn(embedder: LlamaEmbedder): Promise<Turn> {
  const tokens = passages.reduce((n, p) => n + embedder.countTokens(p, "passage"), 0);
  let started = performance.now();
  await embedder.embed(passages, "passage");
  const seconds = (performance.now() - started) / 1000;
  const times: number[] = [];
  for (const q of [...questions, ...questions]) {
    started = performance.now();
    await embedder.embed([q], "query");
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return {
    passagesPerSecond: passages.length / seconds,
    tokensPerSecond: tokens / seconds,
    queryMs: times[Math.floor(times.length / 2)]!,
  };
}

const loaded = new Map<string, { embedder: LlamaEmbedder; loadMs: number; turns: Turn[] }>();
for (const id of ids) {
  const started = performance.now();
  const embedder = await createEmbedder({ ...config, EMBED_MODEL: id });
  loaded.set(id, { embedder, loadMs: performance.now() - started, turns: [] });
}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const entry of loaded.values()) entry.turns.push(await turn(entry.embedder));
}

const result = {
  machine: `${availableParallelism()} cores`,
  passages: passages.length,
  models: Object.fromEntries(
    [...loaded].map(([id, { embedder, loadMs, turns }]) => [
      id,
      {
        loadMs: Math.round(loadMs),
        // Each model counts in its own tokenizer, prefix and special tokens included.
        tokensPerPassage: Math.round(
          passages.reduce((n, p) => n + embedder.countTokens(p, "passage"), 0) / passages.length,
        ),
        passagesPerSecond: +Math.max(...turns.map((t) => t.passagesPerSecond)).toFixed(1),
        tokensPerSecond: Math.round(Math.max(...turns.map((t) => t.tokensPerSecond))),
        queryMsP50: +Math.min(...turns.map((t) => t.queryMs)).toFixed(1),
      },
    ]),
  ),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/embed.json", `${JSON.stringify(result, null, 2)}\n`);
console.log("written: bench/results/embed.json");
for (const { embedder } of loaded.values()) await embedder.dispose();
await disposeRuntime();
