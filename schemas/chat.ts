// Shapes of the OpenAI-compatible endpoints (POST /v1/chat/completions, GET /v1/models): the subset of
// OpenAI's Chat Completions API that chat front-ends and SDKs send, plus Cited's `cited` extension.
import { z } from "zod";
import { AbstainReason, AskRequest, Citation, Passage, SearchFilters } from "./api.js";

/** The two models: `cited` answers with verified citations, `cited-search` returns passages only. */
export const ChatModelId = z.enum(["cited", "cited-search"]).meta({ id: "ChatModelId" });
export type ChatModelId = z.infer<typeof ChatModelId>;

/** A text part of a message's content (OpenAI's array form); other parts (images) are refused. */
const TextPart = z.object({ type: z.literal("text"), text: z.string().max(8000) });

/** One turn of the conversation; only the text of system, user and assistant turns is read. */
export const ChatMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant"]),
    content: z.union([z.string().max(8000), z.array(TextPart).max(20)]).nullable(),
    /** Ignored: a name for the speaker. */
    name: z.string().max(64).optional(),
  })
  .meta({ id: "ChatMessage" });
export type ChatMessage = z.infer<typeof ChatMessage>;

/** Cited's own request options, in the `cited` field (SDKs send it as an extra body field). */
export const ChatExtensionRequest = z
  .object({
    /** Restrict retrieval, as in /v1/ask. */
    filters: SearchFilters.optional(),
    /** Passages retrieved (1–12). */
    top_k: z.int().min(1).max(12).optional(),
  })
  .strict()
  .meta({ id: "ChatExtensionRequest" });

/**
 * OpenAI's `metadata` (string values): the keys `document_ids`, `tags` and `types` (comma-separated)
 * are filters; other keys are ignored.
 */
export const ChatMetadata = z.record(z.string().max(64), z.string().max(4000)).meta({ id: "ChatMetadata" });

/** A chat completion request. OpenAI sampling options (temperature, max_tokens, …) are accepted and ignored: answers are always made the same verified way. */
export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).max(100),
    messages: z.array(ChatMessage).min(1, "messages must hold at least one user message").max(100),
    stream: z.boolean().nullable().default(false),
    metadata: ChatMetadata.nullable().optional(),
    cited: ChatExtensionRequest.optional(),
    /** Only 1 is supported. */
    n: z.literal(1).nullable().optional(),
  })
  .meta({ id: "ChatCompletionRequest" });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** What Cited adds to a completion (and to the last streamed chunk): the verified answer behind the text. */
export const ChatExtension = z
  .object({
    /** The question that was answered: the last user message, or a standalone rewrite of it when earlier turns were given. */
    standalone_question: z.string(),
    /** True when earlier turns were used to rewrite the question. */
    rewritten: z.boolean(),
    /** The verified citations, numbered as the footnote markers in the text. */
    citations: z.array(Citation),
    /** Passages retrieved (for `cited-search`, the whole result). */
    passages: z.array(Passage),
    abstained: z.boolean(),
    /** Why the answer was declined; null when it was not. */
    abstain_reason: AbstainReason.nullable(),
    /** Judged support of the answer (0–1); null when not judged. */
    support: z.number().nullable(),
    /** The chat model that wrote the answer (null for `cited-search`). */
    answer_model: z.string().nullable(),
  })
  .meta({ id: "ChatExtension" });
export type ChatExtension = z.infer<typeof ChatExtension>;

const Usage = z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() });

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.int(),
    model: ChatModelId,
    choices: z.array(
      z.object({
        index: z.int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        finish_reason: z.literal("stop"),
        logprobs: z.null(),
      }),
    ),
    usage: Usage,
    cited: ChatExtension,
  })
  .meta({ id: "ChatCompletion" });
export type ChatCompletion = z.infer<typeof ChatCompletion>;

/** One Server-Sent Event of a streamed completion; the last one has finish_reason "stop" and `cited`. */
export const ChatCompletionChunk = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.int(),
    model: ChatModelId,
    choices: z.array(
      z.object({
        index: z.int(),
        delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
        finish_reason: z.literal("stop").nullable(),
        logprobs: z.null(),
      }),
    ),
    cited: ChatExtension.optional(),
  })
  .meta({ id: "ChatCompletionChunk" });
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

export const ModelView = z
  .object({ id: ChatModelId, object: z.literal("model"), created: z.int(), owned_by: z.string() })
  .meta({ id: "Model" });
export const ModelList = z
  .object({ object: z.literal("list"), data: z.array(ModelView) })
  .meta({ id: "ModelList" });
export type ModelList = z.infer<typeof ModelList>;

/** A follow-up and the conversation before it (the web UI's multi-turn Ask view). */
export const StandaloneRequest = z
  .object({
    question: AskRequest.shape.question,
    /** Earlier turns, oldest first. */
    history: z
      .array(z.object({ role: z.enum(["user", "assistant"]), text: z.string().max(8000) }).strict())
      .max(20),
  })
  .strict()
  .meta({ id: "StandaloneRequest" });

/** The question to ask: the follow-up rewritten to stand alone (or as it was, without history). */
export const StandaloneResponse = z
  .object({ question: z.string(), rewritten: z.boolean() })
  .meta({ id: "StandaloneResponse" });
export type StandaloneResponse = z.infer<typeof StandaloneResponse>;
