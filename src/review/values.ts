// Typed values of review cells, read from the verified quote alone: ISO dates, ISO 8601 durations,
// amounts with their currency. Each reader returns the words it read the value from, so a value the
// quote does not state can never be shown (the caller checks the words stand in the quote).
import type { CellValue } from "../../schemas/review.js";

/** A value and the words of the quote it was read from. */
export interface ReadValue {
  value: CellValue;
  /** Exactly as they stand in the quote. */
  surface: string;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTH = `(${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\\.?`;
const monthNumber = (m: string) =>
  MONTHS.findIndex((full) => full.startsWith(m.toLowerCase().slice(0, 3))) + 1;
const pad = (n: number) => String(n).padStart(2, "0");

/** Years a contract's date is taken to be in (a number outside is not a year). */
const inYearRange = (year: number) => year >= 1900 && year <= 2200;

function isoDate(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (!inYearRange(year) || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** A date stated only in part, in ISO 8601's reduced precision: the year ("2015") or year and month. */
export function reducedDate(year: number, month?: number): Extract<CellValue, { kind: "date" }> | null {
  if (!inYearRange(year)) return null;
  return { kind: "date", iso: month ? `${year}-${pad(month)}` : String(year) };
}

/** "98" → 1998, "05" → 2005. */
const fullYear = (y: string) => (y.length === 4 ? Number(y) : Number(y) + (Number(y) > 50 ? 1900 : 2000));

/** Days written as ordinal words, "first" … "thirty-first" (index + 1 is the day). */
const ORDINAL_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split(" ");
const ORDINAL_DAYS = [
  ...ORDINAL_UNITS,
  ..."tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split(
    " ",
  ),
  "twentieth",
  ...ORDINAL_UNITS.map((u) => `twenty-${u}`),
  "thirtieth",
  "thirty-first",
];
const ORDINAL_DAY = `(${ORDINAL_DAYS.map((d) => d.replace("-", "[-\\s]")).join("|")})`;
const ordinalDay = (word: string) => ORDINAL_DAYS.indexOf(word.toLowerCase().replace(/\s+/, "-")) + 1;

/** A date's words, and the ISO date the match reads as (null when it is no real date). */
interface DatePattern {
  re: RegExp;
  iso: (m: RegExpExecArray) => string | null;
}

const DATE_PATTERNS: DatePattern[] = [
  // January 15, 2020 / Jan. 15 2020
  {
    re: new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "i"),
    iso: (m) => isoDate(Number(m[3]), monthNumber(m[1]!), Number(m[2])),
  },
  // 15 January 2020 / 15th day of January, 2020
  {
    // A PDF's text may split the ordinal ("14t h day") or rule a blank line under "of" ("of\n---\nNovember").
    re: new RegExp(
      `\\b(\\d{1,2})(?:s ?t|n ?d|r ?d|t ?h)?\\s+(?:day\\s+of[\\s_-]+)?${MONTH},?\\s+(\\d{4})\\b`,
      "i",
    ),
    iso: (m) => isoDate(Number(m[3]), monthNumber(m[2]!), Number(m[1])),
  },
  // the first day of July, 2017
  {
    re: new RegExp(`\\b${ORDINAL_DAY}\\s+day\\s+of\\s+${MONTH},?\\s+(\\d{4})\\b`, "i"),
    iso: (m) => isoDate(Number(m[3]), monthNumber(m[2]!), ordinalDay(m[1]!)),
  },
  // 2020-01-15
  { re: /\b(\d{4})-(\d{2})-(\d{2})\b/, iso: (m) => isoDate(Number(m[1]), Number(m[2]), Number(m[3])) },
  // 01/15/2020 or 1/15/20 (US order, as in most contracts CUAD holds)
  {
    re: /\b(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})\b/,
    iso: (m) => isoDate(fullYear(m[3]!), Number(m[1]), Number(m[2])),
  },
];

