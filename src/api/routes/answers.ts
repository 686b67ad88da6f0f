import { type Request, type Response, Router } from "express";
import { AskRequest, NoQuery, SearchRequest } from "../../../schemas/api.js";
import { type Answerer, passageView } from "../../answer/answerer.js";
import { asOwner, BusyError } from "../../answer/limiter.js";
import { InputTooLongError } from "../../models/embedder.js";
import { GenerationIncompleteError } from "../../models/generator.js";
import type { HybridRetriever } from "../../retrieval/hybrid.js";
import { answerAuditFields, searchAuditFields } from "../../usecases/audit-fields.js";
import type { TenantPolicy } from "../../usecases/tenants/answerers.js";
import { callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { parseInput } from "../validate.js";

/** Model-side failures as HTTP errors a client can act on. */
export function answerError(error: unknown): unknown {
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
  serverAnswerer: Answerer,
  /** Records an answer or search in the audit trail; the response waits for it (and fails with it). */
  onAnswered?: (req: Request, res: Response, info: Record<string, unknown>) => Promise<void>,
  /** Per-tenant settings (Answerer, default filters); without it every tenant gets the server's. */
  tenants?: TenantPolicy,
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
        filters: tenants ? tenants.filters(callerOf(res).scope.tenant, body.filters) : body.filters,
      });
      const retrievalMs = performance.now() - started;
      await onAnswered?.(req, res, searchAuditFields(body.query, hits, retrievalMs));
      res.json({ passages: hits.map(passageView), timings: { retrieval_ms: retrievalMs } });
    } catch (error) {
      throw answerError(error);
    }
  });

  router.post("/v1/ask", async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(AskRequest, req.body, "body");
    const tenant = callerOf(res).scope.tenant;
    const input = {
      question: body.question,
      topK: body.top_k,
      scope: callerOf(res).scope,
      filters: tenants ? tenants.filters(tenant, body.filters) : body.filters,
    };
    const answerer = tenants ? await tenants.answerer(tenant) : serverAnswerer;
    const disconnect = new AbortController();
    // A client that goes away stops generation and frees the model at once.
    res.on("close", () => {
      if (!res.writableFinished) disconnect.abort(new Error("client disconnected"));
    });
    let ticket: ReturnType<Answerer["admit"]>;
    try {
      // The line is shared fairly between tenants and keys (src/answer/limiter.ts).
      const caller = callerOf(res);
      ticket = asOwner({ tenant: caller.scope.tenant, key: caller.keyId }, () =>
        answerer.admit(disconnect.signal),
      );
    } catch (error) {
      throw answerError(error);
    }
    if (!wantsStream(req, body.stream)) {
      try {
        const answer = await answerer.answer(input, {}, disconnect.signal, ticket);
        await onAnswered?.(req, res, answerAuditFields(body.question, answer));
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
      // An answer whose audit line cannot be written is not delivered (the error event says why).
      await onAnswered?.(req, res, answerAuditFields(body.question, answer));
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
