// POST /mcp: the MCP server over Streamable HTTP, stateless (one server per request, scoped by the
// request's key). GET and DELETE (server-initiated streams, sessions) are not offered.
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { type Request, type Response, Router } from "express";
import type { AuditRecorder } from "../audit.js";
import { callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { createMcpServer, type McpDeps } from "../mcp.js";

/** The MCP endpoint; `deps.record` is replaced by the request's own audit recorder. */
export function mcpRoutes(deps: Omit<McpDeps, "record">, audit: AuditRecorder): Router {
  const router = Router();
  router.post("/mcp", async (req: Request, res: Response) => {
    const record = (event: string, fields: Record<string, unknown>) => audit(req, res, event, fields);
    const server = createMcpServer({ ...deps, record }, callerOf(res));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const notOffered = () => {
    throw new ApiError(
      405,
      "method_not_allowed",
      "this MCP server is stateless: send JSON-RPC requests with POST /mcp",
    );
  };
  router.get("/mcp", notOffered);
  router.delete("/mcp", notOffered);
  return router;
}
