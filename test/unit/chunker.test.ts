import { chunkPages } from "../../ingestion/chunking/chunker.js";
import { detectHeading, findBoilerplate } from "../../ingestion/chunking/structure.js";
import { documentTitle } from "../../ingestion/chunking/title.js";
import type { ParsedPage } from "../../ingestion/readers/types.js";

// A whitespace tokenizer stands in for the model's: the chunker only needs a consistent count.
const countTokens = (t: string) => t.split(/\s+/).filter(Boolean).length + 2;
const page = (n: number, text: string): ParsedPage => ({ page: n, text, source: "text-layer" });
const clause = (n: string, words: number) =>
  `${n} Clause ${n}. ${"lorem ipsum dolor sit amet ".repeat(words / 5).trim()}.`;

describe("headings", () => {
  test.each([
    [
      "12.3 Termination for Convenience. Either party may terminate.",
      2,
      "12.3 Termination for Convenience",
      "numbered",
    ],
    ["1. DEFINITIONS", 1, "1 DEFINITIONS", "numbered"],
    ["ARTICLE IV - CONFIDENTIALITY", 1, "Article IV CONFIDENTIALITY", "article"],
    ["GOVERNING LAW", 1, "GOVERNING LAW", "caps"],
  ])("%s is a heading of level %i", (line, level, label, kind) => {
    expect(detectHeading(line, false)).toEqual({ level, label, kind });
  });

  test.each([
    "2024 revenue grew by 12 percent",
    "10 days after delivery the buyer may reject",
    "the parties agree as follows",
  ])("%s is not a heading", (line) => {
    expect(detectHeading(line, false)).toBeNull();
  });

  test("Markdown headings count only in Markdown", () => {
    expect(detectHeading("## Payment terms", true)).toEqual({
      level: 2,
      label: "Payment terms",
      kind: "markdown",
    });
    expect(detectHeading("## Payment terms", false)).toBeNull();
  });

  test("running headers and footers are found by repetition", () => {
    const bodies = [
      "The supplier ships goods.",
      "Fees are due monthly.",
      "Either party may terminate.",
      "Oregon law governs.",
    ];
    const pages = bodies.map((body, i) => `ACME CONFIDENTIAL\n${body}\nPage ${i + 1} of 4`);
    const keys = findBoilerplate(pages);
    expect(keys.has("acme confidential")).toBe(true);
    expect(keys.has("page # of #")).toBe(true);
    expect(keys.size).toBe(2);
  });

  test("the title is the first heading that names a kind of document", () => {
    expect(documentTitle("EXHIBIT 10.1\nCO-BRANDING AGREEMENT\nThis agreement…", "x.pdf")).toBe(
      "CO-BRANDING AGREEMENT",
    );
    expect(documentTitle("just some text", "Quarterly Report.pdf")).toBe("Quarterly Report");
  });
});

