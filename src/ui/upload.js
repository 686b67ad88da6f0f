// The documents view's uploads: files picked or dropped are sent one request each (two at a time), so
// each has its own progress bar; then each file's reading is followed until it is ready or failed.
import { AuthError, errorSentence, json, uploadFile } from "./api.js";
import { $, el, formatBytes, splitList } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/api.js").JobView} JobView */
/** @typedef {"waiting" | "uploading" | "queued" | "processing" | "ready" | "failed"} UploadState */
/**
 * A file's line in the upload list.
 * @typedef {{ row: HTMLLIElement, progress: HTMLProgressElement, set: (state: UploadState, text: string) => void }} UploadRow
 */

/** How often a file being read is asked about, in milliseconds. */
const FOLLOW_MS = 1000;
/** Files uploaded at once: progress stays readable and the server is not flooded. */
const LANES = 2;

/**
 * Add a file's line to the upload list.
 * @param {File} file
 * @returns {UploadRow}
 */
function uploadRow(file) {
  const progress = el("progress", {
    max: "1",
    value: "0",
    "aria-label": t("upload.of", { name: file.name }),
  });
  const status = el("span", { class: "upload-status", role: "status" }, t("upload.waiting"));
  const row = el(
    "li",
    { "data-file": file.name, "data-state": "waiting" },
    el("span", { class: "name" }, `${file.name} `, el("span", { class: "hint" }, formatBytes(file.size))),
    progress,
    status,
  );
  $("#upload-list").prepend(row);
  /** @type {UploadRow["set"]} */
  const set = (stateName, text) => {
    row.dataset.state = stateName;
    status.textContent = text;
    status.classList.toggle("problem", stateName === "failed");
  };
  return { row, progress, set };
}

/**
 * How far the reading of a document is, e.g. " (embed, 40%)"; empty when unknown.
 * @param {DocumentView} d
 */
async function readingProgress(d) {
  if (d.status !== "processing" || !d.job_id) return "";
  try {
    /** @type {JobView} */
    const job = await json(`/v1/jobs/${encodeURIComponent(d.job_id)}`);
    if (job.progress) return ` (${job.progress.stage}, ${Math.round(job.progress.percent)}%)`;
  } catch {
    // progress is a nicety
  }
  return "";
}

/**
 * Follow an uploaded document until it is ready or failed, saying how far its reading is.
 * @param {string} id
 * @param {UploadRow} ui
 * @param {() => void} refresh lists the documents again
 */
async function followDocument(id, ui, refresh) {
  for (;;) {
    await new Promise((r) => setTimeout(r, FOLLOW_MS));
    /** @type {DocumentView} */
    let d;
    try {
      d = await json(`/v1/documents/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof AuthError) return;
      ui.set("failed", t("upload.statusUnknown", { reason: errorSentence(error) }));
      return;
    }
    ui.row.dataset.documentId = id;
    if (d.status === "ready") {
      ui.set("ready", t("upload.ready", { pages: d.pages ?? "?", n: d.pages, chunks: d.chunks ?? "?" }));
      refresh();
      return;
    }
    if (d.status === "failed") {
      ui.set("failed", t("upload.readFailed", { reason: d.error ?? t("upload.unreadable") }));
      refresh();
      return;
    }
    const progress = await readingProgress(d);
    ui.set(d.status, d.status === "queued" ? t("upload.queued") : t("upload.reading", { progress }));
  }
}

/**
 * Upload one file and follow it: refused, a duplicate, or queued and read.
 * @param {File} file
 * @param {string} tags comma-separated
 * @param {() => void} refresh lists the documents again
 */
async function uploadOne(file, tags, refresh) {
  const ui = uploadRow(file);
  ui.set("uploading", t("upload.uploading"));
  try {
    const result = await uploadFile(file, tags, (fraction) => {
      ui.progress.value = fraction;
      ui.set("uploading", t("upload.progress", { percent: Math.round(fraction * 100) }));
    });
    const doc = /** @type {NonNullable<(typeof result.documents)[0]>} */ (result.documents[0]);
    ui.row.dataset.documentId = doc.id;
    if (doc.error || doc.status === "failed") {
      ui.set("failed", t("upload.refused", { reason: doc.error ?? t("upload.unreadable") }));
      return;
    }
    if (doc.duplicate_of) {
      ui.set("ready", t("upload.duplicate"));
      refresh();
      return;
    }
    ui.set("queued", t("upload.queued"));
    refresh();
    await followDocument(doc.id, ui, refresh);
  } catch (error) {
    if (error instanceof AuthError) return;
    ui.set("failed", t("upload.failed", { reason: errorSentence(error) }));
  }
}

/**
 * Upload files with the tags typed for them, a few at a time.
 * @param {Iterable<File>} files
 * @param {() => void} refresh lists the documents again
 */
async function uploadFiles(files, refresh) {
  const queue = [...files];
  if (!queue.length) return;
  const tags = splitList($("#upload-tags", HTMLInputElement).value).join(",");
  const lane = async () => {
    while (queue.length) await uploadOne(/** @type {File} */ (queue.shift()), tags, refresh);
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

/**
 * Uploads wiring: the file picker and the drop zone; `refresh()` lists the documents again.
 * @param {() => void} refresh
 */
export function uploadView(refresh) {
  const dropzone = $("#dropzone");
  const fileInput = $("#file-input", HTMLInputElement);
  fileInput.addEventListener("change", () => {
    const files = [...(fileInput.files ?? [])];
    fileInput.value = "";
    uploadFiles(files, refresh);
  });
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (e) => {
      e.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const type of /** @type {const} */ (["dragleave", "drop"])) {
    dropzone.addEventListener(type, (e) => {
      e.preventDefault();
      if (type === "dragleave" && dropzone.contains(/** @type {Node | null} */ (e.relatedTarget))) return;
      dropzone.classList.remove("dragging");
    });
  }
  dropzone.addEventListener("drop", (e) => uploadFiles(e.dataTransfer?.files ?? [], refresh));
  // A file dropped outside the drop zone must not replace the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
}