/** Dates in letter-spaced text closed up, where its words run together ("14th dayofMarch,2016"). */
const FULL_MONTH = `(${MONTHS.join("|")})`;
const CLOSED_UP_DATE_PATTERNS: DatePattern[] = [
  {
    re: new RegExp(
      `(?<!\\d)(\\d{1,2})(?:st|nd|rd|th)?\\s*(?:day\\s*of\\s*)?${FULL_MONTH},?\\s*(\\d{4})(?!\\d)`,
      "i",
    ),
    iso: (m) => isoDate(Number(m[3]), monthNumber(m[2]!), Number(m[1])),
  },
  {
    re: new RegExp(`${FULL_MONTH}\\s*(\\d{1,2})(?:st|nd|rd|th)?,\\s*(\\d{4})(?!\\d)`, "i"),
    iso: (m) => isoDate(Number(m[3]), monthNumber(m[1]!), Number(m[2])),
  },
];

/** The first calendar date the text states, as an ISO date. */
export function readDate(text: string): ReadValue | null {
  const first = firstDate(text, DATE_PATTERNS);
  if (first) return { value: { kind: "date", iso: first.iso }, surface: first.surface };
  return readLetterSpacedDate(text);
}

/** The earliest match of the patterns that is a real calendar date: where, the ISO date, the words. */
function firstDate(text: string, patterns: readonly DatePattern[]) {
  const found = patterns
    .map((pattern) => {
      const m = pattern.re.exec(text);
      if (!m) return null;
      const iso = pattern.iso(m);
      return iso ? { at: m.index, length: m[0].length, iso, surface: m[0] } : null;
    })
    .filter((x) => x !== null);
  return found.sort((a, b) => a.at - b.at)[0] ?? null;
}

/**
 * A date the contract leaves partly blank, to be filled in on signing ("the ____ day of ________, 2015",
 * "day of , 2014" where the PDF lost the rules, "April ____, 2003"): as much of it as it states, ISO
 * 8601's reduced precision ("2015", "2003-04").
 */
export function readBlankDate(text: string): ReadValue | null {
  const first = firstDate(text, BLANK_DATES);
  return first && { value: { kind: "date", iso: first.iso }, surface: first.surface };
}

const yearOnly = (m: RegExpExecArray) => reducedDate(Number(m[1]))?.iso ?? null;
/** Dates with blanks: the year alone, or the month and year. */
const BLANK_DATES: DatePattern[] = [
  { re: /(?<!\w)(?:_{2,}\s*)?day\s+of\s*(?:_{2,}\s*,?\s*|,\s*)(\d{4})(?!\d)/i, iso: yearOnly },
  // "dated ________, 2015": the words from the blank on.
  { re: /(?<=\b(?:dated|as of|made on|entered into on)\s+)_{3,}[\s_]*,?\s*(\d{4})(?!\d)/i, iso: yearOnly },
  {
    re: new RegExp(`\\b${MONTH}\\s*_{2,}\\s*,?\\s*(\\d{4})(?!\\d)`, "i"),
    iso: (m) => reducedDate(Number(m[2]), monthNumber(m[1]!))?.iso ?? null,
  },
];

/** What a reduced-precision date leaves out, in words; undefined for a whole date. */
export function blankDateNote(value: CellValue): string | undefined {
  if (value.kind !== "date" || !/^\d{4}(-\d{2})?$/.test(value.iso)) return undefined;
  return value.iso.length === 4
    ? "the contract leaves the day and month blank"
    : "the contract leaves the day blank";
}

/** Four or more single characters a space apart: a PDF's letter-spaced words ("d a y o f M a r c h"). */
const LETTER_SPACED = /(?<!\S)(?:\S ){3,}\S(?!\S)/g;

