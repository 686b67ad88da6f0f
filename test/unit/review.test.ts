// Contract review's pure parts: templates (shipped and users'), typed values read from quotes, export.
import ExcelJS from "exceljs";
import type { ReviewView } from "../../schemas/review.js";
import { numberPassages } from "../../src/answer/passages.js";
import { cellText, reviewCsv, reviewXlsx } from "../../src/review/export.js";
import {
  asksExpiry,
  asksOwnDate,
  chooseCellEvidence,
  citesOwnWords,
  companiesNamed,
  leadWith,
  readTyped,
  statesValueInOwnWords,
  valueCitation,
  valueQuotes,
} from "../../src/review/extractor.js";
import {
  parseTemplate,
  shippedTemplate,
  TemplateError,
  validateTemplate,
} from "../../src/review/templates.js";
import {
  addPeriod,
  blankDateNote,
  namesContractStart,
  partyName,
  quoteStates,
  readBlankDate,
  readCompanyNames,
  readDate,
  readDocumentName,
  readDuration,
  readGoverningLaw,
  readMoney,
  readRelativeExpiry,
} from "../../src/review/values.js";
import { overlapShare, scoresOf, statusAt, valueMatches } from "../../src/usecases/eval/review.js";
import { openingPassage, retrievedPassage } from "../support/passages.js";

/** A verified citation of a page's text from `start` to its end. */
const pageCitation = (page: string, start: number, pageNumber: number) => ({
  n: 1,
  chunk_id: "c1",
  document_id: "doc_1",
  title: "Supply",
  section: "",
  page: pageNumber,
  quote: page.slice(start),
  char_start: start,
  char_end: page.length,
  verified: true as const,
});

/** An expiry field, as a user template would write it. */
const EXPIRY_FIELD = {
  name: "Expiration Date",
  question: "On what date will the initial term expire?",
  description: "",
  type: "date" as const,
};

describe("templates", () => {
  test("cuad ships CUAD's 41 categories with descriptions and the CC BY 4.0 attribution", () => {
    const cuad = shippedTemplate("cuad");
    expect(cuad.fields).toHaveLength(41);
    expect(cuad.attribution).toMatch(/CC BY 4\.0/);
    expect(cuad.fields.every((f) => f.description.length > 10)).toBe(true);
    expect(cuad.fields.find((f) => f.name === "Governing Law")?.type).toBe("text");
    expect(cuad.fields.find((f) => f.name === "Renewal Term")?.type).toBe("duration");
    // How common each clause is, so a rare one needs more support: escrow seldom, governing law nearly always.
    expect(cuad.fields.every((f) => f.prevalence !== undefined)).toBe(true);
    const prevalence = (name: string) => cuad.fields.find((f) => f.name === name)?.prevalence ?? 0;
    expect(prevalence("Source Code Escrow")).toBeLessThan(0.1);
    expect(prevalence("Governing Law")).toBeGreaterThan(0.8);
  });

  test("essentials is short and summary is a summary template", () => {
    expect(shippedTemplate("essentials").fields.length).toBeGreaterThanOrEqual(10);
    expect(shippedTemplate("essentials").fields.length).toBeLessThanOrEqual(14);
    expect(shippedTemplate("summary").kind).toBe("summary");
  });

  test("an unknown template name says which there are", () => {
    expect(() => shippedTemplate("nda")).toThrow(/use one of cuad, essentials, summary/);
  });

  test("a user's YAML template is read, with defaults filled in", () => {
    const t = parseTemplate(
      "name: my-deal\nfields:\n  - name: Term\n    question: How long does the contract last?\n    type: duration\n",
      "deal.yaml",
    );
    expect(t.fields[0]).toEqual({
      name: "Term",
      question: "How long does the contract last?",
      description: "",
      type: "duration",
    });
  });

  test("a bad field is named, with what is wrong with it", () => {
    const bad = {
      name: "deal",
      fields: [
        { name: "Term", question: "How long?", type: "duration" },
        { name: "Law", question: "Which law governs?", type: "country" },
        { name: "Escrow", question: "Is source code held in escrow?", prevalence: 2 },
      ],
    };
    let error: unknown;
    try {
      validateTemplate(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).problems).toHaveLength(2);
    expect((error as TemplateError).problems[0]).toMatch(/^fields\[1\] \("Law"\)\.type: .*clause/);
    expect((error as TemplateError).problems[1]).toMatch(/^fields\[2\] \("Escrow"\)\.prevalence: .*below 1/);
  });

  test("broken YAML and duplicate field names are refused in words", () => {
    expect(() => parseTemplate("name: x\nfields: [", "x.yml")).toThrow(/not valid YAML/);
    const dup = { name: "x", fields: [1, 2].map(() => ({ name: "Term", question: "How long?" })) };
    expect(() => validateTemplate(dup)).toThrow(/field names must be unique/);
  });
});

