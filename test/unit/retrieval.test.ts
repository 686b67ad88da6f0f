// The pure rules of hybrid retrieval's final cut: which words are checked for rarity, and how reserved
// passages take their places in the results.
import { type RetrievedPassage, rareWordCandidates, topWithReserved } from "../../src/retrieval/hybrid.js";

const passage = (n: number): RetrievedPassage => ({
  chunk_id: `c${n}`,
  document_id: `d${n}`,
  title: "",
  section: "",
  text: "",
  page_start: 1,
  page_end: 1,
  char_start: 0,
  char_end: 0,
  spans: [],
  ordinal: 0,
  preamble: false,
  score: 1 / (61 + n),
  similarity: null,
  vectorRank: null,
  textRank: null,
});
const ranked = Array.from({ length: 12 }, (_, n) => passage(n));
const ids = (ps: RetrievedPassage[]) => ps.map((p) => p.chunk_id);

describe("the final cut of hybrid retrieval", () => {
  test("the longest words of five letters or more are checked for rarity, once each, without punctuation", () => {
    expect(rareWordCandidates('What budget did the "qzttsxwuzchj" project receive? Budget!')).toEqual([
      "qzttsxwuzchj",
      "project",
      "receive",
      "budget",
    ]);
    expect(rareWordCandidates("Who pays?")).toEqual([]);
  });

  test("a reserved passage below the cut takes the last place; one above it changes nothing", () => {
    expect(ids(topWithReserved(ranked, 8, new Set(["c10"])))).toEqual([
      "c0",
      "c1",
      "c2",
      "c3",
      "c4",
      "c5",
      "c6",
      "c10",
    ]);
    expect(ids(topWithReserved(ranked, 8, new Set(["c3"])))).toEqual(ids(ranked.slice(0, 8)));
  });

  test("reserved passages never take more than half the places", () => {
    const reserved = new Set(["c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11"]);
    expect(ids(topWithReserved(ranked, 4, reserved))).toEqual(["c0", "c1", "c4", "c5"]);
    expect(ids(topWithReserved(ranked, 1, new Set(["c5"])))).toEqual(["c0"]);
  });
});
