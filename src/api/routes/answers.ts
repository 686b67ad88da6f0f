import { type Request, type Response, Router } from "express";
import { AskRequest, NoQuery, SearchRequest } from "../../../schemas/api.js";
import { type Answerer, passageView } from "../../answer/answerer.js";
import { BusyError } from "../../answer/limiter.js";
import { InputTooLongError } from "../../models/embedder.js";
import { GenerationIncompleteError } from "../../models/generator.js";
import type { HybridRetriever } from "../../retrieval/hybrid.js";
import { callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { parseInput } from "../validate.js";

/** Model-side failures as HTTP errors a client can act on. */
function answerError(error: unknown): unknown {
  if (error instanceof BusyError) {
    return new ApiError(429, "busy", error.message, { "Retry-After": String(error.retryAfterSeconds) });
  }
  if (error instanceof InputTooLongError) {
    return new ApiError(
      400,
      "query_too_long",
      `the question is too long for the embedding model (${error.tokens} tokens, at most ${error.maxTokens}): shorten it`,
    );
  }
  if ((error as Error)?.name === "TimeoutError") {
    return new ApiError(
      504,
      "timeout",
      "the answer took longer than ASK_TIMEOUT_MS allows: ask a narrower question or retry when the server is less busy",
    );
  }
  if (error instanceof GenerationIncompleteError) {
    return new ApiError(502, "generation_incomplete", `${error.message}: retry, or ask a narrower question`);
  }
  return error;
}

function wantsStream(req: Request, flag: boolean): boolean {
  return flag || (req.get("accept") ?? "").includes("text/event-stream");
}

/** POST /v1/search and POST /v1/ask (JSON or Server-Sent Events). */
export function answerRoutes(
  retriever: HybridRetriever,
  answerer: Answerer,
  onAnswered?: (req: Request, res: Response, info: Record<string, unknown>) => void,
): Router {
  const router = Router();

  router.post("/v1/search", async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(SearchRequest, req.body, "body");
    const started = performance.now();
    try {
      const hits = await retriever.retrieve({
        query: body.query,
        topK: body.top_k,
        scope: callerOf(res).scope,
        filters: body.filters,
      });
      const retrievalMs = performance.now() - started;
      onAnswered?.(req, res, {
        question: body.query,
        retrieved: hits.map((h) => h.chunk_id),
        latency_ms: retrievalMs,
      });
      res.json({ passages: hits.map(passageView), timings: { retrieval_ms: retrievalMs } });
    } catch (error) {
      throw answerError(error);
    }
  });

  router.post("/v1/ask", async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(AskRequest, req.body, "body");
    const input = {
      question: body.question,
      topK: body.top_k,
      scope: callerOf(res).scope,
      filters: body.filters,
    };
    const disconnect = new AbortController();
    // A client that goes away stops generation and frees the model at once.
    res.on("close", () => {
      if (!res.writableFinished) disconnect.abort(new Error("client disconnected"));
    });
    let ticket: ReturnType<Answerer["admit"]>;
    try {
      ticket = answerer.admit(disconnect.signal);
    } catch (error) {
      throw answerError(error);
    }
    if (!wantsStream(req, body.stream)) {
      try {
        const answer = await answerer.answer(input, {}, disconnect.signal, ticket);
        onAnswered?.(req, res, auditInfo(body.question, answer));
        res.json(answer);
      } catch (error) {
        throw answerError(error);
      }
      return;
    }
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    try {
      const answer = await answerer.answer(
        input,
        {
          onPassages: (passages) => send("passages", { passages }),
          onText: (text) => send("token", { text }),
          onCitation: (citation) => send("citation", citation),
        },
        disconnect.signal,
        ticket,
      );
      onAnswered?.(req, res, auditInfo(body.question, answer));
      send("done", answer);
    } catch (error) {
      const mapped = answerError(error);
      if (!disconnect.signal.aborted) {
        const e =
          mapped instanceof ApiError
            ? mapped
            : new ApiError(
                500,
                "internal_error",
                "the answer failed on the server; the error is in the server log",
              );
        send("error", { error: { code: e.code, message: e.message } });
      }
    } finally {
      res.end();
    }
  });

  return router;
}

function auditInfo(
  question: string,
  answer: import("../../../schemas/api.js").AskResponse,
): Record<string, unknown> {
  return {
    question,
    retrieved: answer.passages.map((p) => p.chunk_id),
    cited: [...new Set(answer.citations.map((c) => c.chunk_id))],
    abstained: answer.abstained,
    model: answer.model,
    prompt_version: answer.prompt_version,
    latency_ms: answer.timings.total_ms,
  };
}
