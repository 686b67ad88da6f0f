// A source's coverage report (sources view): pages read from a text layer or by OCR, what failed, and
// every file with its pages, lowest OCR confidence and pages search cannot find.
import { ApiFailure, AuthError, errorSentence, json } from "./api.js";
import { $, el } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/sources.js").CoverageReport} CoverageReport */
/** @typedef {import("../../schemas/sources.js").ReportFile} ReportFile */
/** @typedef {{ id: string, path: string }} ReportedSource */

const FILE_COLUMNS = [
  "report.file",
  "report.status",
  "report.pages",
  "report.ocrPages",
  "report.lowest",
  "report.unsearchable",
];

/**
 * How the source's pages were read, in four counts.
 * @param {Partial<CoverageReport["totals"]>} totals
 */
function totalsList(totals) {
  return el(
    "dl",
    { class: "counts", "data-report": "totals" },
    /** @type {[string, number | undefined][]} */ ([
      [t("report.textLayer"), totals.pages_text_layer],
      [t("report.ocr"), totals.pages_ocr],
      [t("report.pagesFailed"), totals.pages_failed],
      [t("report.filesFailed"), totals.files_failed],
    ]).map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, String(value ?? 0)))),
  );
}

/**
 * A file's row: its status, pages, pages by OCR, lowest OCR confidence, unsearchable pages.
 * @param {Partial<ReportFile> & { path: string }} f
 */
function fileRow(f) {
  const pages = f.pages ?? [];
  const ocr = pages.filter((p) => p.text_source === "ocr");
  const confidences = ocr.map((p) => p.ocr_confidence).filter((c) => typeof c === "number");
  const unsearchable = pages.filter((p) => p.text_source === "failed").map((p) => p.page);
  return el(
    "tr",
    {},
    el("td", {}, f.path),
    el("td", {}, f.status, f.error ? el("p", { class: "error-text" }, f.error) : null),
    el("td", {}, String(pages.length)),
    el("td", {}, String(ocr.length)),
    el("td", {}, confidences.length ? `${Math.round(Math.min(...confidences))}%` : "—"),
    el(
      "td",
      unsearchable.length ? { class: "error-text" } : {},
      unsearchable.length ? t("report.pageList", { list: unsearchable.join(", ") }) : "—",
    ),
  );
}

/**
 * The table of every file of the report.
 * @param {ReportFile[]} files
 */
function filesTable(files) {
  return el(
    "div",
    { class: "table-wrap" },
    el(
      "table",
      { class: "report-files" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          FILE_COLUMNS.map((h) => el("th", { scope: "col" }, t(h))),
        ),
      ),
      el("tbody", {}, files.map(fileRow)),
    ),
  );
}

/**
 * The report's parts: totals, failures (if any), files.
 * @param {Partial<CoverageReport>} r
 */
function reportParts(r) {
  const files = r.files ?? [];
  const failures = r.failures ?? [];
  /** @type {HTMLElement[]} */
  const parts = [totalsList(r.totals ?? {})];
  if (failures.length) {
    parts.push(
      el("h3", {}, t("report.failures")),
      el(
        "ul",
        { class: "failures" },
        failures.map((f) => el("li", {}, el("strong", {}, f.path), `: ${f.reason}`)),
      ),
    );
  }
  parts.push(el("h3", {}, t("report.files", { n: files.length })), filesTable(files));
  return parts;
}

/**
 * Show a source's coverage report below the list; `trigger` gets the focus back when it fails.
 * @param {ReportedSource} source
 * @param {HTMLElement} trigger
 */
export async function showReport(source, trigger) {
  const section = $("#source-report");
  const body = $("#source-report-body");
  section.hidden = false;
  $("#source-report-title").textContent = t("report.title", { path: source.path });
  body.replaceChildren(el("p", { role: "status" }, t("report.loading")));
  try {
    /** @type {Partial<CoverageReport>} */
    const r = await json(`/v1/sources/${encodeURIComponent(source.id)}/report`);
    body.replaceChildren(...reportParts(r));
    $("#source-report-title").focus();
  } catch (error) {
    if (error instanceof AuthError) return;
    if (error instanceof ApiFailure && error.status === 404) {
      body.replaceChildren(el("p", {}, t("report.none")));
      return;
    }
    body.replaceChildren(el("p", { class: "problem" }, t("report.failed", { reason: errorSentence(error) })));
    trigger.focus();
  }
}
