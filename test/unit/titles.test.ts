import { namedDocuments } from "../../src/retrieval/titles.js";

const docs = [
  { id: "a", title: "CO-BRANDING AGREEMENT", name: "EdietsComInc_Co-Branding Agreement.pdf" },
  { id: "b", title: "DISTRIBUTOR AGREEMENT", name: "acme-distributor.pdf" },
  { id: "c", title: "DISTRIBUTOR AGREEMENT", name: "globex-distributor.pdf" },
  { id: "d", title: "Master Services Agreement", name: "msa-2020.pdf" },
];

describe("contract-aware narrowing", () => {
  test("a quoted title narrows to every document with that title and leaves the question", () => {
    const r = namedDocuments('In the "DISTRIBUTOR AGREEMENT" contract: Is there a non-compete clause?', docs);
    expect(r.ids.sort()).toEqual(["b", "c"]);
    expect(r.query).toBe("Is there a non-compete clause?");
  });

  test("titles match whatever the case and punctuation, and file names count too", () => {
    expect(namedDocuments("Under “co branding agreement”, who are the parties?", docs).ids).toEqual(["a"]);
    expect(namedDocuments('What does "msa 2020" say about fees?', docs).ids).toEqual(["d"]);
  });

  test("an unquoted distinctive title narrows; a generic word does not", () => {
    expect(namedDocuments("What is the term of the master services agreement?", docs).ids).toEqual(["d"]);
    expect(namedDocuments("Which agreement has the longest term?", docs).ids).toEqual([]);
  });

  test("a quoted phrase that is no title changes nothing", () => {
    const q = 'Where does it say "best efforts"?';
    expect(namedDocuments(q, docs)).toEqual({ ids: [], query: q });
  });
});
