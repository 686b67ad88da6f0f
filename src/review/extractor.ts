// Filling one review cell on the answer pipeline: retrieve within the document (with clause
// vocabulary), choose the evidence sentences, verify them on the stored pages as /v1/ask does, ask the
// judge whether the quote is the asked clause, then read a typed value from the quote alone.

import type { Citation } from "../../schemas/api.js";
import type { CellStatus, CellValue, ReviewCell, TemplateField } from "../../schemas/review.js";
import type { AccessScope } from "../access/scope.js";
import { citationKey, citeAnswer, storedPageReader } from "../answer/cite.js";
import { extractiveDraft } from "../answer/compose.js";
import { chooseEvidence, questionTopic } from "../answer/evidence.js";
import {
  holdsSignatures,
  type NumberedPassage,
  numberPassages,
  type PassageSentence,
} from "../answer/passages.js";
import { SUPPORT_SYSTEM_PROMPT, supportUserPrompt } from "../answer/prompts.js";
import { combineSupport } from "../answer/support.js";
import { findQuote } from "../answer/verify.js";
import { GenerationIncompleteError, type JsonGenerator, type JsonSchema } from "../models/generator.js";
import type { YesNoScorer } from "../models/scorer.js";
import { hasClauseEssentials, vocabularyCoverage } from "../retrieval/expansion.js";
import type { HybridRetriever, RetrievedPassage } from "../retrieval/hybrid.js";
import { asksForPreamble } from "../retrieval/titles.js";
import type { DocumentRepository } from "../store/documents.js";
import {
  addPeriod,
  blankDateNote,
  namesContractStart,
  partyName,
  quoteStates,
  type ReadValue,
  readBlankDate,
  readCompanyNames,
  readDate,
  readDocumentName,
  readDuration,
  readGoverningLaw,
  readMoney,
  readPerpetual,
  readRelativeDate,
  readRelativeExpiry,
} from "./values.js";

/** How cells are decided. */
export interface ExtractorOptions {
  /** Passages retrieved per field within the document. */
  topK: number;
  /** Evidence sentences quoted per cell. */
  quotes: number;
  /** Best-matching sentences the judge reads, each alone and in order, until one reads as the clause;
   * the best reading is the cell's, and its sentence is quoted first. */
  candidates: number;
  /** Least support for `found`. */
  foundSupport: number;
  /** Least support for `uncertain` (below it the cell is `not_found`). */
  uncertainSupport: number;
}

export const DEFAULT_EXTRACTOR: ExtractorOptions = {
  topK: 6,
  quotes: 2,
  candidates: 4,
  // Tuned on eval/tuning.json (README, Contract review): found from 0.6, and below 0.5 not found,
  // which keeps absent clauses out of "uncertain".
  foundSupport: 0.6,
  uncertainSupport: 0.5,
};

/** The judge's score from which a quote is taken to read as the clause (a yes more likely than a no). */
const TAKEN_FOR_CLAUSE = 0.5;

/** A cell's value, the citations that show it, and how it was reached when it is not read off one quote. */
interface ReadCell {
  value: CellValue;
  citations: Citation[];
  note?: string;
}

/** The field a contract's own start is searched by, for an expiry stated from it. */
const CONTRACT_START: TemplateField = {
  name: "Effective Date",
  question: "On what date is the contract effective?",
  description: "The date the contract is made or takes effect.",
  type: "date",
};

/** What the chat model returns when asked to copy a value out of a quote. */
interface CopiedValue {
  value: string;
}
const copySchema = {
  type: "object",
  properties: { value: { type: "string" } },
  required: ["value"],
} as JsonSchema;
const COPY_SYSTEM_PROMPT =
  "You copy one value out of a contract quote, word for word. Reply with the shortest words of the quote that answer; reply with an empty value when the quote does not say.";

/** The query a field is searched and judged by: its name names the clause, its question says what is asked. */
export const fieldQuery = (field: TemplateField) => `${field.name}: ${field.question}`;

