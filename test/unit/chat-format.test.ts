// Chat text of answers and searches, filters from OpenAI metadata, and conversations into questions.
import type { AskResponse, Passage } from "../../schemas/api.js";
import {
  conversationOf,
  fittedRewritePrompt,
  REWRITE_PROMPT_TOKENS,
  rewriteUserPrompt,
  withTopic,
} from "../../src/usecases/chat/conversation.js";
import { answerText, chatFilters, contentPieces, passagesText } from "../../src/usecases/chat/format.js";

const passage: Passage = {
  chunk_id: "c1",
  document_id: "doc_1",
  title: "MASTER SERVICES AGREEMENT",
  section: "8. TERMINATION",
  page_start: 2,
  page_end: 3,
  text: "8.1 Either party may terminate\nupon ninety (90) days' notice.",
  score: 1,
};

const answered: AskResponse = {
  answer: "Either party may terminate upon ninety (90) days' notice. [1]",
  sentences: [{ text: "Either party may terminate upon ninety (90) days' notice.", citations: [1] }],
  citations: [
    {
      n: 1,
      chunk_id: "c1",
      document_id: "doc_1",
      title: "MASTER SERVICES AGREEMENT",
      section: "8. TERMINATION",
      page: 2,
      quote: "Either party may terminate\nupon ninety (90) days' notice.",
      char_start: 10,
      char_end: 60,
      verified: true,
    },
  ],
  abstained: false,
  abstain_reason: null,
  dropped_sentences: 0,
  support: 0.9,
  passages: [passage],
  model: "m",
  prompt_version: "p",
  timings: {
    retrieval_ms: 1,
    queue_ms: 0,
    time_to_first_token_ms: 1,
    generation_ms: 1,
    support_ms: 1,
    total_ms: 3,
  },
};

describe("answer text", () => {
  test("an answer keeps its [n] markers and ends with a Sources block quoting each citation on one line", () => {
    expect(answerText(answered)).toBe(
      "Either party may terminate upon ninety (90) days' notice. [1]\n\nSources:\n[1] MASTER SERVICES AGREEMENT, § 8. TERMINATION, p. 2: “Either party may terminate upon ninety (90) days' notice.”",
    );
  });

  test("an abstention says the documents do not say and lists the closest passages without numbers", () => {
    const declined: AskResponse = {
      ...answered,
      answer: "The documents do not say. For “x”, none of the closest passages answers it.",
      sentences: [],
      citations: [],
      abstained: true,
      abstain_reason: "not_in_passages",
    };
    const text = answerText(declined);
    expect(text).toMatch(/^The documents do not say\./);
    expect(text).toContain("Closest passages:\n- MASTER SERVICES AGREEMENT, pp. 2–3");
    expect(text).not.toMatch(/\[\d\]|Sources/);
  });

  test("passages are numbered best first, on one line each; none found says so", () => {
    expect(passagesText("notice", [passage])).toBe(
      "Passages for “notice”:\n\n[1] MASTER SERVICES AGREEMENT, pp. 2–3: 8.1 Either party may terminate upon ninety (90) days' notice.",
    );
    expect(passagesText("notice", [])).toBe("No passages you may read match “notice”.");
  });

  test("streamed pieces are whole lines and add up to the text", () => {
    const text = answerText(answered);
    const pieces = contentPieces(text);
    expect(pieces.join("")).toBe(text);
    expect(pieces.length).toBe(4);
  });
});

describe("filters from metadata and the cited extension", () => {
  test("comma-separated metadata values become filters; the extension wins per key; other keys are ignored", () => {
    expect(chatFilters({ document_ids: "a, b", tags: "x", user_id: "u1" }, { tags: ["y"] })).toEqual({
      document_ids: ["a", "b"],
      tags: ["y"],
    });
    expect(chatFilters({ user_id: "u1" }, undefined)).toBeUndefined();
    expect(chatFilters(null, undefined)).toBeUndefined();
  });

  test("a value that is not a filter is reported with the key to fix", () => {
    expect(chatFilters({ types: "pdf,spreadsheet" }, undefined)).toMatch(/^metadata\.types\.1: /);
  });
});

describe("conversations", () => {
  test("the last user message is the question; earlier user and assistant turns are its context, Sources left out", () => {
    const c = conversationOf([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Which law governs the MSA?" },
      { role: "assistant", content: "Oregon law. [1]\n\nSources:\n[1] MSA, p. 3: “…Oregon.”" },
      { role: "user", content: [{ type: "text", text: "And the notice period?" }] },
    ]);
    expect(c).toEqual({
      question: "And the notice period?",
      history: [
        { role: "user", text: "Which law governs the MSA?" },
        { role: "assistant", text: "Oregon law. [1]" },
      ],
    });
    expect(rewriteUserPrompt(c!)).toContain(
      "User: Which law governs the MSA?\nAssistant: Oregon law. [1]\nLast question: And the notice period?\nOutput:",
    );
  });

  test("a rewrite that names none of the topic gets the topic added; one that names it is kept", () => {
    expect(withTopic("How long does it last?", "the distributor non-compete")).toBe(
      "How long does it last? (the distributor non-compete)",
    );
    expect(withTopic("How long does the  non-compete last?", "the distributor non-compete")).toBe(
      "How long does the non-compete last?",
    );
    expect(withTopic("How long?", "")).toBe("How long?");
  });

  test("a conversation without a user message has no question", () => {
    expect(conversationOf([{ role: "system", content: "hi" }])).toBeNull();
  });
});

describe("the rewrite prompt stays within its token budget", () => {
  // A tokenizer that splits rare scripts finely: one token per character outside ASCII, one per word otherwise.
  const tokens = (text: string) => text.split(/\s+/).length + [...text].filter((c) => c > "\u007f").length;
  const turn = (role: "user" | "assistant", text: string) => ({ role, text });

  test("a short conversation is read whole", () => {
    const c = {
      question: "How long?",
      history: [turn("user", "Is there a non-compete?"), turn("assistant", "Yes.")],
    };
    expect(fittedRewritePrompt(c, tokens)).toBe(rewriteUserPrompt(c));
  });

  test("long turns in a finely split script: older turns go, then the last one is cut; never over budget", () => {
    const exotic = "\u{1F600}\u00e0\u4e2d".repeat(200);
    const c = {
      question: "And the notice period?",
      history: Array.from({ length: 6 }, (_, i) => turn(i % 2 ? "assistant" : "user", exotic)),
    };
    const prompt = fittedRewritePrompt(c, tokens)!;
    expect(prompt).not.toBeNull();
    expect(tokens(prompt)).toBeLessThanOrEqual(REWRITE_PROMPT_TOKENS);
    expect(prompt).toContain("Last question: And the notice period?");
  });

  test("a last question that alone is over budget is asked as written (no rewrite)", () => {
    const c = { question: "\u4e2d".repeat(REWRITE_PROMPT_TOKENS + 1), history: [turn("user", "Hello")] };
    expect(fittedRewritePrompt(c, tokens)).toBeNull();
  });
});