/** A date in letter-spaced text, read with its runs closed up and cited by the words as they stand. */
function readLetterSpacedDate(text: string): ReadValue | null {
  const runs = [...text.matchAll(LETTER_SPACED)];
  if (runs.length === 0) return null;
  // Where each character of the closed-up text stands in the text.
  const at: number[] = [];
  let last = 0;
  let closed = "";
  const keep = (from: number, to: number, drop?: string) => {
    for (let i = from; i < to; i++) {
      if (text[i] === drop) continue;
      closed += text[i];
      at.push(i);
    }
  };
  for (const m of runs) {
    keep(last, m.index);
    keep(m.index, m.index + m[0].length, " ");
    last = m.index + m[0].length;
  }
  keep(last, text.length);
  const date = firstDate(closed, CLOSED_UP_DATE_PATTERNS);
  if (!date) return null;
  const surface = text.slice(at[date.at], at[date.at + date.length - 1]! + 1);
  return { value: { kind: "date", iso: date.iso }, surface };
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  eighteen: 18,
  twenty: 20,
  thirty: 30,
  forty: 40,
  "forty-five": 45,
  fifty: 50,
  sixty: 60,
  ninety: 90,
  "one hundred twenty": 120,
  "one hundred eighty": 180,
};
const UNITS: Record<string, string> = { day: "D", week: "W", month: "M", year: "Y" };

/**
 * A period the text states ("two (2) years", "30 days", "six months"), as ISO 8601: the one nearest a
 * cue word when one is given (a renewal clause can state the renewal term and the notice period).
 */
export function readDuration(text: string, cue?: RegExp): ReadValue | null {
  const words = Object.keys(NUMBER_WORDS)
    .sort((a, b) => b.length - a.length)
    .join("|");
  const re = new RegExp(
    `\\b(?:(${words})\\s*(?:\\((\\d+)\\))?|(\\d+))[\\s-]+(?:\\([^)]*\\)\\s+)?(?:calendar\\s+|business\\s+|consecutive\\s+)?(day|week|month|year)s?\\b`,
    "gi",
  );
  const found = [...text.matchAll(re)].flatMap((m) => {
    const n = m[2] ? Number(m[2]) : m[3] ? Number(m[3]) : NUMBER_WORDS[m[1]!.toLowerCase()]!;
    if (!Number.isFinite(n) || n <= 0) return [];
    const value: CellValue = { kind: "duration", iso: `P${n}${UNITS[m[4]!.toLowerCase()]}` };
    return [{ value, surface: m[0], at: m.index }];
  });
  const cues = cue ? [...text.matchAll(new RegExp(cue.source, "gi"))].map((m) => m.index) : [];
  const distance = (at: number) => Math.min(Number.POSITIVE_INFINITY, ...cues.map((c) => Math.abs(c - at)));
  const best = cues.length ? [...found].sort((a, b) => distance(a.at) - distance(b.at))[0] : found[0];
  return best ? { value: best.value, surface: best.surface } : null;
}

/** An expiry stated as a period from another date: the words, the period (ISO 8601) and the date named. */
export interface RelativeExpiry {
  surface: string;
  period: string;
  /** What the period runs from, as the quote names it ("Effective Date", "date hereof"). */
  anchor: string;
}

/** How a contract names its own start: its effective date, or its own date. */
const CONTRACT_START =
  "(?:Effective Date|date hereof|date of (?:this|the) (?:Agreement|Contract)|date first (?:above )?(?:written|set forth above)|Execution Date)";

/**
 * The period and what it runs from: "three (3) years from the Effective Date", "the fifth (5th)
 * anniversary of the Effective Date", or a term that starts on the contract's start and runs a period
 * ("commence on the Effective Date and continue for a period of one (1) year"). Null when the quote has none.
 */
export function readRelativeExpiry(text: string): RelativeExpiry | null {
  return periodFrom(text) ?? anniversaryOf(text) ?? startThenPeriod(text);
}

