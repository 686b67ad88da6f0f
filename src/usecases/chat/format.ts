// A verified answer (or search result) as OpenAI chat text and objects: footnote markers in the text,
// a Sources block after it, and the full citations in the `cited` extension field.
import type { AskResponse, Passage, SearchFilters } from "../../../schemas/api.js";
import { SearchFilters as FiltersSchema } from "../../../schemas/api.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatExtension,
  ChatModelId,
} from "../../../schemas/chat.js";
import { citedPlace } from "../../answer/cite.js";

/** "p. 3" or "pp. 3–4". */
const pages = (start: number, end: number) => (start === end ? `p. ${start}` : `pp. ${start}–${end}`);
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * The answer as chat text: the sentences with their [n] markers, then a Sources block with one line
 * per citation (title, page, the verified quote). An abstention says the documents do not say and
 * lists the closest passages, unnumbered (they are not citations).
 */
export function answerText(answer: AskResponse): string {
  if (answer.abstained) {
    const closest = answer.passages
      .slice(0, 3)
      .map((p) => `- ${p.title}, ${pages(p.page_start, p.page_end)}`);
    return closest.length ? `${answer.answer}\n\nClosest passages:\n${closest.join("\n")}` : answer.answer;
  }
  const sources = answer.citations.map((c) => `[${c.n}] ${c.title}, ${citedPlace(c)}: “${oneLine(c.quote)}”`);
  return `${answer.answer}\n\nSources:\n${sources.join("\n")}`;
}

/** Longest passage text shown in a search result (the full text is in the extension). */
const PASSAGE_CHARS = 400;

/** Passages (model `cited-search`) as chat text, numbered best first. */
export function passagesText(question: string, passages: readonly Passage[]): string {
  if (passages.length === 0) return `No passages you may read match “${oneLine(question)}”.`;
  const items = passages.map((p, i) => {
    const text = oneLine(p.text);
    const shown = text.length > PASSAGE_CHARS ? `${text.slice(0, PASSAGE_CHARS)}…` : text;
    return `[${i + 1}] ${p.title}, ${pages(p.page_start, p.page_end)}: ${shown}`;
  });
  return `Passages for “${oneLine(question)}”:\n\n${items.join("\n\n")}`;
}

/** The extension of an answer. */
export function answerExtension(question: string, rewritten: boolean, answer: AskResponse): ChatExtension {
  return {
    standalone_question: question,
    rewritten,
    citations: answer.citations,
    passages: answer.passages,
    abstained: answer.abstained,
    abstain_reason: answer.abstain_reason,
    support: answer.support,
    answer_model: answer.model,
  };
}

/** The extension of a search (model `cited-search`): passages, nothing cited, nothing abstained. */
export function searchExtension(question: string, rewritten: boolean, passages: Passage[]): ChatExtension {
  return {
    standalone_question: question,
    rewritten,
    citations: [],
    passages,
    abstained: false,
    abstain_reason: null,
    support: null,
    answer_model: null,
  };
}

/** Identity of one completion, shared by its chunks. */
export interface CompletionId {
  /** "chatcmpl-…". */
  id: string;
  /** Unix seconds. */
  created: number;
  model: ChatModelId;
}

/** A whole (non-streamed) completion. */
export function completion(
  ids: CompletionId,
  content: string,
  extension: ChatExtension,
  usage: { prompt: number; completion: number },
): ChatCompletion {
  return {
    ...ids,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    },
    cited: extension,
  };
}

/** A streamed chunk: the role (first), a piece of content, or the end (with the extension). */
export function chunk(
  ids: CompletionId,
  delta: { role?: "assistant"; content?: string },
  end?: ChatExtension,
): ChatCompletionChunk {
  return {
    ...ids,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: end ? "stop" : null, logprobs: null }],
    ...(end ? { cited: end } : {}),
  };
}

/** Content split into streamed pieces: one per line, so a client shows it as it arrives. */
export function contentPieces(content: string): string[] {
  return content.split(/(?<=\n)/).filter((p) => p.length > 0);
}

/** The three filter keys of OpenAI `metadata`: comma-separated lists. */
const METADATA_FILTERS = ["document_ids", "tags", "types"] as const;

/**
 * Filters from OpenAI `metadata` (document_ids, tags, types as comma-separated strings) and from the
 * `cited.filters` extension (which wins per key). Returns the problem as a string when a value is not
 * a valid filter.
 */
export function chatFilters(
  metadata: Record<string, string> | null | undefined,
  extension: SearchFilters | undefined,
): SearchFilters | undefined | string {
  const fromMetadata: Record<string, string[]> = {};
  for (const key of METADATA_FILTERS) {
    const value = metadata?.[key];
    if (value === undefined) continue;
    fromMetadata[key] = value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  }
  const merged = { ...fromMetadata, ...extension };
  if (Object.keys(merged).length === 0) return undefined;
  const parsed = FiltersSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return `metadata.${issue.path.join(".")}: ${issue.message}`;
}
