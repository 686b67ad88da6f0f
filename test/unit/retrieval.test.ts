// The pure rules of hybrid retrieval's final cut: which words are checked for rarity, and how reserved
// passages take their places in the results.
import {
  openingChunk,
  type RetrievedPassage,
  rareWordCandidates,
  topWithReserved,
} from "../../src/retrieval/hybrid.js";

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

describe("a document's opening", () => {
  const chunk = (ordinal: number, text: string, preamble = true) => ({
    ...passage(ordinal),
    ordinal,
    text,
    preamble,
  });
  const opening = (...chunks: ReturnType<typeof chunk>[]) => openingChunk(chunks)?.ordinal;

  test("the first chunk that names an agreement and whom it is between, past notices and cover lines", () => {
    const notice = chunk(
      0,
      "Exhibit 10.1\n[***] Certain information in this document has been excluded pursuant to Regulation S-K, Item 601(b)(10). Such excluded information is not material and would likely cause competitive harm.",
    );
    const opens = chunk(
      1,
      "This DEVELOPMENT AGREEMENT is entered into as of June 8, 2018 by and between Revolution Medicines, Inc. and Aventis, Inc.",
    );
    expect(opening(opens, notice)).toBe(1);
    // A cover page that names the agreement and its parties is the opening; the contents after it are not.
    const cover = chunk(
      0,
      "INTELLECTUAL PROPERTY AGREEMENT\nby and between\nNuance Communications, Inc.\nand\nCerence Inc.",
    );
    expect(opening(cover, chunk(1, "TABLE OF CONTENTS\nARTICLE I\nDEFINITIONS"))).toBe(0);
  });

  test("where the chunker marked no preamble, the first chunks; without such words, the old rule", () => {
    const made = chunk(
      0,
      "THIS MUTUAL TERMINATION AGREEMENT is made and entered into by and between Beijing SINA and SINA Leju.",
      false,
    );
    expect(opening(chunk(5, "5. Notices between the parties under this Agreement.", false), made)).toBe(0);
    expect(opening(chunk(0, "Exhibit 10.4"), chunk(1, "SUPPLY TERMS\nThe supplier ships the goods."))).toBe(
      1,
    );
    expect(opening(chunk(0, "x".repeat(300)), chunk(1, "The supplier ships the goods."))).toBe(0);
  });
});
