// Query expansion with the words contracts use: a question says "non-compete", the clause says
// "shall not … market any product that competes". A small table maps the concepts lawyers ask about
// to the vocabulary of the clauses that state them, so full-text search can find a clause that
// shares no word with the question.

/** One concept a question may ask about, and the words its clauses are written in. */
export interface ClauseConcept {
  /** Name of the concept, as a lawyer would say it. */
  name: string;
  /** Matches a question about the concept. */
  asks: RegExp;
  /** Words and phrases that clauses about it use. */
  terms: readonly string[];
  /** How a lawyer names such a clause ("a … clause"), where the name alone reads badly. */
  clause?: string;
}

/** The name of a concept's clause, as in "is this a … clause?". */
export const clauseName = (c: ClauseConcept) => c.clause ?? c.name;

/** Broad concepts first: a question that names several asks about the last (most specific) one. */
export const CLAUSE_VOCABULARY: readonly ClauseConcept[] = [
  {
    name: "license grant",
    asks: /licen[cs]e/i,
    terms: ["license", "licenses", "grants", "right to use", "sublicense"],
  },
  {
    name: "anti-assignment",
    asks: /assign|transfer.*(contract|agreement)/i,
    terms: ["assign", "assignment", "transfer", "consent", "successors"],
  },
  {
    name: "ip ownership",
    clause: "intellectual property ownership",
    asks: /intellectual property|ip ownership|owns? the (work|ip|inventions)/i,
    terms: ["intellectual property", "own", "ownership", "title", "assigns", "inventions", "work product"],
  },
  {
    name: "liability cap",
    asks: /liabilit|damages/i,
    terms: ["liability", "liable", "exceed", "aggregate", "damages", "consequential", "limitation"],
  },
  {
    name: "term and expiration",
    clause: "contract term",
    asks: /\bexpiration date|\binitial term|when does .{0,40}\b(expire|end)|duration of the (contract|agreement)|term of the (contract|agreement)/i,
    terms: ["term", "expire", "expiration", "years", "commence", "until"],
  },
  {
    name: "affiliates",
    clause: "affiliate rights",
    asks: /affiliate/i,
    terms: ["affiliates", "subsidiaries", "affiliated"],
  },
  {
    name: "post-termination obligations",
    clause: "post-termination obligation",
    asks: /after (the )?(termination|expiration)|post-?termination|wind-?down|transition/i,
    terms: [
      "upon termination",
      "after termination",
      "expiration",
      "survive",
      "wind down",
      "transition",
      "return",
    ],
  },
  {
    name: "non-compete",
    asks: /non-?compet|\bcompet(e|ing|ition)\b|geograph|business or technology sector/i,
    terms: [
      "compete",
      "competing",
      "competitive",
      "competitor",
      "engage in",
      "not market",
      "directly or indirectly",
    ],
  },
  {
    name: "exclusivity",
    asks: /exclusiv|requirements|sole (supplier|source|distributor)/i,
    terms: ["exclusive", "exclusively", "sole", "solely", "only", "requirements"],
  },
  {
    name: "no-solicit of customers",
    clause: "non-solicitation of customers",
    asks: /solicit\w* (customers|clients|partners)|customers or partners/i,
    terms: ["solicit", "customers", "clients", "induce", "divert", "accounts"],
  },
  {
    name: "no-solicit of employees",
    clause: "non-solicitation of employees",
    asks: /solicit\w* (or hiring )?(employees|staff|personnel)|hir(e|ing) (employees|staff)|poach/i,
    terms: ["solicit", "hire", "employ", "employees", "personnel", "recruit"],
  },
  {
    name: "non-disparagement",
    asks: /disparag/i,
    terms: ["disparage", "disparaging", "derogatory", "negative", "reputation", "statements"],
  },
  {
    name: "termination for convenience",
    asks: /terminat\w* .*(without cause|for convenience|any reason)|without cause/i,
    terms: [
      "terminate",
      "termination",
      "convenience",
      "without cause",
      "for any reason",
      "prior written notice",
    ],
  },
  {
    name: "right of first refusal",
    asks: /first refusal|first offer|first negotiation|rofr|rofo|rofn/i,
    terms: ["right of first refusal", "first offer", "first negotiation", "offer", "match"],
  },
  {
    name: "change of control",
    asks: /change (of|in) control|merger|acquisition|stock sale|substantially all/i,
    terms: [
      "change of control",
      "change in control",
      "merger",
      "acquired",
      "controlling",
      "voting",
      "substantially all",
    ],
  },
  {
    name: "revenue or profit sharing",
    asks: /revenue|profit|royalt/i,
    terms: ["royalty", "royalties", "revenue", "profits", "percent", "net sales", "share"],
  },
  {
    name: "price restrictions",
    clause: "price restriction",
    asks: /(raise|reduce|increase|change) (the )?prices?|price (increase|restriction)/i,
    terms: ["price", "prices", "pricing", "increase", "adjust"],
  },
  {
    name: "minimum commitment",
    asks: /minimum (order|amount|purchase|quantity|commitment)/i,
    terms: ["minimum", "purchase", "order", "quantity", "commitment", "at least"],
  },
  {
    name: "volume restriction",
    asks: /exceeds? (a )?certain threshold|volume|usage (limit|cap)/i,
    terms: ["exceed", "volume", "maximum", "threshold", "additional fee", "limit"],
  },
  {
    name: "joint ownership",
    asks: /joint(ly)? (or shared )?own|shared ownership|co-?own/i,
    terms: ["jointly", "joint", "co-owned", "shared", "ownership"],
  },
  {
    name: "non-transferable license",
    asks: /transfer the licen|non-?transferable|sublicens/i,
    terms: ["non-transferable", "nontransferable", "non-sublicensable", "may not transfer", "sublicense"],
  },
  {
    name: "unlimited license",
    asks: /all you can eat|enterprise|unlimited (usage|use|license)/i,
    terms: ["unlimited", "enterprise", "any number", "all users"],
  },
  {
    name: "perpetual or irrevocable license",
    asks: /irrevocable|perpetual/i,
    terms: ["irrevocable", "perpetual", "perpetuity"],
  },
  {
    name: "source code escrow",
    asks: /escrow|source code/i,
    terms: ["source code", "escrow", "deposit", "release"],
  },
  {
    name: "audit rights",
    asks: /audit|inspect|books|records/i,
    terms: ["audit", "inspect", "examine", "books", "records", "accounts"],
  },
  {
    name: "liquidated damages",
    asks: /liquidated|termination fee|penalt/i,
    terms: ["liquidated damages", "termination fee", "penalty", "fee"],
  },
  {
    name: "warranty",
    asks: /warrant/i,
    terms: ["warrants", "warranty", "defects", "months", "period"],
  },
  {
    name: "insurance",
    asks: /insur/i,
    terms: ["insurance", "insured", "coverage", "policy", "policies", "liability insurance"],
  },
  {
    name: "covenant not to sue",
    asks: /not to sue|contest\w* the validity|bring\w* a claim|challenge/i,
    terms: ["contest", "challenge", "validity", "sue", "claim", "dispute"],
  },
  {
    name: "third-party beneficiary",
    asks: /beneficiar|non-contracting party/i,
    terms: ["third party beneficiary", "beneficiaries", "third parties", "enforce"],
  },
  {
    name: "governing law",
    asks: /governing law|law governs|governed by|jurisdiction|which (state|country)/i,
    terms: ["governed", "construed", "laws", "state", "jurisdiction"],
  },
  {
    name: "renewal",
    asks: /renew|extension|extend/i,
    terms: ["renew", "renewal", "automatically", "successive", "extend", "additional"],
  },
  {
    name: "notice to terminate renewal",
    asks: /notice period|notice .*(renew|terminat)|non-?renewal/i,
    terms: ["notice", "prior written notice", "days", "non-renewal", "intention"],
  },
  {
    name: "effective date",
    asks: /effective/i,
    terms: ["effective date", "effective as of", "commence"],
  },
  {
    name: "agreement date",
    asks: /\bdate of the (contract|agreement)|\bdated\b|\bsigned on\b/i,
    terms: ["dated", "as of", "day of", "entered into"],
  },
  {
    name: "most favored nation",
    asks: /most favou?red|better terms|more favou?rable/i,
    terms: ["most favored", "favorable", "no less favorable", "better terms", "lower price"],
  },
  {
    name: "competitive restriction exception",
    asks: /exception|carve-?out/i,
    terms: ["notwithstanding", "except", "provided that", "shall not apply"],
  },
];

