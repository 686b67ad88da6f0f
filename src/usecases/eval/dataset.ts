// Evaluation datasets in the format of ../shared/bench/cuad-dev (documented in the README):
//   docs/<file>                      the documents
//   documents.jsonl                  {doc, document_name, parties?, pages?, …} one per document
//   questions.jsonl                  answerable: {id, question, category, doc_scope: [doc], evidence: [{doc, page, page_end, text}], answer?}
//   questions_unanswerable.jsonl     {id, question, category, doc_scope: [doc]} with no answer in the document
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { mulberry32 } from "../../lib/random.js";

export const DatasetDocument = z.object({
  doc: z.string(),
  document_name: z.string().default(""),
  parties: z.string().default(""),
  contract_type: z.string().optional(),
  pages: z.number().optional(),
});
export type DatasetDocument = z.infer<typeof DatasetDocument>;

/** An annotated clause; page is null for the few clauses that could not be located in any page. */
export const Evidence = z.object({
  doc: z.string(),
  page: z.int().nullable(),
  page_end: z.int().nullable().optional(),
  text: z.string(),
});
export type Evidence = z.infer<typeof Evidence>;

export const DatasetQuestion = z.object({
  id: z.string(),
  question: z.string(),
  category: z.string().default(""),
  doc_scope: z.array(z.string()).min(1),
  answer: z.string().optional(),
  evidence: z.array(Evidence).default([]),
});
export type DatasetQuestion = z.infer<typeof DatasetQuestion>;

export interface Dataset {
  dir: string;
  documents: DatasetDocument[];
  /** Path of each document file, by its `doc` name. */
  files: Map<string, string>;
  questions: DatasetQuestion[];
  unanswerable: DatasetQuestion[];
}

function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line, i) => {
      const parsed = schema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path} line ${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** Read a dataset folder; a document listed without its file is an error that names it. */
export function readDataset(dir: string): Dataset {
  if (!existsSync(join(dir, "docs")))
    throw new Error(`${dir} has no docs/ folder: see the README, "Evaluation", for the layout`);
  const onDisk = new Map(readdirSync(join(dir, "docs")).map((f) => [f.toLowerCase(), f]));
  let documents = readJsonl(join(dir, "documents.jsonl"), DatasetDocument);
  if (documents.length === 0) documents = [...onDisk.values()].map((f) => DatasetDocument.parse({ doc: f }));
  const files = new Map<string, string>();
  for (const d of documents) {
    const file = onDisk.get(d.doc.toLowerCase());
    if (!file) throw new Error(`${d.doc} is listed in documents.jsonl but not in ${join(dir, "docs")}`);
    files.set(d.doc, join(dir, "docs", file));
  }
  return {
    dir,
    documents,
    files,
    questions: readJsonl(join(dir, "questions.jsonl"), DatasetQuestion),
    unanswerable: readJsonl(join(dir, "questions_unanswerable.jsonl"), DatasetQuestion),
  };
}

/**
 * Questions from a file of their own in the questions.jsonl format (e.g. eval/bilingual-es.jsonl),
 * to replace a dataset's: the question text is read from `field` ("question", or e.g. "question_en"
 * to ask the same questions in their original words). A line without that field is an error.
 */
export function readQuestionsFile(path: string, field = "question"): DatasetQuestion[] {
  if (!existsSync(path)) throw new Error(`${path} does not exist: give a .jsonl file of questions`);
  const withField = z.looseObject({ [field]: z.string().min(1) });
  return readJsonl(
    path,
    withField.transform((row) => DatasetQuestion.parse({ ...row, question: row[field] })),
  );
}

/** A deterministic pseudo-random shuffle (mulberry32), so samples are the same on every run. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const next = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** How a run picks its documents: a sample file's list, or a seeded sample of N, or (neither) all of them. */
export interface DocumentChoice {
  /** A JSON file with `{"docs": [...]}` (eval/regression.json, eval/tuning.json). */
  sample?: string;
  /** How many documents to draw at random (seeded). */
  count?: number;
  /** Seed of the random draw. */
  seed: number;
}

/** The documents a run evaluates on, as `--sample` or `--docs N --seed S` chose them. */
export function chooseDocuments(all: readonly string[], choice: DocumentChoice): string[] {
  if (choice.sample)
    return z.object({ docs: z.array(z.string()) }).parse(JSON.parse(readFileSync(choice.sample, "utf8")))
      .docs;
  if (choice.count) return seededShuffle(all, choice.seed).slice(0, choice.count);
  return [...all];
}
