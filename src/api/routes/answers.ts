// POST /v1/search and POST /v1/ask: passages, and answers with verified citations (JSON or a stream).
import { type Request, type RequestHandler, type Response, Router } from "express";
import { AskRequest, NoQuery, SearchRequest } from "../../../schemas/api.js";
import { type Answerer, passageView } from "../../answer/answerer.js";
import { asOwner } from "../../answer/limiter.js";
import type { HybridRetriever } from "../../retrieval/hybrid.js";
import { answerAuditFields, searchAuditFields } from "../../usecases/audit-fields.js";
import type { TenantPolicy } from "../../usecases/tenants/answerers.js";
import { callerOf } from "../context.js";
import { ApiError, apiErrorOf } from "../errors.js";
import { parseInput } from "../validate.js";

function wantsStream(req: Request, flag: boolean): boolean {
  return flag || (req.get("accept") ?? "").includes("text/event-stream");
}

/** Aborts when the client goes away before the response is finished: generation stops, the model is freed. */
export function abortOnDisconnect(res: Response): AbortController {
  const disconnect = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) disconnect.abort(new Error("client disconnected"));
  });
  return disconnect;
}

/** An error in the middle of a stream as an ApiError (unknown ones without their details). */
export function streamError(error: unknown): ApiError {
  return (
    apiErrorOf(error) ??
    new ApiError(500, "internal_error", "the answer failed on the server; the error is in the server log")
  );
}

/** What the answer routes need. */
interface AnswerRouteDeps {
  retriever: HybridRetriever;
  serverAnswerer: Answerer;
  onAnswered?: (req: Request, res: Response, info: Record<string, unknown>) => Promise<void>;
  tenants?: TenantPolicy;
}

/** One admitted question: what to ask, whom, and the place in line it holds. */
interface Asking {
  req: Request;
  res: Response;
  question: string;
  input: Parameters<Answerer["answer"]>[0];
  answerer: Answerer;
  signal: AbortSignal;
  ticket: ReturnType<Answerer["admit"]>;
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
  const deps: AnswerRouteDeps = { retriever, serverAnswerer, onAnswered, tenants };
  const router = Router();
  router.post("/v1/search", searchPassages(deps));
  router.post("/v1/ask", askDocuments(deps));
  return router;
}

/** POST /v1/search: the best passages for a query, with their pages. */
function searchPassages(deps: AnswerRouteDeps): RequestHandler {
  return async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(SearchRequest, req.body, "body");
    const started = performance.now();
    const scope = callerOf(res).scope;
    const hits = await deps.retriever.retrieve({
      query: body.query,
      topK: body.top_k,
      scope,
      filters: deps.tenants ? await deps.tenants.filters(scope.tenant, body.filters) : body.filters,
    });
    const retrievalMs = performance.now() - started;
    await deps.onAnswered?.(req, res, searchAuditFields(body.query, hits, retrievalMs));
    res.json({ passages: hits.map(passageView), timings: { retrieval_ms: retrievalMs } });
  };
}

/** POST /v1/ask: admit the question to the model's line, then answer it as JSON or as a stream. */
function askDocuments(deps: AnswerRouteDeps): RequestHandler {
  return async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(AskRequest, req.body, "body");
    const caller = callerOf(res);
    const tenant = caller.scope.tenant;
    const input = {
      question: body.question,
      topK: body.top_k,
      scope: caller.scope,
      filters: deps.tenants ? await deps.tenants.filters(tenant, body.filters) : body.filters,
    };
    const answerer = deps.tenants ? await deps.tenants.answerer(tenant) : deps.serverAnswerer;
    const { signal } = abortOnDisconnect(res);
    // The line is shared fairly between tenants and keys (src/answer/limiter.ts).
    const ticket = asOwner({ tenant, key: caller.keyId }, () => answerer.admit(signal));
    const asking: Asking = { req, res, question: body.question, input, answerer, signal, ticket };
    if (wantsStream(req, body.stream)) await streamAnswer(deps, asking);
    else await sendAnswer(deps, asking);
  };
}

/** The answer as one JSON body, once its audit line is written. */
async function sendAnswer(deps: AnswerRouteDeps, a: Asking): Promise<void> {
  const answer = await a.answerer.answer(a.input, {}, a.signal, a.ticket);
  await deps.onAnswered?.(a.req, a.res, answerAuditFields(a.question, answer));
  a.res.json(answer);
}

/** The answer as Server-Sent Events: passages, token…, citation…, then done (or error). */
async function streamAnswer(deps: AnswerRouteDeps, a: Asking): Promise<void> {
  const { res } = a;
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
    const answer = await a.answerer.answer(
      a.input,
      {
        onPassages: (passages) => send("passages", { passages }),
        onText: (text) => send("token", { text }),
        onCitation: (citation) => send("citation", citation),
      },
      a.signal,
      a.ticket,
    );
    // An answer whose audit line cannot be written is not delivered (the error event says why).
    await deps.onAnswered?.(a.req, res, answerAuditFields(a.question, answer));
    send("done", answer);
  } catch (error) {
    if (!a.signal.aborted) {
      const e = streamError(error);
      send("error", { error: { code: e.code, message: e.message } });
    }
  } finally {
    res.end();
  }
}
