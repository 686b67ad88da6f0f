import { percentile } from "../../src/lib/stats.js";
import {
  aggregate,
  coverage,
  foldDocument,
  locateEvidence,
  passageRanges,
  scoreRanking,
  thresholdCurve,
} from "../../src/usecases/eval/metrics.js";

const pages = [
  { page: 1, text: "MASTER AGREEMENT\nThe parties agree as follows." },
  {
    page: 2,
    text: "8.1 Either party may terminate\nthis Agreement upon ninety (90) days'   notice.\n8.2 Other terms apply.",
  },
];
const doc = foldDocument(pages, "whitespace");
const evidenceText = "Either party may terminate this Agreement upon ninety (90) days' notice.";

describe("evaluation metrics", () => {
  test("evidence is located through line breaks and extra spaces", () => {
    const r = locateEvidence(doc, evidenceText, 2, "whitespace")!;
    expect(doc.text.slice(r[0], r[1])).toBe(evidenceText);
    expect(
      locateEvidence(foldDocument(pages, "alnum"), "EITHER party may terminate — this agreement", 2, "alnum"),
    ).not.toBeNull();
  });

  test("a passage is a hit when it covers at least half of the clause", () => {
    const r = locateEvidence(doc, evidenceText, 2, "whitespace")!;
    const whole = passageRanges(doc, [{ page: 2, start: 0, end: pages[1]!.text.length, at: 0 }]);
    expect(coverage(r, whole)).toBe(1);
    const start = pages[1]!.text.indexOf("Either");
    const third = passageRanges(doc, [{ page: 2, start, end: start + 25, at: 0 }]);
    expect(coverage(r, third)).toBeLessThan(0.5);
  });

  test("budgets count characters in rank order; a big first passage can crowd out the answer", () => {
    const r = locateEvidence(doc, evidenceText, 2, "whitespace")!;
    const noise = {
      spans: [{ page: 1, start: 0, end: pages[0]!.text.length, at: 0 }],
      page_start: 1,
      page_end: 1,
      text: "x".repeat(3000),
    };
    const answer = {
      spans: [{ page: 2, start: 0, end: pages[1]!.text.length, at: 0 }],
      page_start: 2,
      page_end: 2,
      text: pages[1]!.text,
    };
    const s = scoreRanking(doc, [r], new Set([2]), [noise, answer]);
    expect(s).toEqual({ firstHit: 2, budget2000: false, budget4000: true, topOnEvidencePage: false });
    const m = aggregate(
      [s, { firstHit: null, budget2000: false, budget4000: false, topOnEvidencePage: false }],
      100,
    );
    expect(m).toMatchObject({
      recall_at_1: 0,
      recall_at_5: 0.5,
      mrr_at_10: 0.25,
      recall_within_4000_chars: 0.5,
    });
  });
});

describe("threshold curve", () => {
  const o = (answerable: boolean, abstained: boolean, support: number | null, onPage = false) => ({
    answerable,
    abstained,
    support,
    on_evidence_page: onPage,
  });
  test("raising SUPPORT_THRESHOLD declines the answers whose support is below it, and nothing else", () => {
    const outcomes = [
      o(true, false, 0.9, true),
      o(true, false, 0.4, true),
      o(true, true, null),
      o(false, false, 0.55),
      o(false, true, null),
    ];
    const [at0, at5] = thresholdCurve(outcomes, [0, 0.5]);
    expect(at0).toEqual({
      threshold: 0,
      verified_citation_on_evidence_page: 2 / 3,
      wrongly_declined_answerable: 1 / 3,
      correctly_declined_unanswerable: 1 / 2,
    });
    expect(at5!.verified_citation_on_evidence_page).toBeCloseTo(1 / 3);
    expect(at5!.wrongly_declined_answerable).toBeCloseTo(2 / 3);
    expect(at5!.correctly_declined_unanswerable).toBe(1 / 2);
  });
});

describe("percentile", () => {
  test("nearest rank over the sorted values, whatever their order; 0 without values", () => {
    const ms = [50, 10, 40, 20, 30];
    expect(percentile(ms, 50)).toBe(30);
    expect(percentile(ms, 95)).toBe(50);
    expect(percentile(ms, 0)).toBe(10);
    expect(percentile([], 95)).toBe(0);
    expect(ms).toEqual([50, 10, 40, 20, 30]);
  });
});
