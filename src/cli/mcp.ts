// `cited mcp`: the MCP server on stdio, for assistants that start their tools as processes (Claude
// Desktop, IDEs). It acts as the key in CITED_API_KEY (or --key); without one only in OPEN_MODE.
import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { AuditTrail } from "../access/audit.js";
import { LOCAL_SCOPE } from "../access/scope.js";
import type { Caller } from "../api/context.js";
import { createMcpServer } from "../api/mcp.js";
import type { Config } from "../config/index.js";
import { keyStoreOf, openServices } from "../usecases/services.js";

/** Who the tools act as: the key's holder, or the local admin in open mode; a string says what is wrong. */
export async function mcpCaller(config: Config, key: string | undefined): Promise<Caller | string> {
  if (!key) {
    if (config.OPEN_MODE) return { scope: LOCAL_SCOPE, keyId: "open", role: "admin" };
    return "mcp needs an API key: set CITED_API_KEY=<key> (or pass --key); an operator creates one with `npm run cited -- keys create`";
  }
  const keys = keyStoreOf(config);
  const holder = await keys.authenticate(key).finally(() => keys.close());
  if (!holder) return "unknown or revoked API key in CITED_API_KEY: ask the operator for a valid key";
  return { scope: holder.scope, keyId: holder.keyId, role: holder.role };
}

/** Serve MCP on stdin/stdout until the client closes stdin; returns the exit code. */
export async function mcpCommand(config: Config, args: string[], audit: AuditTrail): Promise<number> {
  const { values } = parseArgs({ args, options: { key: { type: "string" } } });
  const caller = await mcpCaller(config, values.key ?? process.env.CITED_API_KEY);
  if (typeof caller === "string") {
    process.stderr.write(`cited: ${caller}\n`);
    return 2;
  }
  // stdout carries the protocol: anything else printed there would break it.
  console.log = console.error;
  console.info = console.error;
  const services = openServices(config);
  const [documents, retriever] = [await services.documents(), await services.retriever()];
  const { answerer } = await services.answering();
  const { tenants } = await services.tenantAnswering();
  const record = async (event: string, fields: Record<string, unknown>) => {
    await audit.append({
      ...fields,
      event,
      key_id: caller.keyId,
      tenant: caller.scope.tenant,
      route: "cli mcp",
    });
  };
  const server = createMcpServer(
    { retriever, answerer, documents, record, version: "0.1.0", tenants },
    caller,
  );
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
  });
  await server.connect(transport);
  process.stderr.write(
    `cited mcp: serving tools on stdio as key ${caller.keyId} (tenant ${caller.scope.tenant})\n`,
  );
  await closed;
  await server.close();
  await services.close();
  return 0;
}