/** "three (3) years from the Effective Date" (any date it runs from). */
function periodFrom(text: string): RelativeExpiry | null {
  const period = readDuration(text);
  if (period?.value.kind !== "duration") return null;
  const at = text.indexOf(period.surface);
  const after =
    /^,?\s+(?:from|after|following|(?:beginning|commencing|starting)\s+on)\s+(?:the\s+)?((?:[A-Z][\w’'-]*\s*){1,4}|date\s+(?:hereof|(?:of|on)\s+[^,.;()]{3,40}))/.exec(
      text.slice(at + period.surface.length),
    );
  if (!after) return null;
  const surface = `${period.surface}${after[0]}`.trim();
  return { surface, period: period.value.iso, anchor: after[1]!.replace(/\s+/g, " ").trim() };
}

/** "the fifth (5th) anniversary of the Effective Date": that many years from it. */
function anniversaryOf(text: string): RelativeExpiry | null {
  const m = new RegExp(
    `\\b${ORDINAL_DAY}\\s+(?:\\(\\d+\\s?(?:s ?t|n ?d|r ?d|t ?h)\\)\\s+)?anniversary\\s+of\\s+(?:the\\s+)?(${CONTRACT_START})`,
    "i",
  ).exec(text);
  if (!m) return null;
  return { surface: m[0], period: `P${ordinalDay(m[1]!)}Y`, anchor: m[2]!.replace(/\s+/g, " ") };
}

/** A term that starts on the contract's start and runs a period stated after it, in the same sentence. */
function startThenPeriod(text: string): RelativeExpiry | null {
  const start = new RegExp(
    `\\b(?:commenc\\w*|effective|begin\\w*|take effect|in effect)\\s+(?:on|as of|from)\\s+(?:the\\s+)?(${CONTRACT_START})`,
    "i",
  ).exec(text);
  if (!start) return null;
  const from = start.index + start[0].length;
  const rest = text.slice(from, from + 160);
  const period = readDuration(rest.split(/[;.](?:\s|$)/)[0]!);
  if (period?.value.kind !== "duration") return null;
  const at = rest.indexOf(period.surface);
  const end = at + period.surface.length;
  // The term's own length ("for a period of one (1) year", "ending two (2) years thereafter"), not a notice period.
  const runs =
    /\b(?:for|of)\s+(?:a\s+(?:period|term)\s+of\s+|an\s+initial\s+(?:period|term)\s+of\s+)?$/i.test(
      rest.slice(0, at),
    ) || /^\s+thereafter/i.test(rest.slice(end));
  if (!runs || /notice|terminat/i.test(rest.slice(0, at))) return null;
  return {
    surface: text.slice(start.index, from + end),
    period: period.value.iso,
    anchor: start[1]!.replace(/\s+/g, " "),
  };
}

/**
 * An expiry stated relative to another date ("three (3) years from the Effective Date"), in the quote's
 * own words: it states no calendar date, but it is the answer a reader looks for.
 */
export function readRelativeDate(text: string): ReadValue | null {
  const relative = readRelativeExpiry(text);
  if (!relative) return null;
  return { value: { kind: "text", text: relative.surface.replace(/\s+/g, " ") }, surface: relative.surface };
}

const IS_CONTRACT_START = new RegExp(`^${CONTRACT_START}$`, "i");
/** Whether the date a period runs from is the contract's own start: its effective date, or its own date. */
export const namesContractStart = (anchor: string) => IS_CONTRACT_START.test(anchor);

/** A term without end ("in perpetuity", "for an indefinite period"), read as the value "perpetual". */
export function readPerpetual(text: string): ReadValue | null {
  const m =
    /\b(?:in perpetuity|perpetual(?:ly)?(?!\s+(?:license|licence|right))|for an indefinite (?:period|term)|indefinitely)\b/i.exec(
      text,
    );
  return m ? { value: { kind: "text", text: "perpetual" }, surface: m[0] } : null;
}

/** An ISO date moved on by an ISO 8601 period ("P3Y", "P18M", "P90D"): the same day that much later. */
export function addPeriod(iso: string, period: string): string | null {
  const m = /^P(\d+)([DWMY])$/.exec(period);
  const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
  if (!m || !year || !month || !day) return null;
  const n = Number(m[1]);
  const unit = m[2]!;
  const months = unit === "Y" ? 12 * n : unit === "M" ? n : 0;
  const days = unit === "D" ? n : unit === "W" ? 7 * n : 0;
  const d = new Date(Date.UTC(year, month - 1 + months, day + days));
  // "One year from February 29" ends on February 28, not March 1.
  if (months > 0 && d.getUTCDate() !== day) d.setUTCDate(0);
  return d.toISOString().slice(0, 10);
}

const CURRENCY_SIGNS: Record<string, string> = { $: "USD", "€": "EUR", "£": "GBP", "¥": "JPY" };
const CURRENCY_WORDS: Record<string, string> = {
  dollars: "USD",
  "u.s. dollars": "USD",
  euros: "EUR",
  euro: "EUR",
  pounds: "GBP",
};

/** The first amount of money the text states, with its currency. */
export function readMoney(text: string): ReadValue | null {
  const amount = String.raw`(\d{1,3}(?:[,\s]\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s*(million|billion))?`;
  const patterns = [
    new RegExp(String.raw`(US\$|\$|€|£|¥|\b(?:USD|EUR|GBP|CHF|JPY|CAD)\s?)\s?${amount}`, "i"),
    new RegExp(String.raw`\b${amount}\)?\s+(u\.s\. dollars|dollars|euros?|pounds)\b`, "i"),
  ];
  const hits = patterns
    .map((re, i) => ({ m: re.exec(text), signFirst: i === 0 }))
    .filter((h): h is { m: RegExpExecArray; signFirst: boolean } => h.m !== null);
  const hit = hits.sort((a, b) => a.m.index - b.m.index)[0];
  if (!hit) return null;
  const { m } = hit;
  const [symbol, whole, cents, scale] = hit.signFirst
    ? [m[1]!, m[2]!, m[3], m[4]]
    : [m[4]!, m[1]!, m[2], m[3]];
  const key = symbol.trim();
  const currency =
    CURRENCY_SIGNS[key] ?? (key === "US$" ? "USD" : (CURRENCY_WORDS[key.toLowerCase()] ?? key.toUpperCase()));
  const multiplier = scale ? (scale.toLowerCase() === "million" ? 1e6 : 1e9) : 1;
  const value = (Number(whole.replace(/[,\s]/g, "")) + (cents ? Number(`0.${cents}`) : 0)) * multiplier;
  return { value: { kind: "money", amount: value, currency }, surface: m[0].trim() };
}

/** The law a governing-law clause names ("the laws of the State of New York" → "New York"). */
export function readGoverningLaw(text: string): ReadValue | null {
  const m =
    /\blaws?\s+of\s+(?:the\s+)?(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+|Republic\s+of\s+)?([A-Z][\w.]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.]*){0,3})/.exec(
      text,
    );
  if (!m) return null;
  const place = m[1]!.replace(/\s+(and|or|without|excluding)$/i, "").trim();
  return { value: { kind: "text", text: PLACE_NAMES[place.replace(/\./g, "")] ?? place }, surface: place };
}

