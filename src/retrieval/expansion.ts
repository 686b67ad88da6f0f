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
  /** Matches a question about the concept asked in Spanish (its clauses are searched with the same vocabulary). */
  asksEs?: RegExp;
  /** Words and phrases that clauses about it use. */
  terms: readonly string[];
  /** How a lawyer names such a clause ("a … clause"), where the name alone reads badly. */
  clause?: string;
  /** Words such a clause cannot do without, English or Spanish: a sentence without them is some other
   * clause (an indemnity is no liability cap). */
  requires?: RegExp;
}

/** The name of a concept's clause, as in "is this a … clause?". */
export const clauseName = (c: ClauseConcept) => c.clause ?? c.name;

/** The words of liability clauses, the cap among them. */
const LIABILITY_TERMS = [
  "liability",
  "liable",
  "exceed",
  "aggregate",
  "damages",
  "consequential",
  "limitation",
];

/** Broad concepts first: a question that names several asks about the last (most specific) one. */
export const CLAUSE_VOCABULARY: readonly ClauseConcept[] = [
  {
    name: "license grant",
    asks: /licen[cs]e/i,
    asksEs: /licencia/i,
    terms: ["license", "licenses", "grants", "right to use", "sublicense"],
  },
  {
    name: "anti-assignment",
    asks: /assign|transfer.*(contract|agreement)/i,
    asksEs: /\bced(er|e|a)\b|cesi[oó]n|transmitir el contrato/i,
    terms: ["assign", "assignment", "transfer", "consent", "successors"],
  },
  {
    name: "ip ownership",
    clause: "intellectual property ownership",
    asks: /intellectual property|ip ownership|owns? the (work|ip|inventions)/i,
    asksEs: /propiedad intelectual|titularidad|invenciones/i,
    terms: ["intellectual property", "own", "ownership", "title", "assigns", "inventions", "work product"],
  },
  {
    // Not a clause that each party keeps its own IP: that is ownership, and the judge calls it one.
    name: "ip ownership assignment",
    clause: "intellectual property assignment",
    asks: /become the (sole )?property of|ownership assignment|assign\w* .{0,40}(intellectual property|inventions|work product)|works? made for hire/i,
    asksEs: /cesi[oó]n de (la )?propiedad intelectual|pasa(n|r[aá]n?)? a ser propiedad/i,
    terms: ["assign", "transfer", "vest", "made for hire", "property of", "shall own", "exclusive property"],
  },
  {
    name: "liability",
    asks: /liabilit|damages/i,
    asksEs: /responsabilidad|da[nñ]os|indemnizable/i,
    terms: LIABILITY_TERMS,
  },
  {
    // Asked by name: a question about who is liable for what may well be answered by an indemnity.
    name: "liability cap",
    asks: /\bcap(ped)?\b.{0,20}liabilit|uncapped|liabilit\w* (is )?(cap|limit)|limit\w* (on|of) liabilit/i,
    asksEs: /l[ií]mite de (la )?responsabilidad|tope de responsabilidad|responsabilidad m[aá]xima/i,
    terms: LIABILITY_TERMS,
    // A limit, an exclusion, a sole remedy or a time bar on claims; "without limitation" is none.
    requires:
      /\b(exceed\w*|(?<!without )limit\w*|caps?|capped|maximum|in no event|under no circumstances|neither party (shall|will) be liable|(shall|will) not be liable|(is|be) liable for no|no (party|one) (is|shall be) liable|no liability|not (be )?(liable|responsible|entitled)|aggregate|consequential|indirect|punitive|incidental|lost profits|sole (and exclusive )?(remedy|remedies|obligations?|liability)|exclusive (remedy|remedies|obligations?|liability)|entire (obligation|liability)|no (legal )?action|(action|claims?)\b.{0,120}\b(more than|within|no later than|beyond|commenced))\b|l[ií]mite|exced|m[aá]xim|en ning[uú]n caso|no ser[aá] responsable|indirect[oa]s|consecuen|lucro cesante/i,
  },
  {
    name: "term and expiration",
    clause: "contract term",
    asks: /\bexpiration date|\binitial term|when does .{0,40}\b(expire|end)|duration of the (contract|agreement)|term of the (contract|agreement)/i,
    asksEs:
      /vencimiento|vence|plazo inicial|duraci[oó]n inicial|vigencia del contrato|duraci[oó]n del contrato/i,
    terms: ["term", "expire", "expiration", "years", "commence", "until"],
  },
  {
    name: "affiliates",
    clause: "affiliate rights",
    asks: /affiliate/i,
    asksEs: /filiales|sociedades del grupo|afiliad/i,
    terms: ["affiliates", "subsidiaries", "affiliated"],
  },
  {
    name: "post-termination obligations",
    clause: "post-termination obligation",
    asks: /after (the )?(termination|expiration)|post-?termination|wind-?down|transition/i,
    asksEs:
      /tras (la )?(terminaci[oó]n|resoluci[oó]n|extinci[oó]n|el vencimiento)|despu[eé]s de (la )?(terminaci[oó]n|resoluci[oó]n)|siguen vigentes/i,
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
    asksEs: /no competencia|competir|competencia|restricciones? (por|de) territorio/i,
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
    asksEs: /exclusiv/i,
    terms: ["exclusive", "exclusively", "sole", "solely", "only", "requirements"],
  },
  {
    name: "no-solicit of customers",
    clause: "non-solicitation of customers",
    asks: /solicit\w* (customers|clients|partners)|customers or partners/i,
    asksEs: /captar (a )?(los )?clientes|captaci[oó]n de clientes/i,
    terms: ["solicit", "customers", "clients", "induce", "divert", "accounts"],
  },
  {
    name: "no-solicit of employees",
    clause: "non-solicitation of employees",
    asks: /solicit\w* (or hiring )?(employees|staff|personnel)|hir(e|ing) (employees|staff)|poach/i,
    asksEs:
      /captar o contratar (a )?(los |al )?(empleados|personal|colaboradores)|contratar (a )?(los |al )?(empleados|personal)/i,
    terms: ["solicit", "hire", "employ", "employees", "personnel", "recruit"],
  },
  {
    name: "non-disparagement",
    asks: /disparag/i,
    asksEs: /desprestigi|hablar mal|menoscab/i,
    terms: ["disparage", "disparaging", "derogatory", "negative", "reputation", "statements"],
  },
  {
    name: "termination for convenience",
    asks: /terminat\w* .*(without cause|for convenience|any reason)|without cause/i,
    asksEs: /sin causa|sin justa causa|por conveniencia|desistimiento|en cualquier momento/i,
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
    asksEs: /tanteo|retracto|derecho de preferencia|primera oferta/i,
    terms: ["right of first refusal", "first offer", "first negotiation", "offer", "match"],
  },
  {
    name: "change of control",
    asks: /change (of|in) control|merger|acquisition|stock sale|substantially all/i,
    asksEs: /cambio de control|fusi[oó]n|venta de acciones/i,
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
    asksEs: /regal[ií]as|beneficios|ingresos/i,
    terms: ["royalty", "royalties", "revenue", "profits", "percent", "net sales", "share"],
  },
  {
    name: "price restrictions",
    clause: "price restriction",
    asks: /(raise|reduce|increase|change) (the )?prices?|price (increase|restriction)/i,
    asksEs: /(subir|bajar|modificar|aumentar) (los )?precios|restricci[oó]n de precios/i,
    terms: ["price", "prices", "pricing", "increase", "adjust"],
  },
  {
    name: "minimum commitment",
    asks: /minimum (order|amount|purchase|quantity|commitment)/i,
    asksEs: /m[ií]nim[oa]/i,
    terms: ["minimum", "purchase", "order", "quantity", "commitment", "at least"],
  },
  {
    name: "volume restriction",
    asks: /exceeds? (a )?certain threshold|volume|usage (limit|cap)/i,
    asksEs: /umbral|volumen m[aá]ximo|l[ií]mite de uso/i,
    terms: ["exceed", "volume", "maximum", "threshold", "additional fee", "limit"],
  },
  {
    name: "joint ownership",
    asks: /joint(ly)? (or shared )?own|shared ownership|co-?own/i,
    asksEs: /cotitularidad|titularidad compartida|propiedad compartida|conjunta/i,
    terms: ["jointly", "joint", "co-owned", "shared", "ownership"],
  },
  {
    name: "non-transferable license",
    asks: /transfer the licen|non-?transferable|sublicens/i,
    asksEs: /transmitir (a (un )?terceros? )?la licencia|intransferible|sublicencia/i,
    terms: ["non-transferable", "nontransferable", "non-sublicensable", "may not transfer", "sublicense"],
  },
  {
    // A licence to a licensee's affiliates, or by a licensor's: neither is about transferring it.
    name: "affiliate license",
    asks: /affiliates? of (such|the) (sub)?licens|licen[cs]e grant \w+ (the )?affiliates|affiliate licen/i,
    asksEs: /licencia (a|de) (las )?(filiales|sociedades del grupo)/i,
    terms: ["affiliates", "subsidiaries", "affiliated", "license", "sublicense"],
  },
  {
    name: "unlimited license",
    asks: /all you can eat|enterprise|unlimited (usage|use|license)/i,
    asksEs: /ilimitad/i,
    terms: ["unlimited", "enterprise", "any number", "all users"],
  },
  {
    name: "perpetual or irrevocable license",
    asks: /irrevocable|perpetual/i,
    asksEs: /irrevocable|perpetu/i,
    terms: ["irrevocable", "perpetual", "perpetuity"],
  },
  {
    name: "source code escrow",
    asks: /escrow|source code/i,
    asksEs: /c[oó]digo fuente|dep[oó]sito/i,
    terms: ["source code", "escrow", "deposit", "release"],
  },
  {
    name: "audit rights",
    asks: /audit|inspect|books|records/i,
    asksEs: /auditar|auditor[ií]a|libros|registros|inspecci/i,
    terms: ["audit", "inspect", "examine", "books", "records", "accounts"],
  },
  {
    name: "liquidated damages",
    asks: /liquidated|termination fee|penalt/i,
    asksEs: /cl[aá]usula penal|penalizaci[oó]n|indemnizaci[oó]n pactada/i,
    terms: ["liquidated damages", "termination fee", "penalty", "fee"],
  },
  {
    name: "warranty",
    asks: /warrant/i,
    asksEs: /garant[ií]a/i,
    terms: ["warrants", "warranty", "defects", "months", "period"],
  },
  {
    name: "insurance",
    asks: /insur/i,
    asksEs: /seguro/i,
    terms: ["insurance", "insured", "coverage", "policy", "policies", "liability insurance"],
  },
  {
    name: "covenant not to sue",
    asks: /not to sue|contest\w* the validity|bring\w* a claim|challenge/i,
    asksEs: /impugnar|no demandar|reclamar contra/i,
    terms: ["contest", "challenge", "validity", "sue", "claim", "dispute"],
  },
  {
    name: "third-party beneficiary",
    asks: /beneficiar|non-contracting party/i,
    asksEs: /terceros? beneficiari|beneficiario/i,
    terms: ["third party beneficiary", "beneficiaries", "third parties", "enforce"],
  },
  {
    name: "governing law",
    asks: /governing law|law governs|governed by|jurisdiction|which (state|country)/i,
    asksEs: /legislaci[oó]n|ley aplicable|se rige|jurisdicci[oó]n|tribunales/i,
    terms: ["governed", "construed", "laws", "state", "jurisdiction"],
  },
  {
    name: "renewal",
    asks: /renew|extension|extend/i,
    asksEs: /renovaci[oó]n|renueva|pr[oó]rroga|prorrog/i,
    terms: ["renew", "renewal", "automatically", "successive", "extend", "additional"],
  },
  {
    name: "notice to terminate renewal",
    asks: /notice period|notice .*(renew|terminat)|non-?renewal/i,
    asksEs: /antelaci[oó]n|preaviso|evitar la pr[oó]rroga/i,
    terms: ["notice", "prior written notice", "days", "non-renewal", "intention"],
  },
  {
    name: "effective date",
    asks: /effective/i,
    asksEs: /entra en vigor|surte efectos|fecha de efecto/i,
    terms: ["effective date", "effective as of", "commence"],
  },
  {
    name: "agreement date",
    asks: /\bdate of the (contract|agreement)|\bdated\b|\bsigned on\b/i,
    asksEs: /(qu[eé]|cu[aá]l) fecha|fecha (de firma|del contrato)|se firm[oó]/i,
    terms: ["dated", "as of", "day of", "entered into"],
  },
  {
    name: "most favored nation",
    asks: /most favou?red|better terms|more favou?rable/i,
    asksEs: /m[aá]s favorecid|mejores condiciones/i,
    terms: ["most favored", "favorable", "no less favorable", "better terms", "lower price"],
  },
  {
    name: "competitive restriction exception",
    asks: /exception|carve-?out/i,
    asksEs: /excepci[oó]n|excepciones|salvedad/i,
    terms: ["notwithstanding", "except", "provided that", "shall not apply"],
  },
];