/** The concepts a question asks about, broadest first. */
export function conceptsOf(question: string): ClauseConcept[] {
  return CLAUSE_VOCABULARY.filter((c) => c.asks.test(question));
}

/** Extra search words for a question: the clause vocabulary of every concept it asks about. */
export function expansionTerms(question: string): string[] {
  const own = question.toLowerCase();
  const terms = conceptsOf(question).flatMap((c) => c.terms);
  return [...new Set(terms)].filter((t) => !own.includes(t.toLowerCase()));
}

/** The clause vocabulary of the concepts a question asks about (the words themselves, question's own included). */
export function conceptTerms(question: string): string[] {
  return [...new Set(conceptsOf(question).flatMap((c) => c.terms))];
}

/**
 * Share of the clause vocabulary of a question's concepts that the passages contain (0…1), or null
 * when the question asks about no concept the table knows. A question about a most-favoured-nation
 * clause whose closest passages never speak of "favorable" terms is likely about a clause the
 * documents do not have.
 */
export function vocabularyCoverage(question: string, passages: readonly string[]): number | null {
  const terms = conceptTerms(question).map((t) => t.toLowerCase());
  if (terms.length === 0) return null;
  const text = passages.join("\n").toLowerCase();
  return terms.filter((t) => text.includes(t)).length / terms.length;
}
