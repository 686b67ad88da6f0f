// Ask every catalog chat model the same five questions about one short contract, the way Cited asks:
// output forced into {answer, quote}. Scores: answer names the expected fact; quote is verbatim in the
// contract. Usage: npm run models -- --all && npx tsx scripts/compare-chat-models.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { loadConfigOrExit } from "../src/config/index.js";
import { CATALOG } from "../src/models/catalog.js";
import { LlamaGenerator } from "../src/models/generator.js";
import { locateModel } from "../src/models/locate.js";
import { disposeRuntime } from "../src/models/runtime.js";

const CONTRACT = `SERVICES AGREEMENT between Northwind Traders LLC ("Client") and Contoso Analytics Inc. ("Provider"), dated March 1, 2024.
1. Services. Provider shall deliver monthly market-analysis reports to Client.
2. Fees. Client shall pay Provider USD 12,500 per month, due within thirty (30) days of each invoice.
3. Term. This Agreement starts on March 1, 2024 and lasts two (2) years.
4. Termination. Either party may terminate this Agreement for convenience upon sixty (60) days' prior written notice.
5. Confidentiality. Each party shall keep the other party's Confidential Information secret for five (5) years after termination.
6. Governing Law. This Agreement is governed by the laws of the State of Delaware.`;

const QUESTIONS: { q: string; expect: RegExp }[] = [
  { q: "How much notice is needed to terminate for convenience?", expect: /60|sixty/i },
  { q: "What is the monthly fee?", expect: /12,?500/ },
  { q: "Which state's law governs the agreement?", expect: /delaware/i },
  { q: "Who is the provider?", expect: /contoso/i },
  { q: "How long do confidentiality obligations last after termination?", expect: /5|five/i },
];

const SCHEMA = {
  type: "object",
  properties: { answer: { type: "string" }, quote: { type: "string" } },
  required: ["answer", "quote"],
} as const;
const SYSTEM =
  "You answer questions about the contract the user gives you. Answer in one short sentence and copy, word for word, the sentence of the contract that supports the answer into quote.";

const config = loadConfigOrExit();
const squash = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();
const results = [];
const only = process.argv[2];
for (const model of CATALOG.filter((m) => m.role === "chat" && (!only || m.id === only))) {
  let path: string;
  try {
    path = await locateModel(model.id, config.MODELS_DIR);
  } catch {
    console.log(`${model.id}: not provisioned (npm run models -- --all), skipped`);
    continue;
  }
  const gen = await LlamaGenerator.create({
    modelId: model.id,
    path,
    contextTokens: 2048,
    parallel: 1,
    threads: config.LLAMA_THREADS,
  });
  let correct = 0;
  let verbatim = 0;
  let tokens = 0;
  let ms = 0;
  const answers = [];
  for (const { q, expect } of QUESTIONS) {
    const t = performance.now();
    let answer = "";
    let quote = "";
    try {
      const r = await gen.generateJson({
        system: SYSTEM,
        prompt: `Contract:\n${CONTRACT}\n\nQuestion: ${q}`,
        schema: SCHEMA,
        maxTokens: 300,
      });
      tokens += r.outputTokens;
      ({ answer, quote } = r.value as { answer: string; quote: string });
    } catch (error) {
      answer = `(no answer: ${(error as Error).message})`;
      tokens += 300;
    }
    ms += performance.now() - t;
    const ok = expect.test(answer);
    const inText = quote.trim().length > 10 && squash(CONTRACT).includes(squash(quote));
    correct += ok ? 1 : 0;
    verbatim += inText ? 1 : 0;
    answers.push({ question: q, answer, quote, correct: ok, verbatim: inText });
    console.log(
      `${model.id} | ${q}\n   answer: ${answer}\n   quote: ${quote}\n   correct=${ok} verbatim=${inText}`,
    );
  }
  await gen.dispose();
  results.push({
    model: model.id,
    correct,
    verbatim,
    seconds: ms / 1000,
    tokens_per_s: tokens / (ms / 1000),
    answers,
  });
}
console.log("\nmodel                         correct  verbatim quote  seconds");
for (const r of results) {
  console.log(
    `${r.model.padEnd(30)}${String(r.correct).padStart(4)}/5 ${String(r.verbatim).padStart(8)}/5 ${r.seconds.toFixed(1).padStart(10)}`,
  );
}
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/chat-models.json",
  JSON.stringify({ date: new Date().toISOString(), results }, null, 2),
);
await disposeRuntime();
