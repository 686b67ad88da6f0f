// Contract review over HTTP: start a review, read its table, cancel it, export it as CSV or XLSX.
import { type RequestHandler, Router } from "express";
import { DocumentIdParams, NoQuery } from "../../../schemas/api.js";
import { CellRerunRequest, ExportQuery, ReviewIdParams, ReviewRequest } from "../../../schemas/review.js";
import { reviewCsv, reviewXlsx } from "../../review/export.js";
import type { CellExtractor } from "../../review/extractor.js";
import { cancelReview, type ReviewDeps, rerunCell, reviewView, startReview } from "../../usecases/review.js";
import { documentSummary } from "../../usecases/summary.js";
import { callerOf } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import { parseInput } from "../validate.js";

/** What the review routes need: the review parts, and an extractor without models for summaries. */
type ReviewRoutesDeps = ReviewDeps & { summaries: CellExtractor };

/** POST /v1/reviews, GET /v1/reviews/:id, DELETE /v1/reviews/:id, POST /v1/reviews/:id/cells (re-run
 * one cell), GET /v1/reviews/:id/export, and
 * GET /v1/documents/:id/summary (made with `summaries`, an extractor without models). */
export function reviewRoutes(deps: ReviewRoutesDeps): Router {
  const router = Router();
  router.post("/v1/reviews", createReview(deps));
  router.get("/v1/reviews/:id", viewReview(deps));
  router.delete("/v1/reviews/:id", deleteReview(deps));
  router.post("/v1/reviews/:id/cells", rerunReviewCell(deps));
  router.get("/v1/reviews/:id/export", exportReview(deps));
  router.get("/v1/documents/:id/summary", summarizeDocument(deps));
  return router;
}

/** POST /v1/reviews: start a review of documents against questions. */
function createReview(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(ReviewRequest, req.body, "body");
    res.status(202).json(await startReview(deps, body, callerOf(res).scope));
  };
}

/** GET /v1/reviews/:id: the review's table as it stands. */
function viewReview(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(ReviewIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const view = await reviewView(deps, id, callerOf(res).scope);
    if (!view) throw notFound(`review ${id}`);
    res.json(view);
  };
}

/** DELETE /v1/reviews/:id: cancel the review. */
function deleteReview(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(ReviewIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    if (!(await cancelReview(deps, id, callerOf(res).scope))) throw notFound(`review ${id}`);
    res.status(202).json({ id, state: "cancelled" });
  };
}

/** POST /v1/reviews/:id/cells: queue one cell again. */
function rerunReviewCell(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(ReviewIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const body = parseInput(CellRerunRequest, req.body, "body");
    const queued = await rerunCell(deps, id, body, callerOf(res).scope);
    if (!queued) throw notFound(`review ${id}`);
    res.status(202).json(queued);
  };
}

/** GET /v1/reviews/:id/export: the table as a CSV or XLSX attachment. */
function exportReview(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(ReviewIdParams, req.params, "path");
    const { format } = parseInput(ExportQuery, req.query, "query");
    const view = await reviewView(deps, id, callerOf(res).scope);
    if (!view) throw notFound(`review ${id}`);
    res.attachment(`review-${id}.${format}`);
    if (format === "csv") res.type("text/csv; charset=utf-8").send(reviewCsv(view));
    else
      res
        .type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .send(await reviewXlsx(view));
  };
}

/** GET /v1/documents/:id/summary: a ready document's summary. */
function summarizeDocument(deps: ReviewRoutesDeps): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(DocumentIdParams, req.params, "path");
    parseInput(NoQuery, req.query, "query");
    const scope = callerOf(res).scope;
    const doc = await deps.documents.get(id, scope);
    if (!doc) throw notFound(`document ${id}`);
    if (doc.status !== "ready")
      throw new ApiError(
        409,
        "not_ready",
        `document ${id} is ${doc.status}: its summary can be made once it is ready`,
      );
    res.json(await documentSummary({ reviews: deps.reviews, extractor: deps.summaries }, doc, scope));
  };
}