/** Fills cells of one document with verified quotes, or says what was searched when there are none. */
export class CellExtractor {
  constructor(
    private readonly retriever: HybridRetriever,
    private readonly documents: DocumentRepository,
    private readonly judge: YesNoScorer | null,
    private readonly generator: JsonGenerator | null,
    private readonly options: ExtractorOptions = DEFAULT_EXTRACTOR,
  ) {}

  /** One cell: retrieve → choose → verify → judge → read the value. */
  async cell(
    documentId: string,
    field: TemplateField,
    scope: AccessScope,
    signal?: AbortSignal,
  ): Promise<ReviewCell> {
    const { retrieved, numbered, searched } = await this.search(documentId, field, scope);
    const base = { document_id: documentId, field: field.name, searched };
    const none = (note: string): ReviewCell => ({
      ...base,
      status: "not_found",
      value: null,
      citations: [],
      support: null,
      note,
    });
    const candidates = await this.verifiedQuotes(field, numbered, retrieved, scope);
    if (typeof candidates === "string") return none(candidates);
    const { citations, support } = await this.judged(field, candidates, retrieved, signal);
    const status = this.statusOf(support);
    if (status === "not_found")
      return none(`the closest clause was judged not to answer (support ${support?.toFixed(2)})`);
    const read = await this.value(documentId, field, citations, scope, signal);
    const value = read?.value ?? null;
    const missing = field.type !== "clause" && value === null;
    return {
      ...base,
      status: missing ? "uncertain" : status,
      value,
      citations: read?.citations ?? citations,
      support,
      note: missing
        ? `the quote does not state a ${field.type.replace("_", "/")} value`
        : status === "uncertain"
          ? `the quote may not be the clause asked for (support ${support?.toFixed(2)})`
          : (read?.note ?? ""),
    };
  }

  /** The field's passages in the document, numbered into sentences, and the record of what was searched. */
  private async search(documentId: string, field: TemplateField, scope: AccessScope) {
    const query = fieldQuery(field);
    const found = await this.retrieve(documentId, query, this.options.topK, scope);
    const opening = asksForPreamble(query);
    const quotesTitleLines = (p: RetrievedPassage) => opening && p.preamble;
    let retrieved = found;
    let numbered = numberPassages(found, quotesTitleLines);
    // A contract whose opening states no date is often dated where it is signed.
    if (asksOwnDate(field) && !opensWithDate(numbered)) {
      const signed = await this.signatures(documentId, scope);
      retrieved = [...new Map([...found, ...signed].map((p) => [p.chunk_id, p])).values()];
      numbered = numberPassages(retrieved, quotesTitleLines);
    }
    const searched = {
      query,
      passages: retrieved.map((p) => p.chunk_id),
      candidates: numbered.reduce((n, p) => n + p.sentences.length, 0),
    };
    return { retrieved, numbered, searched };
  }

  /** Where the parties signed: the passages that open a signature block, each with the chunk after it. */
  private async signatures(documentId: string, scope: AccessScope): Promise<RetrievedPassage[]> {
    const found = await this.retrieve(documentId, SIGNATURE_QUERY, SIGNATURE_PASSAGES, scope);
    const opening = found.filter((p) => !p.preamble && holdsSignatures(p.text));
    const after = await Promise.all(opening.map((p) => this.retriever.following(p, 1, scope)));
    return [...opening, ...after.flat()];
  }

  /** One document's passages for a query. */
  private retrieve(documentId: string, query: string, topK: number, scope: AccessScope) {
    return this.retriever.retrieve({
      query,
      topK,
      scope,
      filters: { document_ids: [documentId] },
      narrowByTitle: false,
    });
  }

