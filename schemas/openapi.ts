// The OpenAPI 3.1 document, generated from the shapes in schemas/api.ts.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import * as api from "./api.js";
import * as chat from "./chat.js";
import * as review from "./review.js";
import * as sources from "./sources.js";
import * as tenant from "./tenant.js";
import * as webhooks from "./webhooks.js";

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  400: json(api.ErrorBody, "Invalid request: the message says what to fix"),
  401: json(api.ErrorBody, "Missing or invalid API key"),
  403: json(api.ErrorBody, "The key may not do this"),
  404: json(api.ErrorBody, "Not found (or not visible to this key)"),
  429: json(api.ErrorBody, "Too many requests: retry after the Retry-After header"),
};

/** The security requirement of the paths that need an API key. */
type Security = Record<string, string[]>[];

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const security = registerSecuritySchemes(registry);
  // Registration order is the order of the paths in the document.
  registerHealthPaths(registry);
  registerUploadPath(registry, security);
  registerDocumentPaths(registry, security);
  registerJobPaths(registry, security);
  registerSearchPaths(registry, security);
  registerKeyPaths(registry, security);
  registerSourcePaths(registry, security);
  registerChatPaths(registry, security);
  registerMcpPaths(registry, security);
  registerTenantPaths(registry, security);
  registerWebhookPaths(registry, security);
  registerReviewPaths(registry, security);
  registerMetricsPath(registry, security);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "Cited API", version, description: "Private document search with verified citations." },
  }) as unknown as Record<string, unknown>;
}

/** The two ways to send an API key, and the security requirement that accepts either. */
function registerSecuritySchemes(registry: OpenAPIRegistry): Security {
  const bearer = registry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer" });
  const header = registry.registerComponent("securitySchemes", "apiKeyHeader", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });
  // Either header carries the key.
  return [{ [bearer.name]: [] }, { [header.name]: [] }];
}

/** Liveness and readiness probes (no key). */
function registerHealthPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: "get",
    path: "/healthz",
    summary: "The process is up",
    responses: { 200: json(api.Health, "Up") },
  });
  registry.registerPath({
    method: "get",
    path: "/readyz",
    summary: "Redis, the store and the models work",
    responses: { 200: json(api.Readiness, "Ready"), 503: json(api.Readiness, "Not ready") },
  });
}

/** Uploading files to be ingested. */
function registerUploadPath(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "post",
    path: "/v1/documents",
    summary: "Upload files (multipart field `files`) to be ingested",
    security,
    request: {
      body: {
        content: {
          "multipart/form-data": {
            schema: z.object({
              files: z.array(z.string().meta({ format: "binary" })),
              tags: z.string().optional(),
              groups: z.string().optional(),
            }),
          },
        },
      },
    },
    responses: {
      202: json(api.UploadResponse, "Accepted: one entry per file"),
      413: json(api.ErrorBody, "A file is over the size limit"),
      ...errors,
    },
  });
}

/** Reading and deleting documents: metadata, pages, chunks, the original file. */
function registerDocumentPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "get",
    path: "/v1/documents",
    summary: "List documents",
    security,
    request: { query: api.DocumentListQuery },
    responses: { 200: json(api.DocumentList, "A page of documents"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/documents/{id}",
    summary: "One document and its status",
    security,
    request: { params: api.DocumentIdParams },
    responses: { 200: json(api.DocumentView, "The document"), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/documents/{id}",
    summary: "Delete a document and all its chunks",
    security,
    request: { params: api.DocumentIdParams },
    responses: { 204: { description: "Deleted" }, ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/documents/{id}/pages/{page}",
    summary: "The stored text of one page",
    security,
    request: { params: api.PageParams },
    responses: { 200: json(api.PageView, "The page"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/documents/{id}/chunks",
    summary: "The chunks of a document, with their pages and offsets",
    security,
    request: { params: api.DocumentIdParams },
    responses: { 200: json(api.ChunkList, "The chunks in order"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/documents/{id}/file",
    summary: "The original file",
    security,
    request: { params: api.DocumentIdParams },
    responses: { 200: { description: "The file's bytes" }, ...errors },
  });
}

/** The state of an ingest job. */
function registerJobPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "get",
    path: "/v1/jobs/{id}",
    summary: "State and progress of an ingest job",
    security,
    request: { params: api.JobIdParams },
    responses: { 200: json(api.JobView, "The job"), ...errors },
  });
}

/** Search and ask. */
function registerSearchPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "post",
    path: "/v1/search",
    summary: "Hybrid search over the documents this key may read",
    security,
    request: { body: { content: { "application/json": { schema: api.SearchRequest } } } },
    responses: { 200: json(api.SearchResponse, "Passages, best first"), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/ask",
    summary:
      "An answer with verified citations, or an abstention (JSON, or Server-Sent Events with stream: true)",
    security,
    request: { body: { content: { "application/json": { schema: api.AskRequest } } } },
    responses: {
      200: {
        description:
          "The answer; with stream: true, events passages, token, citation, then done (this object) or error",
        content: {
          "application/json": { schema: api.AskResponse },
          "text/event-stream": { schema: z.string() },
        },
      },
      504: json(api.ErrorBody, "The answer took too long"),
      ...errors,
    },
  });
}

