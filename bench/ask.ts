// npm run bench:ask — on cuad-dev: retrieval latency, time to first token, answers with verified
// citations over 50 questions, and Cited's generation speed against a raw node-llama-cpp chat session
// with the same model, prompt, grammar and thread count, in the same run. Writes bench/results/ask.json.
//   --docs N        contracts to index (a seeded sample; default 10)   --questions N (default 50)
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LlamaChatSession } from "node-llama-cpp";
import { LOCAL_SCOPE } from "../src/access/scope.js";
import { numberPassages } from "../src/answer/passages.js";
import { COMPOSE_SYSTEM_PROMPT, composeSchema, composeUserPrompt } from "../src/answer/prompts.js";
import { loadConfigOrExit } from "../src/config/index.js";
import { percentile } from "../src/lib/stats.js";
import { getRuntime, locateModel } from "../src/models/index.js";
import { resolveThreads } from "../src/models/runtime.js";
import { ANSWER_MAX_TOKENS } from "../src/usecases/answering.js";
import { readDataset, seededShuffle } from "../src/usecases/eval/dataset.js";
import { buildEvalStore, PIPELINE_VERSION } from "../src/usecases/eval/runner.js";
import { openServices } from "../src/usecases/services.js";

const { values } = parseArgs({
  options: { docs: { type: "string", default: "10" }, questions: { type: "string", default: "50" } },
});
const config = loadConfigOrExit();
const dataset = readDataset(resolve("../shared/bench/cuad-dev"));
const docs = seededShuffle(
  dataset.documents.map((d) => d.doc),
  3,
).slice(0, Number(values.docs));
// No waiting line in front of the models: the questions are asked one at a time.
const services = openServices({ ...config, GENERATION_QUEUE: 0 });
const embedder = await services.embedder();
const settings = {
  embedModel: config.EMBED_MODEL,
  chunkTokens: config.CHUNK_TOKENS,
  pipelineVersion: PIPELINE_VERSION,
};
const storeDir = resolve(
  process.env.CITED_CACHE_DIR ?? "eval",
  "bench-ask-store",
  `${PIPELINE_VERSION}-${config.CHUNK_TOKENS}`,
);
const { store, ids } = await buildEvalStore(dataset, docs, storeDir, embedder, settings, (l, d, t) =>
  process.stderr.write(`\r${l} ${d}/${t}`),
);
process.stderr.write("\n");
services.adoptStore(store);
const retriever = await services.retriever();
const { answerer } = await services.answering();

const questions = seededShuffle(
  dataset.questions.filter((q) => docs.includes(q.doc_scope[0]!)),
  5,
).slice(0, Number(values.questions));

// Retrieval latency.
const retrievalMs: number[] = [];
for (const q of questions) {
  const t = performance.now();
  await retriever.retrieve({
    query: q.question,
    topK: 5,
    scope: LOCAL_SCOPE,
    filters: { document_ids: [ids.get(q.doc_scope[0]!)!] },
  });
  retrievalMs.push(performance.now() - t);
}

// Answers.
const ttft: number[] = [];
const totals: number[] = [];
let verified = 0;
let onEvidencePage = 0;
let abstained = 0;
for (const [i, q] of questions.entries()) {
  const answer = await answerer.answer({
    question: q.question,
    topK: 5,
    scope: LOCAL_SCOPE,
    filters: { document_ids: [ids.get(q.doc_scope[0]!)!] },
  });
  if (answer.timings.time_to_first_token_ms !== null) ttft.push(answer.timings.time_to_first_token_ms);
  totals.push(answer.timings.total_ms);
  if (answer.abstained) abstained++;
  if (answer.citations.length > 0) verified++;
  const pages = new Set(q.evidence.flatMap((e) => (e.page === null ? [] : [e.page])));
  if (answer.citations.some((c) => pages.has(c.page))) onEvidencePage++;
  process.stderr.write(`\ranswers ${i + 1}/${questions.length}`);
}
process.stderr.write("\n");

// Generation speed: Cited's generator against a raw node-llama-cpp session, same prompts.
const generator = await services.generator();
const llama = await getRuntime();
const model = await llama.loadModel({ modelPath: await locateModel(config.CHAT_MODEL, config.MODELS_DIR) });
const rawContext = await model.createContext({
  contextSize: config.CHAT_CONTEXT_TOKENS,
  threads: resolveThreads(config.LLAMA_THREADS),
});
let citedTokens = 0;
let citedMs = 0;
let rawTokens = 0;
let rawMs = 0;
for (const q of questions.slice(0, 10)) {
  const passages = await retriever.retrieve({
    query: q.question,
    topK: 4,
    scope: LOCAL_SCOPE,
    filters: { document_ids: [ids.get(q.doc_scope[0]!)!] },
  });
  // The written answer's generation: the question and a few evidence sentences, free text out.
  const evidence = numberPassages(passages)
    .flatMap((p) => p.sentences)
    .slice(0, 3);
  const prompt = composeUserPrompt(q.question, evidence);
  const schema = composeSchema;
  const c = await generator
    .generateJson({ system: COMPOSE_SYSTEM_PROMPT, prompt, schema, maxTokens: ANSWER_MAX_TOKENS })
    .catch(() => null);
  if (c) {
    citedTokens += c.outputTokens;
    citedMs += c.generationMs;
  }
  const sequence = rawContext.getSequence();
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: COMPOSE_SYSTEM_PROMPT });
  const grammar = await llama.createGrammarForJsonSchema(
    schema as Parameters<typeof llama.createGrammarForJsonSchema>[0],
  );
  let first: number | null = null;
  const before = sequence.tokenMeter.usedOutputTokens;
  await session
    .prompt(prompt, {
      grammar,
      maxTokens: ANSWER_MAX_TOKENS,
      temperature: 0,
      onTextChunk: () => (first ??= performance.now()),
    })
    .catch(() => "");
  if (first !== null) {
    rawMs += performance.now() - first;
    rawTokens += sequence.tokenMeter.usedOutputTokens - before;
  }
  session.dispose({ disposeSequence: true });
}
const citedTps = citedTokens / (citedMs / 1000);
const rawTps = rawTokens / (rawMs / 1000);

const result = {
  date: new Date().toISOString(),
  documents: docs.length,
  questions: questions.length,
  model: config.CHAT_MODEL,
  judge: config.JUDGE_MODEL,
  threads: resolveThreads(config.LLAMA_THREADS),
  retrieval_ms: { p50: percentile(retrievalMs, 50), p95: percentile(retrievalMs, 95) },
  time_to_first_token_ms: { p50: percentile(ttft, 50), p95: percentile(ttft, 95) },
  answer_total_ms: { p50: percentile(totals, 50), p95: percentile(totals, 95) },
  answers_with_verified_citation: verified / questions.length,
  answers_citing_an_evidence_page: onEvidencePage / questions.length,
  abstained: abstained / questions.length,
  generation_tokens_per_s: { cited: citedTps, raw_node_llama_cpp: rawTps, ratio: citedTps / rawTps },
};
mkdirSync("bench/results", { recursive: true });
writeFileSync(join("bench/results", "ask.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await services.close();
