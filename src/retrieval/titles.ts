// Contract-aware retrieval: a question that names a document by its title ("In the "DISTRIBUTOR
// AGREEMENT" contract: …") is narrowed to the documents with that title, and the title itself is
// taken out of the search text (every chunk of those documents would match it).

/** What the matcher knows of a document. */
export interface TitledDocument {
  id: string;
  title: string;
  name: string;
}

const fold = (s: string) =>
  s
    .toLowerCase()
    .replace(/\.[a-z0-9]{2,5}$/, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** Documents the query names, and the query without the naming phrase. */
export function namedDocuments(
  query: string,
  documents: readonly TitledDocument[],
): { ids: string[]; query: string } {
  const byTitle = new Map<string, string[]>();
  for (const d of documents) {
    for (const key of new Set([fold(d.title), fold(d.name)])) {
      if (key.length < 4) continue;
      byTitle.set(key, [...(byTitle.get(key) ?? []), d.id]);
    }
  }
  const ids = new Set<string>();
  let rest = query;
  for (const m of query.matchAll(/["“]([^"”]{3,160})["”]/g)) {
    const found = byTitle.get(fold(m[1]!));
    if (!found) continue;
    for (const id of found) ids.add(id);
    // Drop the phrase and the wrapper around it ("In the … contract:").
    rest = rest.replace(
      new RegExp(
        `(in|under)?\\s*(the)?\\s*${escapeRegExp(m[0])}\\s*(contract|agreement|document)?\\s*[:,-]?`,
        "i",
      ),
      " ",
    );
  }
  if (ids.size === 0) {
    // Unquoted: a distinctive title (three words or more) that appears word for word in the question.
    const q = ` ${fold(query)} `;
    for (const [title, found] of byTitle) {
      if (title.split(" ").length >= 3 && q.includes(` ${title} `)) for (const id of found) ids.add(id);
    }
  }
  return { ids: [...ids], query: rest.replace(/\s+/g, " ").trim() || query };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Questions whose answer a contract states in its opening lines: its name, its parties, the date it
 * was made or takes effect. Their words ("parties", "date") are in every clause, so the ranking alone
 * rarely finds the preamble; a named document's preamble is added at the top instead.
 */
export function asksForPreamble(query: string): boolean {
  return [
    /\b(parties|party names|who (signed|are the parties|entered into))\b/i,
    /\b(name|title) of (the|this) (contract|agreement|document)\b/i,
    /\b(agreement|effective|execution|signing|commencement) date\b/i,
    /\bdate of (the|this) (contract|agreement)\b/i,
    /\b(date|when)\b.*\b(contract|agreement)\b.*\b(effective|signed|executed|dated|entered into|made)\b/i,
    // The same questions in Spanish.
    /qui[eé]nes son las partes|\bpartes (que )?(firman|firmaron|suscriben|del contrato)/i,
    /(t[ií]tulo|denominaci[oó]n|nombre)( exacta| exacto)? del (contrato|acuerdo|documento)/i,
    /(qu[eé]|cu[aá]l) (es la )?fecha|fecha de (firma|entrada en vigor)|entra en vigor|surte efectos|se firm[oó]/i,
  ].some((pattern) => pattern.test(query));
}
