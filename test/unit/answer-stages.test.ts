// The answer's stages between retrieval and citing, as pure functions: which words a question is
// searched with, which sentences become the evidence, how a written answer is held to its evidence,
// and how support is reckoned.
import { alignAcrossLanguages, framedDraft } from "../../src/answer/across.js";
import { alignWritten, extractiveDraft, splitAnswer } from "../../src/answer/compose.js";
import { chooseEvidence, questionTopic } from "../../src/answer/evidence.js";
import { languageOf } from "../../src/answer/language.js";
import { holdsSignatures, isBoilerplateSentence, numberPassages } from "../../src/answer/passages.js";
import { abstentionText, composeSystemPrompt, judgedQuestion } from "../../src/answer/prompts.js";
import { combineSupport } from "../../src/answer/support.js";
import {
  conceptsOf,
  expansionTerms,
  hasClauseEssentials,
  vocabularyCoverage,
} from "../../src/retrieval/expansion.js";
import { openingPassage, retrievedPassage } from "../support/passages.js";

const CANCELLATION =
  "2.1 Cancellation. Either party may cancel this Agreement after the termination of the first year upon sixty (60) days' written notice.";
const COVENANT =
  "4.4 Covenant Not to Compete. During the term of this Agreement and for a period of two (2) years after the termination hereof, Distributor will not market any product that competes with the Products.";
const LAW = "6.1 This Agreement shall be governed by the laws of the State of Connecticut.";
const numbered = numberPassages([
  retrievedPassage("c1", 1, `THE PARTIES HERETO AGREE AS FOLLOWS:\n${CANCELLATION}`),
  retrievedPassage("c2", 2, `${COVENANT}\n${LAW}`),
]);

describe("query expansion with the words clauses use", () => {
  test("a non-compete question also searches for the words of a covenant not to compete", () => {
    const terms = expansionTerms("How long does the distributor non-compete last after termination?");
    expect(terms).toEqual(expect.arrayContaining(["competing", "not market"]));
  });

  test("a question about no known concept is searched as it is", () => {
    expect(expansionTerms("Who signed for the supplier?")).toEqual([]);
    expect(conceptsOf("What colour is the logo?")).toHaveLength(0);
  });

  test("coverage says how much of the concept's vocabulary the passages use", () => {
    const q = "Is there a most favored nation clause?";
    expect(
      vocabularyCoverage(q, ["prices no less favorable than those given to any other customer"]),
    ).toBeGreaterThan(0);
    expect(vocabularyCoverage(q, ["The supplier ships goods."])).toBe(0);
    const beneficiary = "Does the contract name third party beneficiaries?";
    expect(
      vocabularyCoverage(beneficiary, ["nothing creates any third-party\nbeneficiary right"]),
    ).toBeGreaterThan(0);
    expect(vocabularyCoverage("Who signed it?", ["anything"])).toBeNull();
  });

  test("a sentence without the words its kind of clause cannot do without is some other clause", () => {
    const cap =
      "Cap On Liability: Does the contract include a cap on liability upon the breach of a party's obligation?";
    const indemnity =
      "FCC agrees to hold Flotek harmless from any expenses or liability arising out of such claims, including, without limitation, injuries";
    expect(hasClauseEssentials(cap, indemnity)).toBe(false);
    expect(hasClauseEssentials(cap, "In no event shall either party's liability exceed the fees paid")).toBe(
      true,
    );
    expect(
      hasClauseEssentials(
        cap,
        "No action may be brought more than two years after the cause\nof action arose",
      ),
    ).toBe(true);
    expect(hasClauseEssentials(cap, "En ningún caso la responsabilidad excederá el precio")).toBe(true);
    // Only a question that asks for the cap by name: who is liable for what may be an indemnity.
    expect(hasClauseEssentials("Which party is liable for damages caused by late delivery?", indemnity)).toBe(
      true,
    );
    // A concept that names no such words, or none at all, lets every sentence through.
    expect(hasClauseEssentials("Which law governs the agreement?", "anything")).toBe(true);
    expect(hasClauseEssentials("Who signed it?", "anything")).toBe(true);
  });
});

