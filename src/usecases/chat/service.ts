// The use case behind the OpenAI-compatible endpoint and the MCP `ask` tool: a conversation in, the
// same verified answer /v1/ask gives (or passages, for `cited-search`) out, as chat text.
import type { AskResponse, SearchFilters } from "../../../schemas/api.js";
import type { ChatExtension, ChatModelId } from "../../../schemas/chat.js";
import type { AccessScope } from "../../access/scope.js";
import { type Answerer, passageView } from "../../answer/answerer.js";
import type { Ticket } from "../../answer/limiter.js";
import type { JsonGenerator } from "../../models/generator.js";
import type { HybridRetriever } from "../../retrieval/hybrid.js";
import { answerAuditFields, searchAuditFields } from "../audit-fields.js";
import type { TenantPolicy } from "../tenants/answerers.js";
import { type Conversation, standaloneQuestion } from "./conversation.js";
import { answerExtension, answerText, passagesText, searchExtension } from "./format.js";

/** One chat request, validated. */
export interface ChatInput {
  /** `cited` (an answer) or `cited-search` (passages). */
  model: ChatModelId;
  /** The question and the turns before it. */
  conversation: Conversation;
  /** Passages retrieved; the route's default when absent. */
  topK?: number;
  /** What the caller may read. */
  scope: AccessScope;
  /** Retrieval filters of the request (the tenant's defaults apply when absent). */
  filters?: SearchFilters;
}

/** A reply: the chat text, the extension, and what the audit trail records of it. */
export interface ChatReply {
  /** The chat text: the answer with its Sources block, or the passages. */
  content: string;
  /** The `cited` field of the response. */
  extension: ChatExtension;
  /** The full answer (null for `cited-search`). */
  answer: AskResponse | null;
  /** Tokens of the question and of the reply, in the chat model's tokenizer. */
  usage: { prompt: number; completion: number };
  /** The audit event and its fields. */
  audit: { event: "ask" | "search"; fields: Record<string, unknown> };
}

/** Passages a search returns unless the request says; the same defaults as /v1/search and /v1/ask. */
const SEARCH_TOP_K = 8;
const ASK_TOP_K = 6;

/** Answers conversations with the Answerer, rewriting follow-up questions with the chat model. */
export class ChatService {
  constructor(
    private readonly retriever: HybridRetriever,
    private readonly answerer: Answerer,
    private readonly generator: JsonGenerator,
    /** Longest time a rewrite may take (ASK_TIMEOUT_MS). */
    private readonly timeoutMs: number,
    /** Per-tenant settings; without it every tenant gets the server's. */
    private readonly tenants?: TenantPolicy,
  ) {}

  /** Whether the request needs the chat model (a slot in its line): any answer, and any rewrite. */
  needsModel(input: Pick<ChatInput, "model" | "conversation">): boolean {
    return input.model === "cited" || input.conversation.history.length > 0;
  }

  /** Take a place in the model's line now (BusyError at once when full); see Answerer.admit. */
  admit(signal: AbortSignal): Ticket {
    return this.answerer.admit(signal);
  }

  /** The standalone question of a conversation, holding a slot of the model's line only while it is rewritten. */
  async standaloneOf(
    conversation: Conversation,
    signal: AbortSignal,
  ): Promise<{ question: string; rewritten: boolean }> {
    if (conversation.history.length === 0) return { question: conversation.question, rewritten: false };
    const ticket = this.admit(signal);
    try {
      return await this.standalone(conversation, signal, ticket);
    } finally {
      ticket.release();
    }
  }

  /** Reply to a conversation. `ticket` (from `admit`) is required when `needsModel`; it is always released. */
  async reply(input: ChatInput, signal: AbortSignal, ticket: Ticket | null): Promise<ChatReply> {
    const tenant = input.scope.tenant;
    if (this.tenants) input = { ...input, filters: await this.tenants.filters(tenant, input.filters) };
    let standalone: { question: string; rewritten: boolean };
    try {
      standalone = await this.standalone(input.conversation, signal, ticket);
    } catch (error) {
      ticket?.release();
      throw error;
    }
    if (input.model === "cited-search") {
      ticket?.release();
      return this.search(input, standalone);
    }
    if (!ticket) throw new Error("an answer needs a ticket from admit()");
    const answerer = this.tenants ? await this.tenants.answerer(tenant) : this.answerer;
    const answer = await answerer.answer(
      {
        question: standalone.question,
        topK: input.topK ?? ASK_TOP_K,
        scope: input.scope,
        filters: input.filters,
      },
      {},
      signal,
      ticket,
    );
    const content = answerText(answer);
    return {
      content,
      extension: answerExtension(standalone.question, standalone.rewritten, answer),
      answer,
      usage: this.usage(input.conversation, content),
      audit: {
        event: "ask",
        fields: this.auditFields(input, standalone, answerAuditFields(standalone.question, answer)),
      },
    };
  }

  /** The question to answer: rewritten (holding the model's slot) only when there are earlier turns. */
  private async standalone(conversation: Conversation, signal: AbortSignal, ticket: Ticket | null) {
    if (conversation.history.length === 0) return { question: conversation.question, rewritten: false };
    if (!ticket) throw new Error("a rewrite needs a ticket from admit()");
    await ticket.ready;
    const limited = AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]);
    return standaloneQuestion(this.generator, conversation, limited);
  }

  private async search(
    input: ChatInput,
    standalone: { question: string; rewritten: boolean },
  ): Promise<ChatReply> {
    const started = performance.now();
    const hits = await this.retriever.retrieve({
      query: standalone.question,
      topK: input.topK ?? SEARCH_TOP_K,
      scope: input.scope,
      filters: input.filters,
    });
    const passages = hits.map(passageView);
    const content = passagesText(standalone.question, passages);
    const fields = searchAuditFields(standalone.question, hits, performance.now() - started);
    return {
      content,
      extension: searchExtension(standalone.question, standalone.rewritten, passages),
      answer: null,
      usage: this.usage(input.conversation, content),
      audit: { event: "search", fields: this.auditFields(input, standalone, fields) },
    };
  }

  private usage(conversation: Conversation, content: string) {
    return {
      prompt: this.generator.countTokens(conversation.question),
      completion: this.generator.countTokens(content),
    };
  }

  /** The audit line says which model of the endpoint was used and what the user actually typed. */
  private auditFields(
    input: ChatInput,
    standalone: { question: string; rewritten: boolean },
    fields: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      ...fields,
      via: input.model,
      ...(standalone.rewritten
        ? { asked: input.conversation.question, turns: input.conversation.history.length }
        : {}),
    };
  }
}