  /** The candidate sentences as citations verified on their pages, or why there are none. */
  private async verifiedQuotes(
    field: TemplateField,
    numbered: readonly NumberedPassage[],
    retrieved: readonly RetrievedPassage[],
    scope: AccessScope,
  ): Promise<Citation[] | string> {
    const chosen = chooseCellEvidence(field, numbered, this.options.candidates);
    if (chosen.length === 0) return "no sentence of the document matches the field";
    const cited = await this.cite(chosen, numbered, retrieved, scope);
    if (cited.length === 0) return "no quote could be verified on its page";
    const topic = questionTopic(fieldQuery(field));
    const citations = cited.filter((c) => hasClauseEssentials(topic, c.quote));
    if (citations.length === 0) return "the closest sentences lack the words such a clause cannot do without";
    const first = citations.slice(0, this.options.quotes);
    if (!usesClauseWords(field, first))
      return "the closest sentences use none of the words such clauses are written in";
    // A sentence further down is offered to the judge only if it is worded as such a clause.
    return [...first, ...citations.slice(this.options.quotes).filter((c) => usesClauseWords(field, [c]))];
  }

  /** The chosen sentences, each verified on its stored page (those that cannot be are dropped). */
  private async cite(
    chosen: readonly PassageSentence[],
    numbered: readonly NumberedPassage[],
    retrieved: readonly RetrievedPassage[],
    scope: AccessScope,
  ): Promise<Citation[]> {
    const pages = storedPageReader(this.documents, retrieved, scope);
    return (await citeAnswer(extractiveDraft(chosen), numbered, pages)).citations;
  }

  /**
   * The cell's quotes and support: the sentence the judge reads best is quoted first, the others after
   * it in order, up to `quotes`; without a judge, the first candidates and no support.
   */
  private async judged(
    field: TemplateField,
    candidates: readonly Citation[],
    retrieved: readonly RetrievedPassage[],
    signal?: AbortSignal,
  ): Promise<{ citations: Citation[]; support: number | null }> {
    if (!this.judge) return { citations: candidates.slice(0, this.options.quotes), support: null };
    const { judged, index } = await this.bestReading(this.judge, fieldQuery(field), candidates, signal);
    const citations = leadWith(candidates, index, this.options.quotes);
    return { citations, support: this.support(field, judged, citations, retrieved) };
  }

  /** The judge's reading, moved by vocabulary coverage of the passages and the quotes and by how common the clause is. */
  private support(
    field: TemplateField,
    judged: number,
    citations: readonly Citation[],
    retrieved: readonly RetrievedPassage[],
  ): number {
    const topic = questionTopic(fieldQuery(field));
    const coverage = vocabularyCoverage(
      topic,
      retrieved.map((p) => p.text),
    );
    const quotes = citations.map((c) => c.quote);
    // A value stated in words no clause vocabulary lists (the opening's own date) lacks no words.
    const quoted = statesValueInOwnWords(field, quotes) ? null : vocabularyCoverage(topic, quotes);
    return combineSupport(judged, coverage, { quoteCoverage: quoted, prevalence: field.prevalence });
  }

  /**
   * The judge's best reading of the candidates and which one it is, each read alone (a clause beside a
   * wrong sentence reads as wrong), stopping at the first it takes for the clause: the judge's prompt is
   * most of a cell's time.
   */
  private async bestReading(
    judge: YesNoScorer,
    query: string,
    candidates: readonly Citation[],
    signal?: AbortSignal,
  ) {
    let best = { judged: 0, index: 0 };
    for (const [index, c] of candidates.entries()) {
      const judged = await judge.score(SUPPORT_SYSTEM_PROMPT, supportUserPrompt(query, [c.quote]), signal);
      if (judged > best.judged) best = { judged, index };
      if (best.judged >= TAKEN_FOR_CLAUSE) break;
    }
    return best;
  }

  private statusOf(support: number | null): CellStatus {
    if (support === null || support >= this.options.foundSupport) return "found";
    return support >= this.options.uncertainSupport ? "uncertain" : "not_found";
  }