describe("typed values from the quote alone", () => {
  test("dates become ISO dates", () => {
    const isoOf = (text: string) => {
      const value = readDate(text)?.value;
      return value?.kind === "date" ? value.iso : null;
    };
    expect(isoOf("This Agreement is dated as of January 15, 2020 by and between")).toBe("2020-01-15");
    expect(isoOf("made this 3rd day of March, 2019")).toBe("2019-03-03");
    expect(isoOf("effective 2021-07-01")).toBe("2021-07-01");
    expect(isoOf("on February 30, 2020")).toBeNull();
    expect(isoOf("1/19/98")).toBe("1998-01-19");
    expect(isoOf("1/21/05")).toBe("2005-01-21");
    expect(isoOf("within thirty days")).toBeNull();
    // A day in words, as many openings write it.
    expect(isoOf("is made this first day of July, 2017 (the")).toBe("2017-07-01");
    expect(isoOf("on this Twenty-Third day of June 2005")).toBe("2005-06-23");
    expect(isoOf("this thirty-first day of June, 2005")).toBeNull();
    // A PDF's text with the ordinal split, or a rule under "day of".
    expect(isoOf("entered into this 14t h day of April, 2015, by")).toBe("2015-04-14");
    expect(isoOf("is made this 1st day of\n---\nNovember, 2003 by and")).toBe("2003-11-01");
  });

  test("a date in letter-spaced PDF text is read, and cited by the words as the page has them", () => {
    const opening =
      'This Endorsement Agreement is made this 14th d a y o f M a r c h , 2 0 1 6 ("Effective Date"), by';
    expect(readDate(opening)).toEqual({
      value: { kind: "date", iso: "2016-03-14" },
      surface: "14th d a y o f M a r c h , 2 0 1 6",
    });
    expect(readDate("dated as of M a r c h 3 , 2 0 1 6 by")?.surface).toBe("M a r c h 3 , 2 0 1 6");
    expect(readDate("A N D T H E N within 3 0 d a y s")).toBeNull();
  });

  test("a date left blank for signing is as much of it as the contract states, and says what is blank", () => {
    const blank = (text: string) => readBlankDate(text);
    expect(blank("This Agreement is made this ______ day of ______________, 2015.")).toEqual({
      value: { kind: "date", iso: "2015" },
      surface: "______ day of ______________, 2015",
    });
    // The PDF's text lost the rules: what is left is still the date's words.
    expect(blank("entered into this day of , 2014, by and between")?.surface).toBe("day of , 2014");
    expect(blank("dated as of April ____, 2003 between")?.value).toEqual({ kind: "date", iso: "2003-04" });
    expect(blank("dated as of ___________, 2015 by")?.surface).toBe("___________, 2015");
    expect(blank("this day of , 19")).toBeNull();
    expect(blank("within 30 days of , 2014")).toBeNull();
    expect(blank("the 1st day of July, 2017")).toBeNull();
    const agreementDate = shippedTemplate("cuad").fields.find((f) => f.name === "Agreement Date")!;
    expect(readTyped(agreementDate, "made this ____ day of ______, 2015 by")?.value).toEqual({
      kind: "date",
      iso: "2015",
    });
    // An expiry is never a blank: "until ____, 2020" is not the date a term ends.
    expect(readTyped(EXPIRY_FIELD, "made this ____ day of ______, 2015 by")).toBeNull();
    expect(blankDateNote({ kind: "date", iso: "2015" })).toBe("the contract leaves the day and month blank");
    expect(blankDateNote({ kind: "date", iso: "2003-04" })).toBe("the contract leaves the day blank");
    expect(blankDateNote({ kind: "date", iso: "2003-04-01" })).toBeUndefined();
  });

  test("the contract's own date in its opening, or a term without end, needs none of the words such clauses are written in", () => {
    const agreementDate = shippedTemplate("cuad").fields.find((f) => f.name === "Agreement Date")!;
    const opening = "This Software Development Agreement is made effective December 3rd, 2018 between";
    expect(statesValueInOwnWords(agreementDate, [opening])).toBe(true);
    expect(statesValueInOwnWords(agreementDate, ["The Developer shall deliver the software."])).toBe(false);
    const renewal = shippedTemplate("cuad").fields.find((f) => f.name === "Renewal Term")!;
    expect(statesValueInOwnWords(renewal, ["for a period of two (2) years"])).toBe(false);
    expect(
      statesValueInOwnWords(EXPIRY_FIELD, ["This Agreement shall be valid for an indefinite period."]),
    ).toBe(true);
    expect(
      statesValueInOwnWords(EXPIRY_FIELD, ["Each party grants a perpetual license to the Software."]),
    ).toBe(false);
  });

  test("an expiry stated from another date is read in the quote's own words; a bare period is not an expiry", () => {
    const read = (t: string) => readTyped(EXPIRY_FIELD, t)?.value;
    expect(
      read("This Agreement will be in effect for three (3) years from the Effective Date (“Initial Term”)"),
    ).toEqual({
      kind: "text",
      text: "three (3) years from the Effective Date",
    });
    expect(read("The Agreement expires on December 31, 2022.")).toEqual({ kind: "date", iso: "2022-12-31" });
    expect(read("shall remain in effect for an initial period of 1 year")).toBeUndefined();
    // Only an expiry: a date asked for elsewhere is a calendar date or nothing.
    expect(
      readTyped(
        { ...EXPIRY_FIELD, name: "Agreement Date", question: "What is the date of the contract?" },
        "three (3) years from the Effective Date",
      ),
    ).toBeNull();
  });

  test("a term without end reads as perpetual; a perpetual licence is no term", () => {
    expect(readTyped(EXPIRY_FIELD, "This Agreement shall be valid for an indefinite period.")).toEqual({
      value: { kind: "text", text: "perpetual" },
      surface: "for an indefinite period",
    });
    expect(readTyped(EXPIRY_FIELD, "and shall continue in perpetuity unless terminated")?.value).toEqual({
      kind: "text",
      text: "perpetual",
    });
    expect(readTyped(EXPIRY_FIELD, "grants a perpetual license to use the Software")).toBeNull();
  });

  test("an expiry from the contract's start has a period and an anchor, and moves a date on by it", () => {
    expect(
      readRelativeExpiry("in effect for three (3) years from the Effective Date (“Initial Term”)"),
    ).toEqual({
      surface: "three (3) years from the Effective Date",
      period: "P3Y",
      anchor: "Effective Date",
    });
    expect(readRelativeExpiry("The initial term is five (5) years from the date hereof.")).toMatchObject({
      period: "P5Y",
      anchor: "date hereof",
    });
    expect(
      readRelativeExpiry("shall continue until the fifth (5t h) anniversary of the Effective Date"),
    ).toMatchObject({
      period: "P5Y",
      anchor: "Effective Date",
    });
    // A term that starts on the Effective Date and runs a period; a notice period is not the term's length.
    expect(
      readRelativeExpiry(
        "shall commence on the Effective Date and continue for a period of one (1) year (“Term”)",
      ),
    ).toEqual({
      surface: "commence on the Effective Date and continue for a period of one (1) year",
      period: "P1Y",
      anchor: "Effective Date",
    });
    expect(
      readRelativeExpiry(
        "will continue in full force beginning on the Effective Date and ending two (2) years thereafter",
      ),
    ).toMatchObject({ period: "P2Y" });
    expect(
      readRelativeExpiry(
        "shall commence on the Effective Date and continue until terminated on thirty (30) days notice",
      ),
    ).toBeNull();
    expect(namesContractStart("Effective Date")).toBe(true);
    expect(namesContractStart("date hereof")).toBe(true);
    // Another date is not the contract's own: it would need its own search.
    expect(namesContractStart("Hosting Service Ready Date")).toBe(false);
    expect(addPeriod("2018-02-01", "P3Y")).toBe("2021-02-01");
    expect(addPeriod("2019-09-14", "P12M")).toBe("2020-09-14");
    expect(addPeriod("2020-01-31", "P1M")).toBe("2020-02-29");
    expect(addPeriod("2020-02-29", "P1Y")).toBe("2021-02-28");
    expect(addPeriod("2021-03-03", "P90D")).toBe("2021-06-01");
  });

  test("only an expiry date is dated from the contract's start; a period is read by its field's own cue word", () => {
    const cuad = shippedTemplate("cuad").fields;
    const named = (n: string) => cuad.find((f) => f.name === n)!;
    expect(asksExpiry(named("Expiration Date"))).toBe(true);
    // Its question names the initial term's expiry, but a renewal term is a period.
    expect(asksExpiry(named("Renewal Term"))).toBe(false);
    const term = { quote: "the term of this Agreement shall be for a period of five (5) years" };
    const notice = {
      quote: "upon written notice no later than ninety (90) calendar days prior to the expiration",
    };
    expect(valueQuotes(named("Notice Period To Terminate Renewal"), [term, notice])).toEqual([notice, term]);
    expect(valueQuotes(named("Expiration Date"), [term, notice])).toEqual([term, notice]);
    // A renewal term is the period next to "renewal", though CUAD's question speaks of "prior notice" too.
    const renewal =
      "the term shall be for a period of five (5) years (the “Initial Term”); provided, however, the Initial Term shall be subject to automatic successive renewal terms of three (3) years each";
    expect(readTyped(named("Renewal Term"), renewal)?.value).toEqual({ kind: "duration", iso: "P3Y" });
  });

  test("periods become ISO 8601 durations", () => {
    expect(readDuration("renews for successive one (1) year terms")?.value).toEqual({
      kind: "duration",
      iso: "P1Y",
    });
    expect(readDuration("at least ninety (90) days' prior written notice")?.value?.kind).toBe("duration");
    expect(readDuration("at least ninety (90) days' prior written notice")).toMatchObject({
      value: { iso: "P90D" },
    });
    expect(readDuration("for a period of 24 months")).toMatchObject({ value: { iso: "P24M" } });
    expect(readDuration("six months after delivery")).toMatchObject({ value: { iso: "P6M" } });
    expect(readDuration("no period here")).toBeNull();
    const renewal =
      "renews automatically for successive one (1) year terms unless either party gives at least sixty (60) days' prior written notice of non-renewal.";
    expect(readDuration(renewal, /notice/)).toMatchObject({ value: { iso: "P60D" } });
    expect(readDuration(renewal, /renew|successive|extend/)).toMatchObject({ value: { iso: "P1Y" } });
  });

  test("money keeps its currency", () => {
    expect(readMoney("shall not exceed $1,500,000.00 in the aggregate")?.value).toEqual({
      kind: "money",
      amount: 1_500_000,
      currency: "USD",
    });
    expect(readMoney("a fee of EUR 20,000 per year")?.value).toEqual({
      kind: "money",
      amount: 20_000,
      currency: "EUR",
    });
    expect(readMoney("five hundred thousand (500,000) dollars")?.value).toMatchObject({ currency: "USD" });
    expect(readMoney("the fees paid in the twelve months")).toBeNull();
  });

  test("the governing law names its place", () => {
    expect(readGoverningLaw("governed by the laws of the State of New York, without regard")?.value).toEqual({
      kind: "text",
      text: "New York",
    });
    expect(readGoverningLaw("construed under the laws of England and Wales")?.value).toMatchObject({
      text: "England and Wales",
    });
    // A place named by its initials is named in full, cited by the initials the quote has.
    const prc = readGoverningLaw("shall be governed by the laws of the PRC, without regard to conflicts");
    expect(prc).toEqual({ value: { kind: "text", text: "People's Republic of China" }, surface: "PRC" });
    expect(readGoverningLaw("the laws of the P.R.C. shall apply")?.value).toMatchObject({
      text: "People's Republic of China",
    });
  });

  test("the document's own name, and a party's name without its description", () => {
    const name = (t: string) => readDocumentName(t)?.surface;
    expect(name("This Supply Agreement (the “Agreement”) is entered into as of May 1, 2019")).toBe(
      "Supply Agreement",
    );
    expect(name("This SECOND AMENDMENT TO SERVICES AGREEMENT, dated and effective as of March 1, 2016")).toBe(
      "SECOND AMENDMENT TO SERVICES AGREEMENT",
    );
    expect(name("JOINT CONTENT LICENSE AGREEMENT\nThis agreement is made")).toBe(
      "JOINT CONTENT LICENSE AGREEMENT",
    );
    expect(
      name("This COLLABORATIVE RESEARCH, DEVELOPMENT AND COMMERCIALIZATION AGREEMENT (this “Agreement”) is"),
    ).toBe("COLLABORATIVE RESEARCH, DEVELOPMENT AND COMMERCIALIZATION AGREEMENT");
    // "This Agreement" names no document; a party is not a document.
    expect(name("This Agreement shall be governed by the laws of Ohio")).toBeUndefined();
    expect(name('Lifeway Foods, Inc ("Lifeway") and Ludmila Smolyansky')).toBeUndefined();
    expect(partyName("Florida Chemical Company, LLC, a Delaware limited liability company")).toBe(
      "Florida Chemical Company, LLC",
    );
    expect(
      partyName("WPT Enterprises, Inc., a Delaware corporation, with offices located at 1920 Main"),
    ).toBe("WPT Enterprises, Inc.");
    expect(partyName('Lifeway Foods, Inc ("Lifeway")')).toBe("Lifeway Foods, Inc");
    expect(partyName("Acme Corp")).toBe("Acme Corp");
  });

  test("the companies an opening names are read by their suffix, each as the page writes it", () => {
    expect(
      readCompanyNames(
        "is made by and among\nXencor, Inc., a Delaware Corporation, and Boehringer Ingelheim International GmbH (“BII”)",
      ),
    ).toEqual(["Xencor, Inc.", "Boehringer Ingelheim International GmbH"]);
    expect(readCompanyNames("between ExxonMobil Research and Engineering Company (“ExxonMobil”)")).toEqual([
      "ExxonMobil Research and Engineering Company",
    ]);
    expect(readCompanyNames("BY AND BETWEEN ACME CORP. AND BETA LIMITED")).toEqual([
      "ACME CORP.",
      "BETA LIMITED",
    ]);
    // A person, or "the Company", is not read by a suffix.
    expect(readCompanyNames("Bruce Jenner, Individual, and the Company")).toEqual([]);
  });

  test("every company in a party cell's quotes is its value, each cited by its own words", () => {
    const page =
      "This Supply Agreement is made between Harbor Foods Inc. and Ridge Farms LLC, a Delaware company.";
    const citation = pageCitation(page, 0, 1);
    const read = companiesNamed([citation]);
    expect(read?.value).toEqual({ kind: "text", text: "Harbor Foods Inc.; Ridge Farms LLC" });
    // (A verified quote ends before a closing period.)
    expect(read?.citations.map((c) => page.slice(c.char_start, c.char_end))).toEqual([
      "Harbor Foods Inc",
      "Ridge Farms LLC",
    ]);
    expect(companiesNamed([{ ...citation, quote: "The Seller shall ship goods.", char_end: 28 }])).toBeNull();
  });

  test("a field read by a pattern is evidenced by sentences that state a value, the opening's first", () => {
    const field = {
      name: "Agreement Date",
      question: "What is the date of the contract?",
      description: "",
      type: "date" as const,
    };
    const recital = retrievedPassage(
      "c2",
      1,
      "WHEREAS, the Adviser and the Company entered into the Services Agreement dated as of January 1, 2004.",
    );
    const opening = openingPassage(
      "c1",
      1,
      "This SECOND AMENDMENT TO SERVICES AGREEMENT, dated and effective as of March 1, 2016, is made by the Adviser.",
    );
    const noDate = retrievedPassage(
      "c3",
      2,
      "The date of this Agreement is the date the parties signed the Agreement.",
    );
    const chosen = chooseCellEvidence(field, numberPassages([noDate, recital, opening]), 2);
    expect(chosen.map((s) => readDate(s.quote)?.surface)).toEqual(["March 1, 2016", "January 1, 2004"]);
    // An opening without a date: where the parties signed comes before a date any clause mentions.
    const undated = openingPassage(
      "c5",
      1,
      "This JOINT DEVELOPMENT AGREEMENT is between FuelCell Energy, Inc. and ExxonMobil.",
    );
    const expiry = retrievedPassage("c6", 9, "The Term shall expire on December 31, 2023.");
    const signatures = retrievedPassage(
      "c7",
      23,
      "IN WITNESS WHEREOF, the Parties have caused this Agreement to be executed.\nBy: /s/ Jason B. Few\nDate: November 5, 2019",
    );
    const signedFirst = chooseCellEvidence(field, numberPassages([expiry, undated, signatures]), 1);
    expect(readDate(signedFirst[0]!.quote)?.surface).toBe("November 5, 2019");
    // An expiry is not the contract's own date, so the signatures come first only for the latter.
    expect(asksOwnDate(field)).toBe(true);
    expect(asksOwnDate(EXPIRY_FIELD)).toBe(false);
    // A clause field keeps the order of the match.
    const clause = {
      ...field,
      name: "Termination",
      question: "Can a party terminate?",
      type: "clause" as const,
    };
    const terminate = retrievedPassage(
      "c4",
      3,
      "Either party may terminate this Agreement on thirty days notice.",
    );
    expect(chooseCellEvidence(clause, numberPassages([terminate, recital]), 1)[0]!.quote).toMatch(
      /terminate/,
    );
  });

  test("the sentence the judge reads as the clause is quoted first, the others after it in their order", () => {
    expect(leadWith(["s1", "s2", "s3", "s4"], 2, 2)).toEqual(["s3", "s1"]);
    expect(leadWith(["s1", "s2", "s3"], 0, 2)).toEqual(["s1", "s2"]);
    expect(leadWith(["s1"], 0, 2)).toEqual(["s1"]);
  });

  test("a value must stand in its quote", () => {
    expect(quoteStates("governed by the laws of\nthe State of  Delaware", "State of Delaware")).toBe(true);
    expect(quoteStates("governed by the laws of Delaware", "New York")).toBe(false);
    expect(quoteStates("anything", "  ")).toBe(false);
  });

  test("fields read their type; clause fields have no typed value", () => {
    const field = (type: "date" | "clause" | "text", name = "X") => ({
      name,
      question: "What?",
      description: "",
      type,
    });
    expect(readTyped(field("date"), "dated June 1, 2022")?.value).toEqual({
      kind: "date",
      iso: "2022-06-01",
    });
    expect(readTyped(field("clause"), "dated June 1, 2022")).toBeNull();
    expect(readTyped(field("text", "Governing Law"), "the laws of Oregon apply")?.surface).toBe("Oregon");
  });

  test("a date or a name is cited by its own words on the page; periods, amounts and laws by their sentence", () => {
    const page =
      "SUPPLY AGREEMENT\nThis Supply Agreement is entered into as of February  28, 2019 by and between Acme Corp.";
    const start = page.indexOf("This");
    const citation = pageCitation(page, start, 2);
    const dated = valueCitation(citation, "February 28, 2019");
    expect(dated.quote).toBe("February  28, 2019");
    expect(page.slice(dated.char_start, dated.char_end)).toBe(dated.quote);
    expect(dated.page).toBe(2);
    // Too short to prove anything, or not written so: the whole sentence stays the citation.
    expect(valueCitation(citation, "Acme")).toEqual(citation);
    expect(valueCitation(citation, "March 1, 2020")).toEqual(citation);
    // A name copied in other case is cited as the page writes it.
    const named = valueCitation(citation, "this supply agreement");
    expect(named.quote).toBe("This Supply Agreement");
    expect(page.slice(named.char_start, named.char_end)).toBe("This Supply Agreement");
    const field = (type: "date" | "party" | "text" | "duration" | "money", name = "X") => ({
      name,
      question: "What?",
      description: "",
      type,
    });
    expect([field("date"), field("party"), field("text", "Document Name")].map(citesOwnWords)).toEqual([
      true,
      true,
      true,
    ]);
    expect([field("duration"), field("money"), field("text", "Governing Law")].map(citesOwnWords)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe("export", () => {
  const citation = {
    n: 1,
    chunk_id: "c1",
    document_id: "d1",
    title: "MSA",
    section: "",
    page: 3,
    quote: 'governed by the laws of the State of "Oregon"',
    char_start: 10,
    char_end: 55,
    verified: true as const,
  };
  const searched = { query: "q", passages: ["c1"], candidates: 4 };
  const view: ReviewView = {
    id: "r1",
    template: "t",
    state: "completed",
    fields: [
      { name: "Governing Law", question: "Which law?", description: "", type: "text" },
      { name: "Non-Compete", question: "Non-compete?", description: "", type: "yes_no" },
    ],
    counts: { documents: 1, documents_done: 1, cells: 2, found: 1, not_found: 1, uncertain: 0 },
    rows: [
      {
        document_id: "d1",
        title: "MSA, signed",
        fields_done: 2,
        duration_ms: 10,
        cells: [
          {
            document_id: "d1",
            field: "Governing Law",
            status: "found",
            value: { kind: "text", text: "Oregon" },
            citations: [citation],
            support: 0.9,
            searched,
            note: "",
          },
          {
            document_id: "d1",
            field: "Non-Compete",
            status: "not_found",
            value: null,
            citations: [],
            support: 0.1,
            searched,
            note: "judged not to answer",
          },
        ],
      },
    ],
    created_at: "2026-11-30T00:00:00Z",
  };

  test("CSV: a row per document, the value beside its quote and page, quoted as RFC 4180", () => {
    const lines = reviewCsv(view).split("\r\n");
    expect(lines[0]).toBe(
      'document_id,title,Governing Law,"Governing Law (quote, page)",Non-Compete,"Non-Compete (quote, page)"',
    );
    expect(lines[1]).toBe(
      'd1,"MSA, signed",Oregon,"p. 3: “governed by the laws of the State of ""Oregon""”",not found,',
    );
  });

  test("XLSX reads back with the same cells", async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reviewXlsx(view)) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("Review")!;
    expect(sheet.getRow(2).getCell(3).value).toBe("Oregon");
    expect(sheet.getRow(2).getCell(4).value).toBe(`p. 3: “${citation.quote}”`);
    expect(sheet.getRow(2).getCell(5).value).toBe("not found");
    expect(cellText(view.rows[0]!.cells[0])).toBe("Oregon");
  });
});

describe("review scoring", () => {
  const gold = ["This Agreement shall be governed by the laws of the State of New York."];
  test("a quote counts when half its characters stand in a gold clause", () => {
    expect(overlapShare("governed by the laws of the State of New York", gold)).toBe(1);
    expect(
      overlapShare("The Seller shall keep insurance. This Agreement shall be governed", gold),
    ).toBeLessThan(0.5);
    expect(overlapShare("", gold)).toBe(0);
  });

  test("a page's curly quotes and dashes match the dataset's straight ones", () => {
    const renewal = ['extend for an additional two (2) years ("Renewal Term") - provided WPT is paid'];
    expect(
      overlapShare(
        "extend for an additional two (2) years (\u201CRenewal\nTerm\u201D) \u2013 provided",
        renewal,
      ),
    ).toBe(1);
  });

  test("values match the annotated answer as a lawyer wrote it", () => {
    const field = (name: string, type: "text" | "date" | "duration") => ({
      name,
      question: "?",
      description: "",
      type,
    });
    expect(
      valueMatches(field("Governing Law", "text"), { kind: "text", text: "Ontario" }, "Ontario, Canada"),
    ).toBe(true);
    expect(valueMatches(field("Governing Law", "text"), { kind: "text", text: "Delaware" }, "New York")).toBe(
      false,
    );
    // CUAD writes a blank with "[]".
    const dates: [iso: string, answer: string, right: boolean][] = [
      ["2005-01-21", "1/21/05", true],
      ["2015", "[]/[]/2015", true],
      ["2003-04", "04/[]/2003", true],
      ["2015", "[]/[]/2016", false],
    ];
    for (const [iso, answer, right] of dates)
      expect(valueMatches(field("Agreement Date", "date"), { kind: "date", iso }, answer)).toBe(right);
    expect(
      valueMatches(field("Renewal Term", "duration"), { kind: "duration", iso: "P3Y" }, "successive 3 years"),
    ).toBe(true);
  });

  test("recall, precision and absent accuracy, at the thresholds the cells are decided at", () => {
    const cell = (present: boolean, support: number | null, hit: boolean) => ({
      doc: "d",
      category: "c",
      present,
      quoted: support !== null,
      support,
      typedMissing: false,
      hit,
      valueRight: null,
      quotes: [],
      note: "",
    });
    const cells = [
      cell(true, 0.9, true),
      cell(true, 0.3, true),
      cell(false, 0.7, false),
      cell(false, null, false),
    ];
    expect(scoresOf(cells, { found: 0.5, uncertain: 0.2 })).toMatchObject({
      recall: 0.5,
      precision: 0.5,
      absent_accuracy: 0.5,
      present: 2,
      absent: 2,
      found: 2,
    });
    // Stricter: the absent clause's 0.7 is no longer found, nor the gold one's 0.3 uncertain.
    expect(scoresOf(cells, { found: 0.8, uncertain: 0.75 })).toMatchObject({
      recall: 0.5,
      precision: 1,
      absent_accuracy: 1,
    });
    expect(statusAt({ ...cell(true, 0.9, true), typedMissing: true }, { found: 0.5, uncertain: 0.2 })).toBe(
      "uncertain",
    );
  });
});
