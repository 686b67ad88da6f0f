// The MCP server through the official MCP SDK client, on both transports: Streamable HTTP at /mcp and
// stdio (`cited mcp`), against the real service (chat model, embedder, store, Redis); scoped by key.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ingestAs, startKeyedService, TEAM_KEYS } from "../support/keyed.js";
import { distributorAgreementPdf, servicesAgreementPdf } from "../support/pdfs.js";
import type { TestService } from "../support/service.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const ASK_TIMEOUT_MS = 300_000;
const oneAnswer = ASK_TIMEOUT_MS + 30_000;

let service: TestService;
let msaId: string;
let tokens: Record<string, string> = {};
const clients: Client[] = [];

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

/** An MCP client connected over HTTP with a key (or none). */
async function httpClient(token: string | null): Promise<Client> {
  const client = new Client({ name: "cited-test", version: "1.0.0" });
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers } }),
  );
  clients.push(client);
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args }, undefined, { timeout: oneAnswer })) as ToolResult;

beforeAll(async () => {
  ({ service, tokens } = await startKeyedService(
    { GENERATION_PARALLEL: "1", CHAT_CONTEXT_TOKENS: "3072", ASK_TIMEOUT_MS: String(ASK_TIMEOUT_MS) },
    TEAM_KEYS,
  ));
  const files = {
    "msa.pdf": await servicesAgreementPdf(),
    "distributor.pdf": await distributorAgreementPdf(),
  };
  [msaId] = (await ingestAs(service, tokens.editor!, files, { groups: "team" })) as [string];
}, 300_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await service?.stop();
});

describe("MCP over HTTP at /mcp", () => {
  test("the four tools are listed, each with its input schema", async () => {
    const client = await httpClient(tokens.reader!);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["ask", "get_page", "list_documents", "search"]);
    const ask = tools.find((t) => t.name === "ask")!;
    expect(ask.inputSchema.required).toEqual(["question"]);
  });

  test("without a key the client cannot connect (401)", async () => {
    await expect(httpClient(null)).rejects.toThrow(/401|missing API key/);
  });

  test("list_documents, search and get_page read what the key may read", async () => {
    const client = await httpClient(tokens.reader!);
    const list = await call(client, "list_documents", {});
    expect(list.structuredContent!.total).toBe(2);
    const search = await call(client, "search", { query: "termination for convenience notice", top_k: 3 });
    const passages = search.structuredContent!.passages as { document_id: string; page_start: number }[];
    expect(passages[0]!.document_id).toBe(msaId);
    expect(search.content[0]!.text).toMatch(/^Passages for “termination for convenience notice”/);
    const page = await call(client, "get_page", { document_id: msaId, page: 2 });
    expect(page.content[0]!.text).toMatch(/ninety \(90\) days/);
    const missing = await call(client, "get_page", { document_id: msaId, page: 9 });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toMatch(/page 9 of document .* not found/);
  });

  test("another tenant's key sees none of it", async () => {
    const client = await httpClient(tokens.otherTenant!);
    expect((await call(client, "list_documents", {})).structuredContent!.total).toBe(0);
    expect(
      (await call(client, "search", { query: "termination notice" })).structuredContent!.passages,
    ).toEqual([]);
    expect((await call(client, "get_page", { document_id: msaId, page: 2 })).isError).toBe(true);
  });

  test("bad arguments are refused with what to fix", async () => {
    const client = await httpClient(tokens.reader!);
    const bad = await call(client, "search", { query: "   " });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/query must not be empty/);
  });

  test(
    "ask gives the verified answer with its Sources block and the citations as data",
    async () => {
      const client = await httpClient(tokens.reader!);
      const res = await call(client, "ask", {
        question: "How many days of notice are needed to terminate the agreement for convenience?",
        top_k: 4,
      });
      expect(res.isError).toBeFalsy();
      const answer = res.structuredContent as {
        abstained: boolean;
        citations: { page: number; quote: string; document_id: string }[];
      };
      expect(answer.abstained).toBe(false);
      const notice = answer.citations.find((c) => /ninety \(90\) days/.test(c.quote.replace(/\s+/g, " ")));
      expect(notice).toMatchObject({ page: 2, document_id: msaId });
      expect(res.content[0]!.text).toMatch(
        /\[\d\][\s\S]*\n\nSources:\n\[\d\] MASTER SERVICES AGREEMENT, § [^\n]+, p\. 2: /,
      );
    },
    oneAnswer,
  );
});

describe("MCP on stdio (`cited mcp`)", () => {
  test("acts as the key in CITED_API_KEY: the same tools, the same scope", async () => {
    const env = Object.fromEntries(
      Object.entries({ ...service.env, CITED_API_KEY: tokens.reader!, LLAMA_THREADS: "1" }).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    );
    const client = new Client({ name: "cited-test-stdio", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "mcp"],
        cwd: ROOT,
        env,
        stderr: "pipe",
      }),
      // The process loads its models before it answers `initialize`.
      { timeout: 150_000 },
    );
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["ask", "get_page", "list_documents", "search"]);
    const list = await call(client, "list_documents", {});
    expect(list.structuredContent!.total).toBe(2);
    const page = await call(client, "get_page", { document_id: msaId, page: 2 });
    expect(page.content[0]!.text).toMatch(/ninety \(90\) days/);
  }, 180_000);
});
