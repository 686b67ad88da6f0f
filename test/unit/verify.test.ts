// The verifier against adversarial model output: nothing that is not on the page may pass.
import { citeAnswer } from "../../src/answer/cite.js";
import { isHeadingLine, numberPassages, splitSentences } from "../../src/answer/passages.js";
import { findQuote, normalizeForMatch, verifyQuote } from "../../src/answer/verify.js";
import type { RetrievedPassage } from "../../src/retrieval/hybrid.js";
import { openingPassage, retrievedPassage } from "../support/passages.js";

const PAGE2 =
  "2. TERMINATION\n2.1 Either party may terminate this Agreement upon ninety (90) days’ prior written\nnotice to the other party. The notice must be sent by certified mail.\n2.2 Termi-\nnation does not affect accrued rights.";
const PAGE3 = "3. GOVERNING LAW\n3.1 This Agreement is governed by the laws of the State of Oregon.";
const pages = new Map([
  [2, PAGE2],
  [3, PAGE3],
]);

const passage = retrievedPassage;
const p2 = passage("c2", 2, PAGE2);
const p3 = passage("c3", 3, PAGE3);
const view = (p: RetrievedPassage) => ({
  text: p.text,
  spans: p.spans,
  pageText: (n: number) => pages.get(n),
});

describe("normalisation", () => {
  test("folds spacing, quote marks, dashes and line-break hyphenation, nothing else", () => {
    expect(normalizeForMatch("ninety  (90)\ndays’ notice — now").text).toBe("ninety (90) days' notice - now");
    expect(normalizeForMatch("Termi-\nnation").text).toBe("Termination");
    expect(normalizeForMatch("Agreement").text).not.toBe(normalizeForMatch("Аgreement").text); // Cyrillic А
  });
});

describe("verifyQuote", () => {
  test("a true quote is placed on its page with offsets that hold the words", () => {
    const loc = verifyQuote("upon ninety (90) days' prior written notice", view(p2))!;
    expect(loc).not.toBeNull();
    expect(loc.page).toBe(2);
    expect(PAGE2.slice(loc.charStart, loc.charEnd)).toBe("upon ninety (90) days’ prior written\nnotice");
  });

  test("a word hyphenated across a line is still found", () => {
    expect(verifyQuote("Termination does not affect accrued rights", view(p2))).not.toBeNull();
  });

  test.each([
    ["not in the passage", "upon thirty (30) days' prior written notice"],
    ["a paraphrase", "either side can end the agreement with 90 days notice"],
    ["empty", ""],
    ["too short to prove anything", "the party"],
    ["Cyrillic look-alike letters", "Either pаrty mаy terminаte this Agreement"],
    ["a zero-width space inside a word", "Either party may termi\u200bnate this Agreement"],
    ["text from another passage", "governed by the laws of the State of Oregon"],
  ])("%s is not verified", (_why, quote) => {
    expect(verifyQuote(quote, view(p2))).toBeNull();
  });

  test("a quote spanning two passages is not verified against either", () => {
    const spanning = "accrued rights. 3. GOVERNING LAW 3.1 This Agreement";
    expect(verifyQuote(spanning, view(p2))).toBeNull();
    expect(verifyQuote(spanning, view(p3))).toBeNull();
  });

  test("a passage whose stored page text differs is not trusted", () => {
    const tampered = {
      text: p2.text,
      spans: p2.spans,
      pageText: () => PAGE2.replace("ninety (90)", "thirty (30)"),
    };
    expect(verifyQuote("upon ninety (90) days' prior written notice", tampered)).toBeNull();
  });

  test("findQuote ignores surrounding quote marks and a final period", () => {
    expect(
      findQuote("“This Agreement is governed by the laws of the State of Oregon.”", PAGE3),
    ).not.toBeNull();
  });
});

describe("citeAnswer", () => {
  const numbered = numberPassages([p2, p3]);
  const pageText = async (_doc: string, page: number) => pages.get(page);

  test("citations of sentence ids that were not given, or of nothing, are dropped with their sentences", async () => {
    const result = await citeAnswer(
      [
        { text: "The notice period is 90 days.", evidence: ["S1"] },
        { text: "It is governed by Delaware law.", evidence: ["S71", "2.2"] },
        { text: "Unsupported claim.", evidence: [] },
      ],
      numbered,
      pageText,
    );
    expect(result.sentences).toHaveLength(1);
    expect(result.dropped).toBe(2);
    expect(result.citations).toHaveLength(1);
    expect(result.citations[0]).toMatchObject({ n: 1, page: 2, verified: true });
    expect(result.citations[0]!.quote).toMatch(/ninety \(90\)/);
  });

  test("a citation quotes the clause's words, not the heading the sentence starts with", async () => {
    const result = await citeAnswer(
      [{ text: "Oregon law governs the agreement.", evidence: ["S4"] }],
      numbered,
      pageText,
    );
    expect(numbered[1]!.sentences[0]!.text).toMatch(/^3\. GOVERNING LAW\n3\.1 This Agreement/);
    const quote = result.citations[0]!.quote;
    expect(quote).toMatch(/^3\.1 This Agreement is governed by the laws of the State of Oregon/);
    expect(PAGE3.slice(result.citations[0]!.char_start, result.citations[0]!.char_end)).toBe(quote);
  });

  test("a passage whose page text is missing cannot be cited", async () => {
    const result = await citeAnswer(
      [{ text: "Oregon law governs.", evidence: ["S4"] }],
      numbered,
      async () => undefined,
    );
    expect(result.sentences).toHaveLength(0);
    expect(result.citations).toHaveLength(0);
  });
});