describe("evidence", () => {
  test("the covenant not to compete is chosen for a non-compete question, not the cancellation clause", () => {
    const [first] = chooseEvidence(
      "How long does the distributor non-compete last after termination?",
      numbered,
      2,
    );
    expect(first!.quote).toMatch(/two \(2\) years after the termination/);
  });

  test("a question that shares no telling word with any sentence gets no evidence", () => {
    expect(chooseEvidence("What colour is the company logo?", numbered, 2)).toEqual([]);
  });

  test("boilerplate is never offered as evidence", () => {
    expect(isBoilerplateSentence("THE PARTIES HERETO AGREE AS FOLLOWS:")).toBe(true);
    expect(isBoilerplateSentence("IN WITNESS WHEREOF, the parties have signed.")).toBe(true);
    expect(isBoilerplateSentence("Date: ____________")).toBe(true);
    // The date a party signed on answers "when was it signed?".
    expect(isBoilerplateSentence("Date: \tNovember 5, 2019 \tDate: \tNovember 5, 2019")).toBe(false);
    // A signature block's chunk, and the one it runs on into.
    expect(holdsSignatures("duly authorized.\nIN WITNESS WHEREOF, the Parties have signed.")).toBe(true);
    expect(holdsSignatures("COMPANY\nBy: \t/s/ Jason B. Few\nName: Jason B. Few")).toBe(true);
    expect(holdsSignatures("Payment is due by: the end of each month, in witness of delivery.")).toBe(false);
    const all = numbered.flatMap((p) => p.sentences.map((s) => s.quote));
    expect(all.some((q) => /agree as follows/i.test(q))).toBe(false);
  });

  test("a question about the parties is answered from the contract's opening, a clause question about the parties is not", () => {
    const opening = openingPassage(
      "c0",
      1,
      "DISTRIBUTOR AGREEMENT. This Distributor Agreement is made on March 1, 2019 between Acme Widgets Inc. and Borealis Trading LLC.",
    );
    const jointIp =
      "7.2 Jointly Developed IP. Intellectual property developed jointly shall be jointly owned by the parties.";
    const passages = numberPassages([
      retrievedPassage("c1", 2, COVENANT),
      retrievedPassage("c2", 3, jointIp),
      opening,
    ]);
    const [first] = chooseEvidence(
      'In the "DISTRIBUTOR AGREEMENT" contract: The two or more parties who signed the contract',
      passages,
      2,
    );
    expect(first!.quote).toMatch(/between Acme Widgets Inc\. and Borealis Trading LLC/);
    expect(judgedQuestion("The name of the contract")).toBe(
      "Does this passage name a contract or its parties?",
    );
    const shared =
      "Is there any clause providing for joint or shared ownership of intellectual property between the parties?";
    expect(judgedQuestion(shared)).toBe("Is this passage a joint ownership clause?");
    expect(chooseEvidence(shared, passages, 2)[0]!.quote).toMatch(/jointly owned by the parties/);
  });

  test("a question naming someone no passage mentions gets no evidence; CUAD's capitalised clause names do not count", () => {
    expect(
      chooseEvidence(
        "What are Initech Corporation's obligations to Umbrella Health under the agreement?",
        numbered,
        2,
      ),
    ).toEqual([]);
    expect(
      chooseEvidence("What must the Distributor not market after termination?", numbered, 2).length,
    ).toBeGreaterThan(0);
    expect(
      chooseEvidence("Is there a Non-Compete restricting the distributor after termination?", numbered, 2)
        .length,
    ).toBeGreaterThan(0);
  });

  test("the judge is asked whether the cited words are the clause the question names", () => {
    expect(judgedQuestion("How long does the distributor non-compete last after termination?")).toBe(
      "Is this passage a non-compete clause?",
    );
    expect(judgedQuestion("Does the contract grant audit rights?")).toBe(
      "Is this passage an audit rights clause?",
    );
    expect(judgedQuestion("What colour is the company logo?")).toBe("What colour is the company logo?");
    // Keeping one's own IP is ownership, not its assignment; a licence to affiliates is not about transfer.
    expect(
      judgedQuestion(
        "Does intellectual property created by one party become the property of the counterparty?",
      ),
    ).toBe("Is this passage an intellectual property assignment clause?");
    expect(
      judgedQuestion(
        "Does the contract contain a license grant to a licensee (incl. sublicensor) and the affiliates of such licensee/sublicensor?",
      ),
    ).toBe("Is this passage an affiliate license clause?");
  });

  test("the contract's title is a filter, not a topic", () => {
    expect(questionTopic('In the "SUPPLY AGREEMENT" contract: The date of the contract')).toBe(
      "The date of the contract",
    );
  });
});

