// Inputs of the MCP tools (search, ask, get_page, list_documents): the same fields and limits as the
// HTTP API's requests, so a tool call is validated exactly as the route would validate it.
import { z } from "zod";
import { AskRequest, DocumentIdParams, DocumentListQuery, PageParams, SearchRequest } from "./api.js";

/** `search`: hybrid search, passages best first. */
export const SearchToolInput = SearchRequest.pick({ query: true, top_k: true, filters: true });
/** `ask`: a verified answer or an abstention. */
export const AskToolInput = AskRequest.pick({ question: true, top_k: true, filters: true });
/** `get_page`: the stored text of one page. */
export const GetPageToolInput = z.object({
  document_id: DocumentIdParams.shape.id,
  page: PageParams.shape.page,
});
/** `list_documents`: the documents the key may read, newest first. */
export const ListDocumentsToolInput = DocumentListQuery.pick({
  status: true,
  tag: true,
  type: true,
  limit: true,
  offset: true,
});
