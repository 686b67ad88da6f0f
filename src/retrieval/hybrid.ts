import { MatchQuery, Operator } from "@lancedb/lancedb";
import type { SearchFilters } from "../../schemas/api.js";
import type { ChunkSpan } from "../../schemas/document.js";
import { type AccessScope, scopeFilter } from "../access/scope.js";
import { sqlIn, sqlString } from "../lib/sql.js";
import type { Embedder } from "../models/embedder.js";
import type { Store } from "../store/index.js";
import { plainRow, selectRows } from "../store/rows.js";
import { expansionTerms } from "./expansion.js";
import { asksForPreamble, namedDocuments, type TitledDocument } from "./titles.js";

/** A chunk as retrieval returns it (no vector). */
export interface ChunkHit {
  chunk_id: string;
  document_id: string;
  title: string;
  section: string;
  text: string;
  page_start: number;
  page_end: number;
  char_start: number;
  char_end: number;
  spans: ChunkSpan[];
  ordinal: number;
  preamble: boolean;
}

/** A retrieved passage with its fused score and how each retriever ranked it. */
export interface RetrievedPassage extends ChunkHit {
  /** Reciprocal-rank-fusion score (higher is better). */
  score: number;
  /** Cosine similarity to the query (−1…1), when the vector search found it. */
  similarity: number | null;
  /** 1-based rank in the vector results, if there. */
  vectorRank: number | null;
  /** 1-based rank in the full-text results, if there. */
  textRank: number | null;
}

/** How retrieval runs. */
export interface RetrievalOptions {
  /** Candidates taken from each retriever before fusion. */
  candidates: number;
  /** RRF constant: larger flattens the difference between ranks. */
  rrfK: number;
  /** Weight of the vector ranking in the fusion. */
  vectorWeight: number;
  /** Weight of the full-text ranking in the fusion. */
  textWeight: number;
}

export const DEFAULT_RETRIEVAL: RetrievalOptions = {
  candidates: 40,
  rrfK: 60,
  vectorWeight: 1,
  textWeight: 1,
};

/** One retrieval: what to look for, for whom, where. */
export interface RetrievalQuery {
  query: string;
  topK: number;
  /** The caller's access: required, and applied inside the LanceDB query. */
  scope: AccessScope;
  filters?: SearchFilters;
  /** Which retrievers to use (baselines in evaluation use one). */
  mode?: "hybrid" | "vector" | "text";
  /** Narrow to documents the query names by title (default true). */
  narrowByTitle?: boolean;
}

const COLUMNS = [
  "chunk_id",
  "document_id",
  "title",
  "section",
  "text",
  "page_start",
  "page_end",
  "char_start",
  "char_end",
  "spans",
  "ordinal",
  "preamble",
];

/** The LanceDB filter for a query: the caller's access, then the request's own filters. */
export function retrievalFilter(scope: AccessScope, filters?: SearchFilters): string {
  const parts = [scopeFilter(scope)];
  if (filters?.document_ids) parts.push(sqlIn("document_id", filters.document_ids));
  if (filters?.types) parts.push(sqlIn("doc_type", filters.types));
  if (filters?.tags?.length) {
    parts.push(`array_has_any(tags, [${filters.tags.map(sqlString).join(", ")}])`);
  }
  return parts.map((p) => `(${p})`).join(" AND ");
}

function toHit(row: Record<string, unknown>): ChunkHit {
  const plain = plainRow<Omit<ChunkHit, "spans"> & { spans: string }>(row);
  return { ...plain, spans: JSON.parse(plain.spans) as ChunkSpan[] };
}

