// A conversation (OpenAI messages) into one question: the last user message, rewritten by the chat
// model into a standalone question when earlier turns give it its meaning ("and for the distributor?").
import type { ChatMessage } from "../../../schemas/chat.js";
import { GenerationIncompleteError, type JsonGenerator, type JsonSchema } from "../../models/generator.js";

/** One earlier turn, as the rewriter reads it. */
export interface Turn {
  /** Who spoke. */
  role: "user" | "assistant";
  /** What was said (an assistant's Sources block left out). */
  text: string;
}

/** The question of a conversation and the turns before it. */
export interface Conversation {
  /** The last user message. */
  question: string;
  /** Earlier user and assistant turns, oldest first (system messages are not context for the question). */
  history: Turn[];
}

/** The text of a message, its parts joined. */
export function messageText(message: ChatMessage): string {
  const c = message.content;
  if (c === null) return "";
  return (typeof c === "string" ? c : c.map((p) => p.text).join("\n")).trim();
}

/** An answer's text without its Sources block (the rewriter needs what was said, not the quotes). */
const withoutSources = (text: string) => text.split(/\n\s*(?:Sources|Closest passages):\n/)[0]!.trim();

/** The last user message and what came before it; null when there is no user message. */
export function conversationOf(messages: readonly ChatMessage[]): Conversation | null {
  const last = messages.findLastIndex((m) => m.role === "user");
  if (last < 0) return null;
  const history: Turn[] = [];
  for (const m of messages.slice(0, last)) {
    if (m.role !== "user" && m.role !== "assistant") continue;
    const text = m.role === "assistant" ? withoutSources(messageText(m)) : messageText(m);
    if (text) history.push({ role: m.role, text });
  }
  return { question: messageText(messages[last]!), history };
}

/** Turns the rewriter reads, newest kept, and how much of each (a small model's context is short). */
const HISTORY_TURNS = 6;
const TURN_CHARS = 600;
/** Most tokens of a rewritten question. */
const REWRITE_MAX_TOKENS = 96;
/**
 * Most tokens of the rewrite prompt: 600 characters of a script the tokenizer splits finely can be
 * thousands of tokens, and reading them on a small CPU takes minutes.
 */
export const REWRITE_PROMPT_TOKENS = 800;

export const REWRITE_SYSTEM_PROMPT = [
  "You read a conversation about documents and the user's last question.",
  'First name the document or clause the last question is about, as the conversation names it ("topic").',
  'Then write the last question again so that it names that topic and can be understood alone ("question").',
  "Do not answer it.",
  "",
  "Example conversation:",
  "User: Does the lease have a renewal option?",
  "Assistant: The tenant may renew for five years. [1]",
  "Last question: How much notice does it need?",
  'Output: {"topic": "the renewal option of the lease", "question": "How much notice does the renewal option of the lease need?"}',
].join("\n");

export function rewriteUserPrompt(
  conversation: Conversation,
  turnCount = HISTORY_TURNS,
  turnChars = TURN_CHARS,
): string {
  const turns = conversation.history.slice(-turnCount).map((t) => {
    const text = t.text.replace(/\s+/g, " ").slice(0, turnChars);
    return `${t.role === "user" ? "User" : "Assistant"}: ${text}`;
  });
  return `Conversation:\n${turns.join("\n")}\nLast question: ${conversation.question}\nOutput:`;
}

/**
 * The rewrite prompt within `budget` tokens: older turns go first, then each turn is cut shorter;
 * null when even the last question with one short turn does not fit (it is then asked as written).
 */
export function fittedRewritePrompt(
  conversation: Conversation,
  countTokens: (text: string) => number,
  budget = REWRITE_PROMPT_TOKENS,
): string | null {
  for (let turns = Math.min(HISTORY_TURNS, conversation.history.length); turns >= 1; turns--) {
    const prompt = rewriteUserPrompt(conversation, turns);
    if (countTokens(prompt) <= budget) return prompt;
  }
  for (let chars = TURN_CHARS / 2; chars >= 50; chars = Math.floor(chars / 2)) {
    const prompt = rewriteUserPrompt(conversation, 1, chars);
    if (countTokens(prompt) <= budget) return prompt;
  }
  return null;
}

// The topic comes first: naming it before writing the question makes a small model carry it over.
const rewriteSchema = {
  type: "object",
  properties: { topic: { type: "string" }, question: { type: "string" } },
  required: ["topic", "question"],
} as JsonSchema;

/** A rewrite is kept only if it is a question-sized text with words in it. */
function usable(rewrite: unknown): rewrite is string {
  return typeof rewrite === "string" && /[\p{L}\p{N}]/u.test(rewrite) && rewrite.trim().length <= 2000;
}

/** Words that carry a topic (not "the", "of"…): four letters or more. */
const topicWords = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? [];

/**
 * The rewritten question, with the topic the model named added in brackets when the question itself
 * names none of it (a small model often names the topic, then copies the question unchanged).
 */
export function withTopic(question: string, topic: string): string {
  const q = question.trim().replace(/\s+/g, " ");
  const words = topicWords(topic);
  if (words.length === 0) return q;
  const named = new Set(topicWords(q));
  return words.some((w) => named.has(w)) ? q : `${q} (${topic.trim().replace(/\s+/g, " ")})`;
}

/**
 * The standalone question of a conversation. Without earlier turns it is the last message as it is;
 * with them, the chat model rewrites it (grammar-forced JSON). The caller must hold a slot of the
 * model's line (Answerer.admit) while this runs.
 */
export async function standaloneQuestion(
  generator: JsonGenerator,
  conversation: Conversation,
  signal?: AbortSignal,
): Promise<{ question: string; rewritten: boolean }> {
  const prompt =
    conversation.history.length === 0
      ? null
      : fittedRewritePrompt(conversation, (t) => generator.countTokens(t));
  if (prompt === null) return { question: conversation.question, rewritten: false };
  let rewrite: unknown;
  let topic: unknown;
  try {
    const result = await generator.generateJson({
      system: REWRITE_SYSTEM_PROMPT,
      prompt,
      schema: rewriteSchema,
      maxTokens: REWRITE_MAX_TOKENS,
      signal,
    });
    ({ question: rewrite, topic } = result.value as { question?: unknown; topic?: unknown });
  } catch (error) {
    // A rewrite cut off at its token limit is no rewrite: the question is asked as it was written.
    if (!(error instanceof GenerationIncompleteError)) throw error;
  }
  if (!usable(rewrite)) return { question: conversation.question, rewritten: false };
  const question = withTopic(rewrite, usable(topic) ? topic : "");
  return { question, rewritten: question !== conversation.question };
}