/** Places contracts name by initials, by their names ("the laws of the PRC"). */
const PLACE_NAMES: Readonly<Record<string, string>> = {
  PRC: "People's Republic of China",
  HKSAR: "Hong Kong",
  USA: "United States",
  US: "United States",
  UK: "United Kingdom",
  UAE: "United Arab Emirates",
};

/** The last word of a document's name: what kind of instrument it is. */
const INSTRUMENT =
  "(?:Agreement|Contract|Amendment|Addendum|Lease|Licen[cs]e|Deed|Memorandum|Plan|Note|Charter|Terms)";
/** A word of a name in title case or capitals, or a small word inside it. */
const TITLE_WORD = "(?:[A-Z][\\w&'.-]*,?|of|to|and|for|the|on)";

/**
 * The document's own name, as its opening states it: "This Supply Agreement (the …)", "THIS SECOND
 * AMENDMENT TO SERVICES AGREEMENT, dated …", or a title line such as "JOINT CONTENT LICENSE AGREEMENT".
 */
export function readDocumentName(text: string): ReadValue | null {
  const named = new RegExp(
    `\\b(?:This|THIS)\\s+((?:${TITLE_WORD}\\s+){1,8}(?:${INSTRUMENT}|${INSTRUMENT.toUpperCase()}))(?=\\s*[(,]|\\s+(?:is|was|dated|made|entered|by|between)\\b)`,
  ).exec(text);
  const heading = new RegExp(`^\\s*((?:[A-Z][A-Z&'-]*\\s+){1,7}${INSTRUMENT.toUpperCase()})\\s*$`, "m").exec(
    text,
  );
  const name = (named?.[1] ?? heading?.[1])?.replace(/\s+/g, " ").trim();
  if (!name) return null;
  return { value: { kind: "text", text: name }, surface: name };
}