/** The concepts a question asks about, broadest first. */
export function conceptsOf(question: string): ClauseConcept[] {
  return CLAUSE_VOCABULARY.filter((c) => c.asks.test(question) || c.asksEs?.test(question));
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

/** Lower case, with a line break or a hyphen between words read as a space ("third-party", "third\nparty"). */
const flatWords = (text: string) => text.toLowerCase().replace(/[\s\-\u2010-\u2015]+/g, " ");

/**
 * Share of the clause vocabulary of a question's concepts that the passages contain (0…1), or null
 * when the question asks about no concept the table knows. A question about a most-favoured-nation
 * clause whose closest passages never speak of "favorable" terms is likely about a clause the
 * documents do not have.
 */
export function vocabularyCoverage(question: string, passages: readonly string[]): number | null {
  const terms = conceptTerms(question).map(flatWords);
  if (terms.length === 0) return null;
  const text = flatWords(passages.join("\n"));
  return terms.filter((t) => text.includes(t)).length / terms.length;
}

/**
 * Whether a quote has the words that the clause a question asks about cannot do without (checked for the
 * most specific concept asked; true when it names none).
 */
export function hasClauseEssentials(question: string, quote: string): boolean {
  const concept = conceptsOf(question).at(-1);
  return !concept?.requires || concept.requires.test(flatWords(quote));
}