/** The tenant's API keys (admin keys only). */
function registerKeyPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "get",
    path: "/v1/keys",
    summary: "The API keys of the caller's tenant (admin keys only)",
    security,
    responses: { 200: json(api.KeyList, "Keys, without their secrets"), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/keys",
    summary: "Create a key in the caller's tenant (admin keys only); the secret is shown once",
    security,
    request: { body: { content: { "application/json": { schema: api.KeyCreateRequest } } } },
    responses: { 201: json(api.KeyCreated, "The new key and its secret"), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/keys/{id}",
    summary: "Revoke a key of the caller's tenant (admin keys only)",
    security,
    request: { params: api.KeyIdParams },
    responses: { 204: { description: "Revoked" }, ...errors },
  });
}

/** Folder sources (document shares): register, list, sync, coverage report. */
function registerSourcePaths(registry: OpenAPIRegistry, security: Security): void {
  const params = sources.SourceIdParams;
  registry.registerPath({
    method: "post",
    path: "/v1/sources",
    summary: "Register a server folder to keep in sync (editors and admins)",
    security,
    request: { body: { content: { "application/json": { schema: sources.CreateSourceRequest } } } },
    responses: {
      201: json(sources.SourceView, "Registered"),
      409: json(api.ErrorBody, "The folder is already registered"),
      ...errors,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/sources",
    summary: "The sources this key may read, each with its last sync",
    security,
    responses: { 200: json(sources.SourceList, "Sources"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/sources/{id}",
    summary: "One source and its last sync (live counts while it runs)",
    security,
    request: { params },
    responses: { 200: json(sources.SourceView, "The source"), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/sources/{id}/sync",
    summary: "Start a sync (or get the running one): new, changed, renamed and deleted files",
    security,
    request: { params, body: { content: { "application/json": { schema: sources.StartSyncRequest } } } },
    responses: { 202: json(sources.SyncAccepted, "Sync queued"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/sources/{id}/report",
    summary: "Coverage report: per file and page, searchable or not and how the text was read",
    security,
    request: { params },
    responses: { 200: json(sources.CoverageReport, "The report"), ...errors },
  });
}

/** The OpenAI-compatible endpoints, and the follow-up rewrite of the web UI. */
function registerChatPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "post",
    path: "/v1/ask/standalone",
    summary:
      "Rewrite a follow-up question into a standalone one with the conversation before it (the chat model, as /v1/chat/completions does); send the result to /v1/ask",
    security,
    request: { body: { content: { "application/json": { schema: chat.StandaloneRequest } } } },
    responses: { 200: json(chat.StandaloneResponse, "The question to ask"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/models",
    summary: "OpenAI-compatible model list: cited (answers with citations) and cited-search (passages)",
    security,
    responses: { 200: json(chat.ModelList, "The models"), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/chat/completions",
    summary:
      "OpenAI-compatible chat completion: the last user message is the question (earlier turns rewrite it into a standalone one); the same verified answer as /v1/ask, with [n] markers, a Sources block, and the citations in `cited`",
    security,
    request: { body: { content: { "application/json": { schema: chat.ChatCompletionRequest } } } },
    responses: {
      200: {
        description:
          "The completion; with stream: true, OpenAI chat.completion.chunk events (data: …), the last with finish_reason stop and `cited`, then data: [DONE]",
        content: {
          "application/json": { schema: chat.ChatCompletion },
          "text/event-stream": { schema: chat.ChatCompletionChunk },
        },
      },
      504: json(api.ErrorBody, "The answer took too long"),
      ...errors,
    },
  });
}

/** The MCP endpoint: POST only, the other methods answered 405. */
function registerMcpPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "post",
    path: "/mcp",
    summary:
      "MCP server (Streamable HTTP, stateless): JSON-RPC requests of the Model Context Protocol; tools search, ask, get_page, list_documents act as the key",
    security,
    request: { body: { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
    responses: {
      200: {
        description: "The JSON-RPC response",
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
      },
      ...errors,
    },
  });
  for (const method of ["get", "delete"] as const) {
    registry.registerPath({
      method,
      path: "/mcp",
      summary: "Not offered: the MCP server is stateless (no server-initiated streams, no sessions)",
      security,
      responses: { 405: json(api.ErrorBody, "Use POST /mcp"), ...errors },
    });
  }
}

/** The caller's tenant and its settings. */
function registerTenantPaths(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "get",
    path: "/v1/tenant",
    summary: "The caller's tenant: its settings, what answers use now, and the chat models provisioned",
    security,
    responses: { 200: json(tenant.TenantView, "The tenant"), ...errors },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/tenant",
    summary:
      "Change the tenant's settings (admin keys only; audited): answer language and style (inside a fixed frame that keeps citations), support threshold, default filters, chat model; null restores the server's default",
    security,
    request: { body: { content: { "application/json": { schema: tenant.TenantSettingsPatch } } } },
    responses: { 200: json(tenant.TenantView, "The tenant, changed"), ...errors },
  });
}

/** Webhooks of the tenant, their deliveries, and the payload they receive. */
function registerWebhookPaths(registry: OpenAPIRegistry, security: Security): void {
  const params = webhooks.WebhookIdParams;
  registry.registerPath({
    method: "post",
    path: "/v1/webhooks",
    summary:
      "Register a webhook of the caller's tenant (admin keys only); the signing secret is shown once. Loopback/private URLs are refused unless WEBHOOK_ALLOW_PRIVATE",
    security,
    request: { body: { content: { "application/json": { schema: webhooks.WebhookCreateRequest } } } },
    responses: { 201: json(webhooks.WebhookCreated, "The webhook and its secret"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/webhooks",
    summary: "The webhooks of the caller's tenant (admin keys only), without their secrets",
    security,
    responses: { 200: json(webhooks.WebhookList, "Webhooks"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/webhooks/{id}/deliveries",
    summary: "The latest delivery attempts of a webhook, newest first (admin keys only)",
    security,
    request: { params },
    responses: { 200: json(webhooks.WebhookAttemptList, "Attempts"), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/webhooks/{id}",
    summary: "Delete a webhook of the caller's tenant (admin keys only)",
    security,
    request: { params },
    responses: { 204: { description: "Deleted" }, ...errors },
  });
  // The body POSTed to a hook is no route's response, so it is listed as a schema of its own.
  registry.registerComponent(
    "schemas",
    "WebhookPayload",
    z.toJSONSchema(webhooks.WebhookPayload) as Parameters<typeof registry.registerComponent>[2],
  );
}

/** Contract review: review jobs, their tables and exports. */
function registerReviewPaths(registry: OpenAPIRegistry, security: Security): void {
  const params = review.ReviewIdParams;
  registry.registerPath({
    method: "post",
    path: "/v1/reviews",
    summary: "Review documents with a template (a shipped name or the template itself): a job per document",
    security,
    request: { body: { content: { "application/json": { schema: review.ReviewRequest } } } },
    responses: { 202: json(review.ReviewCreated, "Review queued"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/reviews/{id}",
    summary: "State, counts and the table: rows of the documents this key may read, every cell cited",
    security,
    request: { params },
    responses: { 200: json(review.ReviewView, "The review"), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/reviews/{id}",
    summary: "Cancel a review: waiting documents are dropped, a running one stops before its next field",
    security,
    request: { params },
    responses: {
      202: json(z.object({ id: z.string(), state: z.literal("cancelled") }), "Cancelled"),
      ...errors,
    },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/reviews/{id}/cells",
    summary: "Fill one cell of an ended review again, optionally with its field's question in other words",
    security,
    request: { params, body: { content: { "application/json": { schema: review.CellRerunRequest } } } },
    responses: { 202: json(review.CellRerunQueued, "Cell queued"), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/reviews/{id}/export",
    summary: "The table as CSV or XLSX: per field its value, and its quote and page in the next column",
    security,
    request: { params, query: review.ExportQuery },
    responses: {
      200: {
        description: "The table",
        content: {
          "text/csv": { schema: z.string() },
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            schema: z.string().meta({ format: "binary" }),
          },
        },
      },
      ...errors,
    },
  });
}

/** Prometheus metrics of the API process (admin keys only). */
function registerMetricsPath(registry: OpenAPIRegistry, security: Security): void {
  registry.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics of the API process, in the text format 0.0.4 (admin keys only)",
    security,
    responses: {
      200: {
        description: "The metrics (cited_… counters, histograms and gauges)",
        content: { "text/plain; version=0.0.4": { schema: z.string() } },
      },
      ...errors,
    },
  });
}
