// OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions (JSON or OpenAI's SSE
// chunks), so chat front-ends and OpenAI SDKs can use Cited as they are; and POST /v1/ask/standalone,
// the same follow-up rewrite for the web UI.
import { randomBytes } from "node:crypto";
import { type Request, type Response, Router } from "express";
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
import { answerError } from "./answers.js";

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

/** An error in the middle of a stream as an ApiError (unknown ones without their details). */
function streamError(error: unknown): ApiError {
  const mapped = answerError(error);
  return mapped instanceof ApiError
    ? mapped
    : new ApiError(500, "internal_error", "the answer failed on the server; the error is in the server log");
}

/** GET /v1/models and POST /v1/chat/completions. */
export function chatRoutes(chat: ChatService, audit: AuditRecorder): Router {
  const router = Router();

  router.get("/v1/models", (req, res) => {
    parseInput(NoQuery, req.query, "query");
    res.json(modelList());
  });

  router.post("/v1/chat/completions", async (req: Request, res: Response) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(RequestSchema, req.body, "body");
    const input = chatInput(body, res);
    const disconnect = new AbortController();
    // A client that goes away stops generation and frees the model at once.
    res.on("close", () => {
      if (!res.writableFinished) disconnect.abort(new Error("client disconnected"));
    });
    let ticket = null;
    try {
      const caller = callerOf(res);
      // Admitted before any response starts, so a full line is a plain 429.
      if (chat.needsModel(input))
        ticket = asOwner({ tenant: caller.scope.tenant, key: caller.keyId }, () =>
          chat.admit(disconnect.signal),
        );
    } catch (error) {
      throw answerError(error);
    }
    const ids: CompletionId = {
      id: `chatcmpl-${randomBytes(12).toString("hex")}`,
      created: Math.floor(Date.now() / 1000),
      model: input.model,
    };
    const deliver = async (): Promise<ChatReply> => {
      const reply = await chat.reply(input, disconnect.signal, ticket);
      // A reply whose audit line cannot be written is not delivered.
      await audit(req, res, reply.audit.event, reply.audit.fields);
      return reply;
    };
    if (!body.stream) {
      try {
        const reply = await deliver();
        res.json(completion(ids, reply.content, reply.extension, reply.usage));
      } catch (error) {
        throw answerError(error);
      }
      return;
    }
    const stream = startStream(res);
    stream.data(chunk(ids, { role: "assistant", content: "" }));
    try {
      const reply = await deliver();
      // Text is streamed once it is verified: nothing shown is later taken back.
      for (const piece of contentPieces(reply.content)) stream.data(chunk(ids, { content: piece }));
      stream.data(chunk(ids, {}, reply.extension));
      stream.end();
    } catch (error) {
      if (disconnect.signal.aborted) res.end();
      else stream.fail(streamError(error));
    }
  });

  // The web UI's follow-ups: the question to send to /v1/ask, rewritten with the conversation.
  router.post("/v1/ask/standalone", async (req: Request, res: Response) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(StandaloneRequest, req.body, "body");
    const caller = callerOf(res);
    const disconnect = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) disconnect.abort(new Error("client disconnected"));
    });
    try {
      const owner = { tenant: caller.scope.tenant, key: caller.keyId };
      const result = await asOwner(owner, () =>
        chat.standaloneOf({ question: body.question, history: body.history }, disconnect.signal),
      );
      res.json(result);
    } catch (error) {
      throw answerError(error);
    }
  });

  return router;
}
