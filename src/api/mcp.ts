// The MCP server (Model Context Protocol): tools search, ask, get_page and list_documents over the
// same retriever, Answerer and document store as the HTTP API, for one caller's scope. Served at
// /mcp (Streamable HTTP, src/api/routes/mcp.ts) and on stdio by `cited mcp`.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { SearchFilters } from "../../schemas/api.js";
import {
  AskToolInput,
  GetPageToolInput,
  ListDocumentsToolInput,
  SearchToolInput,
} from "../../schemas/mcp.js";
import { type Answerer, passageView } from "../answer/answerer.js";
import { asOwner } from "../answer/limiter.js";
import type { HybridRetriever } from "../retrieval/hybrid.js";
import type { DocumentRepository } from "../store/documents.js";
import { answerAuditFields, searchAuditFields } from "../usecases/audit-fields.js";
import { answerText, passagesText } from "../usecases/chat/format.js";
import type { TenantPolicy } from "../usecases/tenants/answerers.js";
import type { Caller } from "./context.js";
import { apiErrorOf } from "./errors.js";
import { documentView } from "./views.js";

/** What the tools are built on. */
export interface McpDeps {
  /** Search over the store. */
  retriever: HybridRetriever;
  /** The server's Answerer (its line is shared by every tenant's). */
  answerer: Answerer;
  /** Documents and pages, read within the caller's scope. */
  documents: DocumentRepository;
  /** Records a tool's read in the audit trail (as the caller); the result waits for it. */
  record: (event: string, fields: Record<string, unknown>) => Promise<void>;
  /** Server version reported to clients. */
  version: string;
  /** Per-tenant settings; without it every tenant gets the server's. */
  tenants?: TenantPolicy;
}

/** A tool result: text for the assistant, and the same data as JSON for programs. */
const result = (text: string, data: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text }],
  structuredContent: data,
});

/** A failure the caller can act on, as a tool error (the model sees the message) rather than a protocol error. */
function toolError(error: unknown): CallToolResult {
  const mapped = apiErrorOf(error);
  if (!mapped) throw error;
  return { isError: true, content: [{ type: "text", text: `${mapped.code}: ${mapped.message}` }] };
}

/** What every tool acts with: the deps, and the caller's scope and filters. */
interface ToolContext {
  deps: McpDeps;
  caller: Caller;
  scope: Caller["scope"];
  filters: (requested: SearchFilters | undefined) => Promise<SearchFilters | undefined>;
}

/** An MCP server whose tools act as `caller` (its tenant, groups and role). */
export function createMcpServer(deps: McpDeps, caller: Caller): McpServer {
  const server = new McpServer({ name: "cited", version: deps.version });
  const scope = caller.scope;
  const filters = async (requested: SearchFilters | undefined) =>
    deps.tenants ? deps.tenants.filters(scope.tenant, requested) : requested;
  const tools: ToolContext = { deps, caller, scope, filters };
  registerSearch(server, tools);
  registerAsk(server, tools);
  registerGetPage(server, tools);
  registerListDocuments(server, tools);
  return server;
}

/** Tool `search`: passages best first, recorded as a search. */
function registerSearch(server: McpServer, tools: ToolContext): void {
  const { deps, scope, filters } = tools;
  server.registerTool(
    "search",
    {
      title: "Search documents",
      description:
        "Hybrid full-text and vector search over the documents this key may read; passages best first, with titles and pages.",
      inputSchema: SearchToolInput.shape,
    },
    async (input) => {
      const started = performance.now();
      const hits = await deps.retriever.retrieve({
        query: input.query,
        topK: input.top_k,
        scope,
        filters: await filters(input.filters),
      });
      await deps.record("search", {
        ...searchAuditFields(input.query, hits, performance.now() - started),
        via: "mcp",
      });
      const passages = hits.map(passageView);
      return result(passagesText(input.query, passages), { passages });
    },
  );
}

/** Tool `ask`: an answer with verified citations, admitted to the model's line as the caller. */
function registerAsk(server: McpServer, tools: ToolContext): void {
  const { deps, caller, scope, filters } = tools;
  server.registerTool(
    "ask",
    {
      title: "Ask the documents",
      description:
        "An answer with verified citations (document, page, exact quote), or an answer saying the documents do not say. Answer only from it and keep its [n] markers.",
      inputSchema: AskToolInput.shape,
    },
    async (input, extra) => {
      try {
        const answerer = deps.tenants ? await deps.tenants.answerer(scope.tenant) : deps.answerer;
        const ticket = asOwner({ tenant: scope.tenant, key: caller.keyId }, () =>
          answerer.admit(extra.signal),
        );
        const answer = await answerer.answer(
          { question: input.question, topK: input.top_k, scope, filters: await filters(input.filters) },
          {},
          extra.signal,
          ticket,
        );
        await deps.record("ask", { ...answerAuditFields(input.question, answer), via: "mcp" });
        return result(answerText(answer), answer);
      } catch (error) {
        return toolError(error);
      }
    },
  );
}

/** Tool `get_page`: the stored text of one page. */
function registerGetPage(server: McpServer, tools: ToolContext): void {
  const { deps, scope } = tools;
  server.registerTool(
    "get_page",
    {
      title: "Read a page",
      description: "The stored text of one page of a document (to read a cited page around its quote).",
      inputSchema: GetPageToolInput.shape,
    },
    async ({ document_id, page }) => {
      const pages = await deps.documents.pages(document_id, scope);
      const found = pages.find((p) => p.page === page);
      if (!found) {
        const what = pages.length
          ? `page ${page} of document ${document_id} (it has ${pages.length})`
          : `document ${document_id}`;
        return { isError: true, content: [{ type: "text", text: `not_found: ${what} not found` }] };
      }
      await deps.record("documents.page", { document_id, page, via: "mcp" });
      return result(found.text, { document_id, page, text: found.text, text_source: found.text_source });
    },
  );
}

/** Tool `list_documents`: the documents the caller may read. */
function registerListDocuments(server: McpServer, tools: ToolContext): void {
  const { deps, scope } = tools;
  server.registerTool(
    "list_documents",
    {
      title: "List documents",
      description:
        "The documents this key may read, newest first, with their status, type, tags and page counts.",
      inputSchema: ListDocumentsToolInput.shape,
    },
    async (q) => {
      const { items, total } = await deps.documents.list(scope, {
        status: q.status,
        tag: q.tag,
        type: q.type,
        limit: q.limit,
        offset: q.offset,
      });
      const views = items.map(documentView);
      const lines = views.map(
        (d) => `${d.id}  ${d.status}  ${d.title || d.name}${d.pages ? `  (${d.pages} pages)` : ""}`,
      );
      return result(`${total} document(s)${lines.length ? `:\n${lines.join("\n")}` : ""}`, {
        items: views,
        total,
      });
    },
  );
}
