import { asksForPreamble, namedDocuments } from "../../src/retrieval/titles.js";

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

describe("questions answered by a contract's preamble", () => {
  test.each([
    "Who are the parties to this agreement?",
    "The two or more parties who signed the contract",
    "What is the name of the contract?",
    "What is the effective date?",
    "The date when the contract is effective",
    "When was the agreement signed?",
    "The date of the contract",
  ])("%s", (q) => {
    expect(asksForPreamble(q)).toBe(true);
  });

  test.each([
    "What is the notice period to terminate?",
    "Which party pays for shipping?",
    "On what date will the initial term expire?",
  ])("not: %s", (q) => {
    expect(asksForPreamble(q)).toBe(false);
  });
});