/** Full-text query text: LanceDB's parser is given words only, so quotes or operators in a question cannot break it. */
export function ftsQueryText(query: string): string {
  return query
    .replace(/[^\p{L}\p{N}\s'-]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** First chunks looked at for a document's opening when the chunker marked none of them preamble. */
const OPENING_CHUNKS = 3;
/** Words with which a contract opens: it names itself and who it is made between. */
const OPENS_BETWEEN = /\b(between|among|entre)\b/i;
const OPENS_INSTRUMENT = /\b(agreement|contract|amendment|lease|contrato|acuerdo|convenio)\b/i;

/**
 * The chunk a document opens with: the first of its preamble (or, where none is marked, of its first
 * chunks) that names an agreement and whom it is between — skipping exhibit cover lines, redaction
 * notices and tables of contents before it; failing that, the first, or the next when the first is
 * a short cover line.
 */
export function openingChunk(hits: readonly ChunkHit[]): ChunkHit | undefined {
  const sorted = [...hits].sort((a, b) => a.ordinal - b.ordinal);
  const marked = sorted.filter((h) => h.preamble);
  const pool = marked.length > 0 ? marked : sorted.filter((h) => h.ordinal < OPENING_CHUNKS);
  const opens = pool.find((h) => OPENS_BETWEEN.test(h.text) && OPENS_INSTRUMENT.test(h.text));
  if (opens) return opens;
  const [head, next] = pool;
  return head && next && head.text.length < 200 && next.ordinal === head.ordinal + 1 ? next : head;
}

/** A word of the query held by at most this many passages in reach is a name or code to keep in the results. */
export const RARE_WORD_PASSAGES = 2;
/** The longest words of a query checked for rarity (each is one small full-text query). */
const RARE_WORDS_CHECKED = 4;

/** The query's longest words (five characters or more), which names, codes and defined terms usually are. */
export function rareWordCandidates(query: string): string[] {
  const words = new Set(
    ftsQueryText(query)
      .toLowerCase()
      .split(" ")
      .filter((w) => w.length >= 5),
  );
  return [...words].sort((a, b) => b.length - a.length).slice(0, RARE_WORDS_CHECKED);
}

/**
 * The first `topK` of a fused ranking with the `reserved` passages among them (at most half the
 * places): the best hit of each search, and passages that alone hold a word of the question (a
 * name, a code), are not outvoted by passages that are merely alike.
 */
export function topWithReserved(
  ranked: readonly RetrievedPassage[],
  topK: number,
  reserved: ReadonlySet<string>,
): RetrievedPassage[] {
  const late = ranked.filter((p, i) => i >= topK && reserved.has(p.chunk_id)).slice(0, Math.floor(topK / 2));
  return [...ranked.slice(0, topK - late.length), ...late];
}

/**
 * Hybrid retrieval: vector search (cosine) and BM25 full-text search over the chunks the caller may
 * read, fused by weighted reciprocal rank.
 */
export class HybridRetriever {
  constructor(
    private readonly store: Store,
    private readonly embedder: Embedder,
    readonly options: RetrievalOptions = DEFAULT_RETRIEVAL,
  ) {}

  async retrieve(q: RetrievalQuery): Promise<RetrievedPassage[]> {
    const { query, filters } =
      q.narrowByTitle === false ? { query: q.query, filters: q.filters } : await this.narrow(q);
    const where = retrievalFilter(q.scope, filters);
    const mode = q.mode ?? "hybrid";
    const depth = Math.max(q.topK, this.options.candidates);
    // Both searches also look for the words clauses use for what the question asks about.
    const extra = expansionTerms(query);
    const expanded =
      extra.length > 0
        ? { vector: `${query} (${extra.join(", ")})`, text: `${query} ${extra.join(" ")}` }
        : { vector: query, text: query };
    // The rare-word lookups wait for the full-text hits, which often show a word is common already.
    const textHits = mode === "vector" ? null : this.textSearch(expanded.text, where, depth);
    const [vector, text, rare] = await Promise.all([
      mode === "text" ? [] : this.vectorSearch(expanded.vector, where, depth),
      textHits ?? [],
      textHits?.then((hits) => this.rareWordHits(query, where, hits)) ?? [],
    ]);
    const fused = new Map<string, RetrievedPassage>();
    const { rrfK, vectorWeight, textWeight } = this.options;
    vector.forEach(({ hit, similarity }, i) => {
      fused.set(hit.chunk_id, {
        ...hit,
        score: vectorWeight / (rrfK + i + 1),
        similarity,
        vectorRank: i + 1,
        textRank: null,
      });
    });
    text.forEach((hit, i) => {
      const add = textWeight / (rrfK + i + 1);
      const known = fused.get(hit.chunk_id);
      if (known) {
        known.score += add;
        known.textRank = i + 1;
      } else {
        fused.set(hit.chunk_id, { ...hit, score: add, similarity: null, vectorRank: null, textRank: i + 1 });
      }
    });
    for (const hit of rare) {
      if (!fused.has(hit.chunk_id))
        fused.set(hit.chunk_id, { ...hit, score: 0, similarity: null, vectorRank: null, textRank: null });
    }
    const best = [...vector.slice(0, 1).map((v) => v.hit), ...text.slice(0, 1), ...rare];
    const reserved = new Set(best.map((h) => h.chunk_id));
    const ranked = [...fused.values()].sort((a, b) => b.score - a.score);
    const documentIds = filters?.document_ids;
    if (mode === "hybrid" && documentIds && documentIds.length <= 5 && asksForPreamble(query)) {
      return this.withPreambles(ranked, documentIds, where).then((r) => topWithReserved(r, q.topK, reserved));
    }
    return topWithReserved(ranked, q.topK, reserved);
  }

  /**
   * Passages that hold a word of the query few others in reach hold (see RARE_WORD_PASSAGES); a word
   * more of the full-text hits already hold is not looked up.
   */
  private async rareWordHits(
    query: string,
    where: string,
    textHits: readonly ChunkHit[],
  ): Promise<ChunkHit[]> {
    const texts = textHits.map((h) => h.text.toLowerCase());
    const unsure = rareWordCandidates(query).filter(
      (word) => texts.filter((t) => t.includes(word)).length <= RARE_WORD_PASSAGES,
    );
    const found = await Promise.all(
      unsure.map((word) => this.textSearch(word, where, RARE_WORD_PASSAGES + 1)),
    );
    return found.filter((hits) => hits.length <= RARE_WORD_PASSAGES).flat();
  }

  /**
   * The chunks right after a passage in its document, that the scope may read (a signature block runs
   * on past the chunk that opens it), in order; not ranked, so without scores.
   */
  async following(passage: RetrievedPassage, count: number, scope: AccessScope): Promise<RetrievedPassage[]> {
    const where = retrievalFilter(scope, { document_ids: [passage.document_id] });
    const next = Math.trunc(passage.ordinal) + 1;
    const rows = (await this.store.chunks
      .query()
      .where(`${where} AND ordinal >= ${next} AND ordinal < ${next + Math.trunc(count)}`)
      .select(COLUMNS)
      .toArray()) as Record<string, unknown>[];
    return rows
      .map(toHit)
      .sort((a, b) => a.ordinal - b.ordinal)
      .map((hit) => ({ ...hit, score: 0, similarity: null, vectorRank: null, textRank: null }));
  }

  /** Put the opening chunk of each named document at the top, ahead of the fused ranking. */
  private async withPreambles(ranked: RetrievedPassage[], documentIds: readonly string[], where: string) {
    const rows = (await this.store.chunks
      .query()
      .where(`${where} AND (preamble = true OR ordinal < ${OPENING_CHUNKS})`)
      .select(COLUMNS)
      .toArray()) as Record<string, unknown>[];
    const hits = rows.map(toHit);
    const top = documentIds.flatMap((id) => {
      const hit = openingChunk(hits.filter((h) => h.document_id === id));
      if (!hit) return [];
      const known = ranked.find((p) => p.chunk_id === hit.chunk_id);
      // Marked preamble: it is the document's opening, even where the chunker saw the body start at once.
      return [
        {
          ...(known ?? { ...hit, similarity: null, vectorRank: null, textRank: null }),
          preamble: true,
          score: (ranked[0]?.score ?? 0) + 1,
        },
      ];
    });
    const ids = new Set(top.map((p) => p.chunk_id));
    return [...top, ...ranked.filter((p) => !ids.has(p.chunk_id))];
  }

  /** Apply contract-aware narrowing: the documents the query names by title become the filter. */
  private async narrow(q: RetrievalQuery): Promise<{ query: string; filters?: SearchFilters }> {
    const titled = await selectRows<TitledDocument>(
      this.store.documents,
      `${scopeFilter(q.scope)} AND status = 'ready'`,
      {
        columns: ["id", "title", "name"],
      },
    );
    const allowed = q.filters?.document_ids ? new Set(q.filters.document_ids) : null;
    const named = namedDocuments(q.query, allowed ? titled.filter((d) => allowed.has(d.id)) : titled);
    if (named.ids.length === 0) return { query: q.query, filters: q.filters };
    return { query: named.query, filters: { ...q.filters, document_ids: named.ids } };
  }

  private async vectorSearch(query: string, where: string, limit: number) {
    const [vector] = await this.embedder.embed([query], "query");
    // Nothing the model can embed (control characters only): no vector neighbours to look for.
    if (!vector || vector.length === 0) return [];
    const rows = (await this.store.chunks
      .vectorSearch(Array.from(vector!))
      .distanceType("cosine")
      .where(where)
      .select([...COLUMNS, "_distance"])
      .limit(limit)
      .toArray()) as Record<string, unknown>[];
    return rows.map((r) => {
      const { _distance, ...rest } = r;
      return { hit: toHit(rest), similarity: 1 - Number(_distance) };
    });
  }

  private async textSearch(query: string, where: string, limit: number): Promise<ChunkHit[]> {
    const text = ftsQueryText(query);
    if (!text) return [];
    const rows = (await this.store.chunks
      .search(new MatchQuery(text, "search_text", { operator: Operator.Or }), "fts")
      // Indexed rows only: LanceDB's flat search of not-yet-indexed rows matches differently, and
      // rankings must not change when maintenance folds new rows into the index a few seconds later.
      .fastSearch()
      .where(where)
      .select([...COLUMNS, "_score"])
      .limit(limit)
      .toArray()) as Record<string, unknown>[];
    return rows.map(({ _score, ...rest }) => toHit(rest));
  }
}
