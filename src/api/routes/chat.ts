// OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions (JSON or OpenAI's SSE
// chunks), so chat front-ends and OpenAI SDKs can use Cited as they are; and POST /v1/ask/standalone,
// the same follow-up rewrite for the web UI.
import { randomBytes } from "node:crypto";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { AskRequest, NoQuery } from "../../../schemas/api.js";
import {
  type ChatCompletionRequest,
  ChatModelId,
  type ModelList,
  ChatCompletionRequest as RequestSchema,
  StandaloneRequest,
} from "../../../schemas/chat.js";
import { asOwner } from "../../answer/limiter.js";
import { type Conversation, conversationOf } from "../../usecases/chat/conversation.js";
import {
  type CompletionId,
  chatFilters,
  chunk,
  completion,
  contentPieces,
} from "../../usecases/chat/format.js";
import type { ChatInput, ChatReply, ChatService } from "../../usecases/chat/service.js";
import type { AuditRecorder } from "../audit.js";
import { callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { parseInput } from "../validate.js";
import { abortOnDisconnect, streamError } from "./answers.js";

/** Time between SSE comments while an answer is being made, so proxies keep the stream open. */
const KEEP_ALIVE_MS = 5_000;

/** When the models were listed first (OpenAI's `created`). */
const CREATED = Math.floor(Date.now() / 1000);

export function modelList(): ModelList {
  return {
    object: "list",
    data: ChatModelId.options.map((id) => ({
      id,
      object: "model" as const,
      created: CREATED,
      owned_by: "cited",
    })),
  };
}

/** The conversation and its options, or a 400 that says what to fix. */
function chatInput(body: ChatCompletionRequest, res: Response): ChatInput {
  const model = ChatModelId.safeParse(body.model);
  if (!model.success) {
    throw new ApiError(
      404,
      "model_not_found",
      `model "${body.model}" does not exist: use "cited" (answers with citations) or "cited-search" (passages), see GET /v1/models`,
    );
  }
  const conversation: Conversation | null = conversationOf(body.messages);
  if (!conversation)
    throw new ApiError(
      400,
      "invalid_request",
      'messages: add a message with role "user" holding the question',
    );
  const question = AskRequest.shape.question.safeParse(conversation.question);
  if (!question.success) {
    throw new ApiError(
      400,
      "invalid_request",
      `messages: the last user message ${question.error.issues[0]!.message.replace(/^question /, "")}`,
    );
  }
  const filters = chatFilters(body.metadata, body.cited?.filters);
  if (typeof filters === "string") throw new ApiError(400, "invalid_request", `invalid filters: ${filters}`);
  return { model: model.data, conversation, topK: body.cited?.top_k, scope: callerOf(res).scope, filters };
}

/** SSE framing of OpenAI streams: `data: <json>` events and a final `data: [DONE]`. */
function startStream(res: Response) {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
  const write = (text: string) => {
    if (!res.writableEnded) res.write(text);
  };
  const timer = setInterval(() => write(": still working\n\n"), KEEP_ALIVE_MS);
  return {
    data: (value: unknown) => write(`data: ${JSON.stringify(value)}\n\n`),
    end: () => {
      clearInterval(timer);
      write("data: [DONE]\n\n");
      res.end();
    },
    fail: (error: ApiError) => {
      clearInterval(timer);
      write(
        `data: ${JSON.stringify({ error: { code: error.code, message: error.message, type: "server_error" } })}\n\n`,
      );
      res.end();
    },
  };
}

/** GET /v1/models and POST /v1/chat/completions. */
export function chatRoutes(chat: ChatService, audit: AuditRecorder): Router {
  const router = Router();
  router.get("/v1/models", (req, res) => {
    parseInput(NoQuery, req.query, "query");
    res.json(modelList());
  });
  router.post("/v1/chat/completions", chatCompletion(chat, audit));
  // The web UI's follow-ups: the question to send to /v1/ask, rewritten with the conversation.
  router.post("/v1/ask/standalone", standaloneQuestion(chat));
  return router;
}

/** POST /v1/chat/completions: admit the conversation to the model's line, then reply as JSON or chunks. */
function chatCompletion(chat: ChatService, audit: AuditRecorder): RequestHandler {
  return async (req: Request, res: Response) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(RequestSchema, req.body, "body");
    const input = chatInput(body, res);
    const { signal } = abortOnDisconnect(res);
    const caller = callerOf(res);
    // Admitted before any response starts, so a full line is a plain 429.
    const ticket = chat.needsModel(input)
      ? asOwner({ tenant: caller.scope.tenant, key: caller.keyId }, () => chat.admit(signal))
      : null;
    const ids: CompletionId = {
      id: `chatcmpl-${randomBytes(12).toString("hex")}`,
      created: Math.floor(Date.now() / 1000),
      model: input.model,
    };
    const deliver = async (): Promise<ChatReply> => {
      const reply = await chat.reply(input, signal, ticket);
      // A reply whose audit line cannot be written is not delivered.
      await audit(req, res, reply.audit.event, reply.audit.fields);
      return reply;
    };
    if (!body.stream) {
      const reply = await deliver();
      res.json(completion(ids, reply.content, reply.extension, reply.usage));
      return;
    }
    await streamReply(res, ids, deliver, signal);
  };
}

/** The reply as OpenAI's SSE chunks: the role, the verified text in pieces, then the extension. */
async function streamReply(
  res: Response,
  ids: CompletionId,
  deliver: () => Promise<ChatReply>,
  signal: AbortSignal,
): Promise<void> {
  const stream = startStream(res);
  stream.data(chunk(ids, { role: "assistant", content: "" }));
  try {
    const reply = await deliver();
    // Text is streamed once it is verified: nothing shown is later taken back.
    for (const piece of contentPieces(reply.content)) stream.data(chunk(ids, { content: piece }));
    stream.data(chunk(ids, {}, reply.extension));
    stream.end();
  } catch (error) {
    if (signal.aborted) res.end();
    else stream.fail(streamError(error));
  }
}

/** POST /v1/ask/standalone: a follow-up rewritten as a question that stands on its own. */
function standaloneQuestion(chat: ChatService): RequestHandler {
  return async (req: Request, res: Response) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(StandaloneRequest, req.body, "body");
    const caller = callerOf(res);
    const { signal } = abortOnDisconnect(res);
    const owner = { tenant: caller.scope.tenant, key: caller.keyId };
    const result = await asOwner(owner, () =>
      chat.standaloneOf({ question: body.question, history: body.history }, signal),
    );
    res.json(result);
  };
}