describe("a written answer is held to its evidence", () => {
  const law = numbered[1]!.sentences.find((s) => /Connecticut/.test(s.text))!;
  const covenant = numbered[1]!.sentences.find((s) => /Compete/.test(s.text))!;

  test("a faithful sentence cites the sentence it restates", () => {
    const drafts = alignWritten(
      "The agreement is governed by Connecticut law.",
      [law, covenant],
      "Which law governs?",
    );
    expect(drafts).toEqual([{ text: "The agreement is governed by Connecticut law.", evidence: [law.id] }]);
  });

  test("a changed number or a name the evidence lacks sends the answer back to the evidence", () => {
    expect(
      alignWritten("The covenant lasts three (3) years after termination.", [covenant], "How long?"),
    ).toBeNull();
    expect(
      alignWritten("The agreement is governed by Delaware law.", [law], "Which law governs?"),
    ).toBeNull();
  });

  test("a bare “Yes.” stays with the sentence that says why, and nothing is said twice", () => {
    expect(splitAnswer("Yes. Distributor will not market competing products.")).toEqual([
      "Yes. Distributor will not market competing products.",
    ]);
    const drafts = alignWritten(
      "Connecticut law governs the agreement. Connecticut law governs the agreement.",
      [law],
      "Which law governs?",
    );
    expect(drafts).toHaveLength(1);
  });

  test("the extractive answer is each chosen sentence once, verbatim, citing itself", () => {
    const drafts = extractiveDraft([law, law, covenant]);
    expect(drafts.map((d) => d.evidence)).toEqual([[law.id], [covenant.id]]);
    expect(drafts[0]!.text).toBe(LAW.replace(/^6\.1 /, "6.1 "));
  });
});

describe("support", () => {
  test("vocabulary coverage moves the judge's probability; no concept leaves it as it is", () => {
    expect(combineSupport(0.6, null)).toBeCloseTo(0.6, 10);
    expect(combineSupport(0.6, 1)).toBeGreaterThan(0.6);
    expect(combineSupport(0.6, 0)).toBeLessThan(0.6);
    expect(combineSupport(0.6, 0.5)).toBeCloseTo(0.6, 10);
  });

  test("a review quote without the asked clause's words loses the judge's yes; one rich in them gains", () => {
    // The judge fairly sure of a related clause (0.8): a quote holding none of the vocabulary falls below 0.6.
    expect(combineSupport(0.8, 0.5, { quoteCoverage: 0 })).toBeLessThan(0.6);
    expect(combineSupport(0.6, 0.5, { quoteCoverage: 0.8 })).toBeGreaterThan(0.85);
    expect(combineSupport(0.6, 0.5, { quoteCoverage: 0.35 })).toBeCloseTo(0.6, 10);
    expect(combineSupport(0.6, null, { quoteCoverage: 0 })).toBeCloseTo(0.6, 10);
  });

  test("a clause most contracts lack needs more of the judge's word; one most hold, less", () => {
    expect(combineSupport(0.7, 0.5, { prevalence: 0.02 })).toBeLessThan(0.5);
    expect(combineSupport(0.5, 0.5, { prevalence: 0.9 })).toBeGreaterThan(0.8);
    expect(combineSupport(0.7, 0.5, { prevalence: 0.2 })).toBeLessThan(0.7);
  });
});

describe("questions in Spanish", () => {
  test("ask about the same clauses, searched with the clauses' English words", () => {
    expect(
      conceptsOf("¿Hay pacto de no competencia tras la resolución del contrato?").map((c) => c.name),
    ).toContain("non-compete");
    expect(conceptsOf("¿Por qué legislación se rige el contrato?").map((c) => c.name)).toEqual([
      "governing law",
    ]);
    expect(expansionTerms("¿Está obligada alguna parte a contratar un seguro?")).toContain("insurance");
    expect(conceptsOf("What is the minimum order quantity?").map((c) => c.name)).toEqual([
      "minimum commitment",
    ]);
  });

  test("the contract's title is a filter in Spanish too, and the parties come from the opening", () => {
    expect(questionTopic('En el contrato "DISTRIBUTOR AGREEMENT", ¿hay algún pacto de exclusividad?')).toBe(
      "¿hay algún pacto de exclusividad?",
    );
    expect(questionTopic('¿Limita el contrato "OUTSOURCING AGREEMENT" la responsabilidad?')).toBe(
      "¿Limita el contrato la responsabilidad?",
    );
    expect(judgedQuestion('¿Quiénes son las partes que firman el contrato "First Amendment"?')).toBe(
      "Does this passage name a contract or its parties?",
    );
  });
});