describe("chunkPages", () => {
  const pages = [
    page(1, `HEADER LINE\n1. DEFINITIONS\n${clause("1.1", 40)}\n${clause("1.2", 40)}\nPage 1`),
    page(
      2,
      `HEADER LINE\n2. TERMINATION\n${clause("2.1", 30)}\nThe notice period is ninety days.\n${clause("2.2", 300)}\nPage 2`,
    ),
    page(3, `HEADER LINE\n3. GOVERNING LAW\n${clause("3.1", 20)}\nPage 3`),
  ];
  const options = {
    countTokens,
    targetTokens: 80,
    maxTokens: 120,
    minTokens: 10,
    header: (s: string) => `Title\n${s}`,
  };
  const chunks = chunkPages(pages, options);

  test("every chunk's spans map its text back to the page text exactly", () => {
    for (const c of chunks) {
      for (const s of c.spans) {
        const pageText = pages[s.page - 1]!.text;
        expect(c.text.slice(s.at, s.at + (s.end - s.start))).toBe(pageText.slice(s.start, s.end));
      }
      expect(c.pageStart).toBe(c.spans[0]!.page);
      expect(c.charStart).toBe(c.spans[0]!.start);
      expect(c.charEnd).toBe(c.spans.at(-1)!.end);
    }
  });

  test("numbered clauses start chunks and carry their section path", () => {
    const notice = chunks.find((c) => c.text.includes("The notice period is ninety days."))!;
    expect(notice.pageStart).toBe(2);
    expect(notice.section).toMatch(/^2 TERMINATION > 2.1 Clause 2.1/);
    expect(chunks.some((c) => c.text.startsWith("3. GOVERNING LAW"))).toBe(true);
  });

  test("a short last clause does not pull the next top-level section (on the next page) into its chunk", () => {
    const short = chunkPages(
      [
        page(1, "8. TERMINATION\n8.2 Termination for Cause. Either party may end it on breach."),
        page(2, "12. GOVERNING LAW\n12.1 This Agreement is governed by the laws of Oregon."),
      ],
      { ...options, minTokens: 32 },
    );
    const oregon = short.find((c) => c.text.includes("Oregon"))!;
    expect(oregon.pageStart).toBe(2);
    expect(oregon.section).toMatch(/^12 GOVERNING LAW/);
    expect(short.find((c) => c.text.includes("8.2"))!.text).not.toContain("GOVERNING");
  });

  test("only what comes before the first numbered clause is the preamble", () => {
    const withTitle = chunkPages(
      [
        page(
          1,
          `SUPPLY AGREEMENT\nThis Agreement is made on 1 May 2020 between A and B.\n1. DEFINITIONS\n${clause("1.1", 30)}`,
        ),
      ],
      options,
    );
    expect(withTitle[0]!.preamble).toBe(true);
    expect(withTitle.at(-1)!.preamble).toBe(false);
    expect(chunks.filter((c) => c.preamble)).toHaveLength(0);
  });

  test("running headers and page numbers are left out of chunks", () => {
    for (const c of chunks) {
      expect(c.text).not.toContain("HEADER LINE");
      expect(c.text).not.toMatch(/Page \d$/);
    }
  });

  test("a long clause is split and nothing is lost or cut: every word of every clause is in some chunk", () => {
    const long = chunks.filter((c) => c.section.includes("2.2"));
    expect(long.length).toBeGreaterThan(3);
    const all = chunks.map((c) => c.text).join(" ");
    const words = (t: string) => t.split(/\s+/).filter((w) => w && !/HEADER|LINE|^Page$|^\d$/.test(w)).length;
    expect(words(all)).toBe(pages.map((p) => words(p.text)).reduce((a, b) => a + b, 0));
  });

  test("every chunk with its header fits the model's limit", () => {
    for (const c of chunks)
      expect(countTokens(`Title\n${c.section}\n${c.text}`)).toBeLessThanOrEqual(options.maxTokens);
  });

  test("a single run-on sentence longer than the limit is split at word boundaries, not cut", () => {
    const runOn = "word ".repeat(500).trim();
    const out = chunkPages([page(1, runOn)], { ...options, header: undefined });
    expect(out.length).toBeGreaterThan(4);
    expect(
      out
        .map((c) => c.text)
        .join(" ")
        .split(" ").length,
    ).toBe(500);
    for (const c of out) expect(countTokens(c.text)).toBeLessThanOrEqual(options.maxTokens);
  });
});

describe("page furniture stays out of chunk text", () => {
  const text = [
    "5. WARRANTIES",
    "---------------- 5.1 Limited Warranty. ----------------",
    "The Supplier warrants the Products for twelve (12) months from delivery.",
    "10",
    "11",
    "_______________",
    "5.2 Remedies. The Supplier shall repair or replace defective Products.",
  ].join("\n");
  const chunks = chunkPages([page(1, text)], {
    countTokens,
    targetTokens: 200,
    maxTokens: 512,
    minTokens: 4,
  });
  const joined = chunks.map((c) => c.text).join("\n");

  test("underline rows and running line numbers are left out", () => {
    expect(joined).not.toMatch(/---|___/);
    expect(joined).not.toMatch(/\n10\n11\n/);
    expect(joined).toContain("5.1 Limited Warranty.");
    expect(joined).toContain("twelve (12) months");
  });

  test("every span still maps to the same words on the stored page", () => {
    for (const c of chunks)
      for (const s of c.spans)
        expect(c.text.slice(s.at, s.at + (s.end - s.start))).toBe(text.slice(s.start, s.end));
  });

  test("a single number inside a page (a table cell) is kept", () => {
    const table = [
      "SCHEDULE B",
      "Fees by year are listed here.",
      "The first year is discounted.",
      "Year one",
      "12",
      "Year two fee is set by the schedule below.",
      "Year three fee is agreed later.",
      "Year four fee is agreed later.",
      "Signed for the parties.",
    ].join("\n");
    const [only] = chunkPages([page(1, table)], {
      countTokens,
      targetTokens: 200,
      maxTokens: 512,
      minTokens: 4,
    });
    expect(only!.text).toContain("\n12\n");
  });
});