/** The word that ends a company's name ("Inc.", "LLC", "CORPORATION", "GmbH", "Co."). */
const COMPANY_SUFFIX =
  "(?:Inc|INC|Incorporated|INCORPORATED|LLC|L\\.L\\.C|Ltd|LTD|Limited|LIMITED|Corporation|CORPORATION|Corp|CORP|Company|COMPANY|Co|CO|LLP|L\\.P|LP|plc|PLC|GmbH|AG|S\\.A|SA|N\\.V|B\\.V|S\\.p\\.A|Pty|PTY)\\.?";
/** A capitalised word of a name, or a small word inside one ("Research and Engineering Company"). */
const NAME_WORD = "(?:[A-Z0-9][\\w&'’.-]*,?|and|of|for|de|&)";
/** Words that come before a party's name but are not part of it. */
const NOT_NAME = /^(?:by|and|between|among|amongst|with|this|is|made|entered|into|of|for|de|&)$/i;

/**
 * The companies a quote names, each as the quote writes it ("Xencor, Inc.", "EL POLLO LOCO, INC.",
 * "ExxonMobil Research and Engineering Company"): a run of capitalised words ending in a company
 * suffix, not "a Delaware Corporation". A person's name has no such mark (the chat model copies it).
 */
export function readCompanyNames(text: string): string[] {
  const re = new RegExp(`(?<![\\w&'’.-])((?:${NAME_WORD}\\s+){1,6}?${COMPANY_SUFFIX})(?![\\w])`, "g");
  const names: string[] = [];
  for (const m of text.matchAll(re)) {
    if (/\b(?:a|an)\s+$/i.test(text.slice(Math.max(0, m.index - 4), m.index))) continue;
    const words = m[1]!.split(/\s+/);
    while (words.length > 1 && NOT_NAME.test(words[0]!.replace(/,$/, ""))) words.shift();
    const name = words.join(" ");
    if (words.length > 1 && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * A party's name without what the contract says about it: "Acme, LLC, a Delaware limited liability
 * company" → "Acme, LLC"; "WPT Enterprises, Inc. (“WPT”), with offices at …" → "WPT Enterprises, Inc.".
 */
export function partyName(text: string): string {
  const cut =
    /,?\s+(?:a|an)\s+(?=[A-Z][a-z]|limited|corporation|company)|\s*\(|,\s+(?:with|having|whose|located|organi[sz]ed|incorporated|doing business)\b/.exec(
      text,
    );
  return (cut ? text.slice(0, cut.index) : text).replace(/[\s,;]+$/, "").trim();
}

/** Whether `surface` stands in the quote (spacing and case aside): a value must be the quote's own words. */
export function quoteStates(quote: string, surface: string): boolean {
  const fold = (s: string) => s.replace(/\s+/g, " ").trim().toLowerCase();
  return surface.trim().length > 0 && fold(quote).includes(fold(surface));
}