describe("quotes over several spans of one page", () => {
  // A chunk made of two runs of page 4 with a blank line (and a dropped running header) between them.
  const page4 =
    "Heading\n\nACME CONFIDENTIAL\nThe Licensee shall pay all royalties\nwithin thirty days of each quarter.";
  const first = "Heading";
  const secondStart = page4.indexOf("The Licensee");
  const text = `${first}\nThe Licensee shall pay all royalties\nwithin thirty days of each quarter.`;
  const spans = [
    { page: 4, start: 0, end: first.length, at: 0 },
    { page: 4, start: secondStart, end: page4.length, at: first.length + 1 },
  ];
  const v = { text, spans, pageText: (n: number) => (n === 4 ? page4 : undefined) };

  test("the offsets cover the whole quote on the page and the quote is the page's own text", () => {
    const loc = verifyQuote("Heading The Licensee shall pay all royalties", v)!;
    expect(loc).not.toBeNull();
    expect(page4.slice(loc.charStart, loc.charEnd)).toBe(loc.exact);
    expect(loc.exact).toContain("The Licensee shall pay all royalties");
  });

  test("a quote within the second run maps into it", () => {
    const loc = verifyQuote("within thirty days of each quarter", v)!;
    expect(page4.slice(loc.charStart, loc.charEnd)).toBe("within thirty days of each quarter");
  });
});

describe("citable sentences of a passage", () => {
  const cut = (text: string) => splitSentences(text).map((s) => text.slice(s.start, s.end));

  test("a clause heading and its title join the sentence that follows, so a heading is never a quote alone", () => {
    const text =
      "8. TERMINATION\n8.1 Termination for Convenience. Either party may terminate this Agreement upon ninety (90) days' notice. The notice must be written.";
    expect(cut(text)).toEqual([
      "8. TERMINATION\n8.1 Termination for Convenience. Either party may terminate this Agreement upon ninety (90) days' notice.",
      "The notice must be written.",
    ]);
  });

  test("a company's Inc. before its defined name, or No. before a number, does not end a sentence", () => {
    const opening =
      'This Supply Agreement is dated as of March 3, 2021, between Harbor Foods Inc. ("Buyer") and Valley Farms LLC ("Seller").';
    expect(cut(opening)).toEqual([opening]);
    expect(
      cut("The price is set in Contract No. 5 of the Annex. Payment is due in thirty days."),
    ).toHaveLength(2);
    expect(
      cut("All goods under this Agreement are sold by Harbor Foods Inc. The Buyer pays in thirty days."),
    ).toHaveLength(2);
  });

  test("an unfinished scrap at the end ends the sentence before it; a short finished sentence stands", () => {
    const cover =
      "INTELLECTUAL PROPERTY AGREEMENT\nby and between\nNuance Communications, Inc.\nand\nCerence Inc.\nDated as of September 30, 2019";
    expect(cut(cover)).toEqual([cover]);
    expect(
      cut("Either party may terminate this Agreement upon ninety (90) days' notice. It must be written."),
    ).toHaveLength(2);
  });

  test("a passage chosen to keep its title lines quotes them: a cover page's name and parties are citable", () => {
    const cover = openingPassage(
      "c1",
      1,
      "OUTSOURCING AGREEMENT\nBETWEEN:\nMODUS MEDIA INTERNATIONAL\nAND\nDRAGON SYSTEMS, INC.",
    );
    expect(numberPassages([cover])[0]!.sentences).toEqual([]);
    const [kept] = numberPassages([cover], (p) => p.preamble)[0]!.sentences;
    expect(kept!.quote).toBe(cover.text);
  });

  test("a heading on a line of its own above the words is not quoted", () => {
    const text = "1. TERM\n\nThis Agreement lasts three (3) years from the Effective Date.";
    const [only] = splitSentences(text);
    expect(text.slice(only!.start, only!.end)).toBe(text);
    expect(text.slice(only!.body, only!.end)).toBe(
      "This Agreement lasts three (3) years from the Effective Date.",
    );
  });

  test("a numbered clause that says something stands as its own sentence", () => {
    expect(isHeadingLine("12.1 This Agreement is governed by the laws of the State of Oregon.")).toBe(false);
    expect(isHeadingLine("8.1 Termination for Convenience.")).toBe(true);
    expect(isHeadingLine("ARTICLE IV CONFIDENTIALITY")).toBe(true);
  });
});
