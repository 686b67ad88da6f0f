import { alignClaim, anchors, contentWords } from "../../src/answer/align.js";

const sentences = new Map([
  ["S1", "8. TERMINATION 8.1 Termination for Convenience."],
  [
    "S2",
    "Either party may terminate this Agreement for convenience upon ninety (90) days' prior written notice.",
  ],
  ["S3", "8.2 Termination for Cause. Either party may terminate at once upon a material breach."],
  ["S4", "12.1 This Agreement is governed by the laws of the State of Oregon."],
]);

describe("claim alignment", () => {
  test("content words fold number words and plurals", () => {
    expect([...contentWords("Ninety days' notice to the parties")]).toEqual(["90", "day", "notice", "party"]);
  });

  test("numbers and names are the anchors of a claim", () => {
    expect([...anchors("The notice period is 90 days under Oregon law.")].sort()).toEqual(["90", "oregon"]);
  });

  test("of the model's picks, only sentences that state the claim are kept", () => {
    expect(
      alignClaim("Either party may terminate on 90 days' notice.", ["S1", "S2", "S3"], sentences),
    ).toEqual(["S2"]);
  });

  test("when no pick states the claim, the sentence that does is cited instead", () => {
    expect(alignClaim("The agreement is governed by Oregon law.", ["S1"], sentences)).toEqual(["S4"]);
  });

  test("a claim whose number or name is not in its evidence cites nothing", () => {
    expect(alignClaim("The agreement is governed by Delaware law.", ["S4"], sentences)).toEqual([]);
    expect(alignClaim("Either party may terminate on 30 days' notice.", ["S2"], sentences)).toEqual([]);
  });

  test("a claim that copies a sentence with clause numbers (8.1) cites that sentence", () => {
    const copied = `8.2 Termination for Cause. Either party may terminate at once upon a material breach.`;
    expect([...anchors(copied)]).toEqual(expect.arrayContaining(["8", "2"]));
    expect(alignClaim(copied, ["S3"], sentences)).toEqual(["S3"]);
    expect(alignClaim("Clause 9.2 allows termination upon a material breach.", ["S3"], sentences)).toEqual(
      [],
    );
  });

  test("a claim that restates the question's own name is not penalised for it", () => {
    const q = "How much notice does Acme need to terminate for convenience?";
    expect(alignClaim("Acme needs ninety days' notice to terminate.", ["S2"], sentences, q)).toEqual(["S2"]);
  });
});