  /**
   * The typed value, read from the quotes alone, and the citations that show it (a date or a name
   * cited by its own words); null when the quotes do not state one.
   */
  private async value(
    documentId: string,
    field: TemplateField,
    citations: readonly Citation[],
    scope: AccessScope,
    signal?: AbortSignal,
  ): Promise<ReadCell | null> {
    if (field.type === "clause") return null;
    if (field.type === "yes_no") return { value: { kind: "yes_no", yes: true }, citations: [...citations] };
    if (field.type === "party") {
      const companies = companiesNamed(citations);
      if (companies) return companies;
    }
    const dated = await this.datedExpiry(documentId, field, citations, scope);
    if (dated) return dated;
    for (const c of valueQuotes(field, citations)) {
      const read = readTyped(field, c.quote) ?? (await this.copy(field, c.quote, signal));
      if (!read || !quoteStates(c.quote, read.surface)) continue;
      const own = citesOwnWords(field) ? valueCitation(c, read.surface) : c;
      const note = blankDateNote(read.value);
      return { value: read.value, citations: citations.map((x) => (x === c ? own : x)), note };
    }
    return null;
  }

  /**
   * An expiry stated from the contract's start ("three (3) years from the Effective Date") as the date
   * it falls on, when no quote states a calendar date and the contract's opening states its own: both
   * cited by their own words. Null otherwise.
   */
  private async datedExpiry(
    documentId: string,
    field: TemplateField,
    citations: readonly Citation[],
    scope: AccessScope,
  ): Promise<ReadCell | null> {
    if (!asksExpiry(field) || citations.some((c) => readDate(c.quote))) return null;
    const relative = citations
      .map((c) => ({ c, expiry: readRelativeExpiry(c.quote) }))
      .find(({ expiry }) => expiry && namesContractStart(expiry.anchor));
    if (!relative?.expiry) return null;
    const start = await this.contractStart(documentId, scope);
    const iso = start && addPeriod(start.iso, relative.expiry.period);
    if (!start || !iso) return null;
    const own = valueCitation(relative.c, relative.expiry.surface);
    const cited = citations.map((x) => (x === relative.c ? own : x));
    return {
      value: { kind: "date", iso },
      citations: distinctCitations([...cited, start.citation]),
      note: `${relative.expiry.surface.replace(/\s+/g, " ")} (${start.iso})`,
    };
  }

  /** The date the contract's opening states for itself, cited by its own words; null when it states none. */
  private async contractStart(documentId: string, scope: AccessScope) {
    const { retrieved, numbered } = await this.search(documentId, CONTRACT_START, scope);
    const chosen = chooseCellEvidence(CONTRACT_START, numbered, 1);
    const [citation] = await this.cite(chosen, numbered, retrieved, scope);
    const read = citation ? readDate(citation.quote) : null;
    if (!citation || !read || read.value.kind !== "date") return null;
    return { iso: read.value.iso, citation: valueCitation(citation, read.surface) };
  }

  /** The chat model copies a party or a text value out of the quote (checked against it by the caller). */
  private async copy(field: TemplateField, quote: string, signal?: AbortSignal): Promise<ReadValue | null> {
    if (!this.generator || (field.type !== "party" && field.type !== "text")) return null;
    try {
      const result = await this.generator.generateJson({
        system: COPY_SYSTEM_PROMPT,
        prompt: `Quote: ${quote.replace(/\s+/g, " ").trim()}\n\nCopy from the quote: ${field.question}`,
        schema: copySchema,
        maxTokens: 60,
        signal,
      });
      const copied = (result.value as CopiedValue).value.trim();
      const text = field.type === "party" ? partyName(copied) : copied;
      return text ? { value: { kind: "text", text }, surface: text } : null;
    } catch (error) {
      if (error instanceof GenerationIncompleteError) return null;
      throw error;
    }
  }
}

/** A typed value read without a model, where a pattern can read it. */
export function readTyped(field: TemplateField, quote: string): ReadValue | null {
  if (field.type === "date")
    return (
      readDate(quote) ??
      (asksExpiry(field) ? (readRelativeDate(quote) ?? readPerpetual(quote)) : readBlankDate(quote))
    );
  if (field.type === "duration") return readDuration(quote, durationCue(field));
  if (field.type === "money") return readMoney(quote);
  if (field.type === "text" && GOVERNING_LAW.test(fieldQuery(field))) return readGoverningLaw(quote);
  if (field.type === "text" && DOCUMENT_NAME.test(fieldQuery(field))) return readDocumentName(quote);
  return null;
}

