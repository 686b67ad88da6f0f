// What the audit trail records of a search and of an answer: the same fields from the API and the CLI.
import type { AskResponse } from "../../schemas/api.js";

/** Fields of an audit line for a search: the query, the chunks retrieved, how long it took. */
export function searchAuditFields(
  query: string,
  hits: readonly { chunk_id: string }[],
  latencyMs: number,
): Record<string, unknown> {
  return { question: query, retrieved: hits.map((h) => h.chunk_id), latency_ms: latencyMs };
}

/** Fields of an audit line for an answer: question, passages retrieved and cited, abstention, model. */
export function answerAuditFields(question: string, answer: AskResponse): Record<string, unknown> {
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