describe("an answer in the question's language", () => {
  const law = numbered[1]!.sentences.find((s) => /Connecticut/.test(s.text))!;
  const covenant = numbered[1]!.sentences.find((s) => /Compete/.test(s.text))!;

  test("Spanish and English questions are told apart", () => {
    expect(languageOf("¿Cuánto dura el pacto de no competencia tras la terminación?")).toBe("es");
    expect(languageOf("Qué ley rige el contrato")).toBe("es");
    expect(languageOf("How long does the non-compete last after termination?")).toBe("en");
    expect(languageOf(LAW)).toBe("en");
    expect(composeSystemPrompt("es", true)).toMatch(/in Spanish/);
    expect(composeSystemPrompt("en", false)).not.toMatch(/Spanish/);
  });

  const HOW_LONG = "¿Cuánto dura el pacto de no competencia?";
  const WHICH_LAW = "¿Qué ley rige el contrato?";

  test("a short Spanish value stands when its numbers, names and periods are in the English clause it cites", () => {
    expect(alignAcrossLanguages("La ley del estado de Connecticut.", [covenant, law], WHICH_LAW)).toEqual([
      { text: "La ley del estado de Connecticut.", evidence: [law.id] },
    ]);
    expect(alignAcrossLanguages("2 años", [covenant, law], HOW_LONG)).toEqual([
      { text: "2 años", evidence: [covenant.id] },
    ]);
  });

  test("a changed number, period or name, a claim of permission, or a long sentence is not shown", () => {
    expect(alignAcrossLanguages("3 años", [covenant], HOW_LONG)).toBeNull();
    expect(alignAcrossLanguages("2 meses", [covenant], HOW_LONG)).toBeNull();
    expect(alignAcrossLanguages("La ley de Delaware.", [law], WHICH_LAW)).toBeNull();
    expect(
      alignAcrossLanguages("El distribuidor puede competir durante 2 años.", [covenant], HOW_LONG),
    ).toBeNull();
    expect(alignAcrossLanguages("No hay pacto.", [covenant], HOW_LONG)).toBeNull();
    expect(alignAcrossLanguages("el contrato se rige por la ley", [law], WHICH_LAW)).toBeNull();
    const long = `${"el contrato dice que ".repeat(3)}2 años`;
    expect(alignAcrossLanguages(long, [covenant], HOW_LONG)).toBeNull();
  });

  test("only a value question gets a value, of the kind it asks for, with no claim of its own", () => {
    // A yes/no question answered with a name, a period question with a year: not shown.
    expect(
      alignAcrossLanguages("Connecticut", [law], "¿Se rige el contrato por una ley estatal?"),
    ).toBeNull();
    expect(alignAcrossLanguages("2", [covenant], "¿Con cuánta antelación hay que avisar?")).toBeNull();
    // Words that state something of their own are not checked across languages, so not shown.
    expect(alignAcrossLanguages("Competencia de productos durante 2 años", [covenant], HOW_LONG)).toBeNull();
  });

  test("otherwise the evidence is shown verbatim, introduced in Spanish", () => {
    const drafts = framedDraft([law], "es");
    expect(drafts).toEqual([{ text: `Según el documento: «${LAW}»`, evidence: [law.id] }]);
  });

  test("a Spanish question is declined in Spanish, an English one in English", () => {
    expect(abstentionText("¿Qué ley rige el contrato?", "not_in_passages")).toBe(
      "Los documentos no lo dicen. Para «¿Qué ley rige el contrato?», ninguno de los pasajes más cercanos la responde; debajo tiene los pasajes más cercanos para leerlos.",
    );
    expect(abstentionText("Which law governs?", "low_support")).toMatch(
      /^The documents do not say\. For “Which law governs\?”/,
    );
  });
});