/** Text fields a pattern reads: the governing law, and the document's own name. */
const GOVERNING_LAW = /governing law|law governs/i;
const DOCUMENT_NAME = /document name|(name|title) of the (contract|agreement|document)/i;
/** Date fields whose date a contract often states relative to another ("… years from the Effective Date"). */
const EXPIRY = /expir|initial term/i;
/** Whether a field asks for the date a contract's term ends (a renewal term's question names the expiry too). */
export const asksExpiry = (field: TemplateField) => field.type === "date" && EXPIRY.test(fieldQuery(field));

/** Whether a field's value is read by a pattern (no model), so a sentence can be told to state one. */
export function readsByPattern(field: TemplateField): boolean {
  if (field.type === "date" || field.type === "duration" || field.type === "money") return true;
  const asked = fieldQuery(field);
  return field.type === "text" && (GOVERNING_LAW.test(asked) || DOCUMENT_NAME.test(asked));
}

/**
 * Whether a quote states the field's value in words no clause vocabulary lists: the contract's opening
 * its own name or date, or an expiry that there is none ("valid for an indefinite period").
 */
export function statesValueInOwnWords(field: TemplateField, quotes: readonly string[]): boolean {
  if (asksExpiry(field)) return quotes.some((q) => readPerpetual(q) !== null);
  if (!asksForPreamble(fieldQuery(field)) || !readsByPattern(field)) return false;
  return quotes.some((q) => readTyped(field, q) !== null);
}

/** Whether a field asks for the contract's own date: the date it was made or takes effect, not its end. */
export const asksOwnDate = (field: TemplateField) =>
  field.type === "date" && !asksExpiry(field) && asksForPreamble(fieldQuery(field));

/** The items with the one at `index` first and the rest after it in order, cut to `count`. */
export function leadWith<T>(items: readonly T[], index: number, count: number): T[] {
  return [items[index]!, ...items.filter((_, i) => i !== index)].slice(0, count);
}

/**
 * Whether the quotes use a word of the clause the field asks about (a clause Cited knows the words of,
 * quoted without one of them, is some other clause) — or state a value that needs none: the contract's
 * own date in its opening ("made effective December 3rd, 2018"), a term without end ("valid for an
 * indefinite period").
 */
function usesClauseWords(field: TemplateField, citations: readonly Citation[]): boolean {
  const quotes = citations.map((c) => c.quote);
  return (
    statesValueInOwnWords(field, quotes) || vocabularyCoverage(questionTopic(fieldQuery(field)), quotes) !== 0
  );
}

/** Whether a sentence of the contract's opening (title lines included) states a date. */
function opensWithDate(numbered: readonly NumberedPassage[]): boolean {
  return numbered.some((p) => p.passage.preamble && p.sentences.some((s) => readDate(s.quote)));
}

/** How the signature blocks are searched for, where a contract states its date only there. */
const SIGNATURE_QUERY = "IN WITNESS WHEREOF the parties have executed this Agreement. By: Name: Title: Date:";
/** Passages the signature search takes (the opening always comes first). */
const SIGNATURE_PASSAGES = 3;

/** How many matching sentences a pattern-read field looks through for ones that state its value. */
const VALUE_POOL = 12;

/**
 * The evidence for a field: the best-matching sentences, except that a field read by a pattern takes
 * the sentences that state a value first — for what a contract says of itself in its opening (its
 * name, its date), the preamble's first, since the recitals after it cite other agreements' dates; for
 * its date, then a sentence that names the field, then the signature blocks.
 */
export function chooseCellEvidence(
  field: TemplateField,
  numbered: readonly NumberedPassage[],
  count: number,
): PassageSentence[] {
  const query = fieldQuery(field);
  if (!readsByPattern(field)) return chooseEvidence(query, numbered, count);
  const states = (s: PassageSentence) => readTyped(field, s.quote) !== null;
  const opening = asksForPreamble(query)
    ? numbered.filter((p) => p.passage.preamble).flatMap((p) => p.sentences)
    : [];
  const pool = chooseEvidence(query, numbered, VALUE_POOL);
  // Then, for the contract's own date, a sentence that names it ("“Effective Date” means October 31,
  // 2019"), and after that where the parties signed.
  const ownDate = asksOwnDate(field);
  const named = ownDate ? pool.filter((s) => s.quote.toLowerCase().includes(field.name.toLowerCase())) : [];
  const signed = ownDate
    ? numbered.filter((p) => holdsSignatures(p.passage.text)).flatMap((p) => p.sentences)
    : [];
  const ordered = [...[...opening, ...named, ...signed].filter(states), ...pool.filter(states), ...pool];
  return [...new Map(ordered.map((s) => [s.id, s])).values()].slice(0, count);
}

/**
 * Whether a cell's value is cited by its own words rather than its sentence: a date or a name (of a
 * party, of the document, or words the chat model copied) is the fact itself, while a period, an
 * amount or a governing law means little without what it applies to.
 */
export function citesOwnWords(field: TemplateField): boolean {
  if (field.type === "date" || field.type === "party") return true;
  return field.type === "text" && !GOVERNING_LAW.test(fieldQuery(field));
}

/**
 * The part of a verified citation that states `surface`: the same page, offsets moved inside the
 * quote (the quote is the page text between them, so the part is verified too). The whole citation
 * when the words are too short to prove anything or not there as written.
 */
export function valueCitation(citation: Citation, surface: string): Citation {
  const lower = citation.quote.toLowerCase();
  // Case aside too (a copied "City of Fort Stockton" for "CITY OF FORT STOCKTON"), where folding keeps offsets.
  const found =
    findQuote(surface, citation.quote) ??
    (lower.length === citation.quote.length ? findQuote(surface.toLowerCase(), lower) : null);
  if (!found) return citation;
  return {
    ...citation,
    quote: citation.quote.slice(found.start, found.end),
    char_start: citation.char_start + found.start,
    char_end: citation.char_start + found.end,
  };
}

/**
 * The companies the quotes name, as a party value with each name cited by its own words (every party
 * in the quotes, not only the one a chat model would copy); null when the quotes name no company.
 */
export function companiesNamed(
  citations: readonly Citation[],
): { value: CellValue; citations: Citation[] } | null {
  const names: string[] = [];
  const cited = citations.flatMap((c) => {
    const own = readCompanyNames(c.quote).filter((n) => !names.includes(n));
    names.push(...own);
    return own.length > 0 ? own.map((n) => valueCitation(c, n)) : [c];
  });
  if (names.length === 0) return null;
  // A name too short to cite alone is cited by its sentence, once.
  return { value: { kind: "text", text: names.join("; ") }, citations: distinctCitations(cited) };
}

/** Each quoted span once, numbered in order. */
function distinctCitations(citations: readonly Citation[]): Citation[] {
  const distinct = [...new Map(citations.map((c) => [citationKey(c), c])).values()];
  return distinct.map((c, i) => ({ ...c, n: i + 1 }));
}

/**
 * The quotes a value is looked for in, in order: for a period read next to a cue word (a notice
 * period by "notice"), the quotes with the word first — a term clause quoted first states a period too.
 */
export function valueQuotes<T extends { quote: string }>(field: TemplateField, quotes: readonly T[]): T[] {
  const cue = field.type === "duration" ? durationCue(field) : undefined;
  if (!cue) return [...quotes];
  const cued = (q: T) => cue.test(q.quote);
  return [...quotes.filter(cued), ...quotes.filter((q) => !cued(q))];
}

/** The word a field's period stands next to: a notice period by "notice", a renewal term by "renew". */
export function durationCue(field: TemplateField): RegExp | undefined {
  // The name first: CUAD's renewal-term question mentions "prior notice" too.
  for (const asked of [field.name, field.question]) {
    if (/notice/i.test(asked)) return /notice/i;
    if (/renew|extension/i.test(asked)) return /renew|successive|extend/i;
    if (/warrant/i.test(asked)) return /warrant/i;
  }
  return undefined;
}
