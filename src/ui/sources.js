// The sources view: register a server folder, list the folders with their last sync, start a sync
// and follow its live counts, open a folder's coverage report. A server without /v1/sources gets a
// notice and a disabled form.
import { ApiFailure, AuthError, errorSentence, json } from "./api.js";
import { $, el, formatTime, splitList } from "./dom.js";
import { t } from "./i18n.js";
import { showReport } from "./report.js";

/** @typedef {import("../../schemas/sources.js").CreateSourceRequest} CreateSourceRequest */
/** @typedef {import("../../schemas/sources.js").SourceView} SourceView */
/** @typedef {import("../../schemas/sources.js").SyncCounts} SyncCounts */
/** @typedef {import("../../schemas/sources.js").SyncSummary} SyncSummary */
/**
 * A source as listed: the list may hold summaries without the last sync (fetched one by one then).
 * @typedef {Omit<SourceView, "last_sync"> & { last_sync?: SyncSummary | null }} ListedSource
 */

/** @type {Map<string, number>} source id → the timer of its next poll */
const sourcePolls = new Map();
// The server's sync states: queued → planning → running → done, or failed / interrupted (schemas/sources.ts).
const FINISHED = new Set(["done", "failed", "interrupted"]);
/** @type {(keyof SyncCounts)[]} */
const COUNT_NAMES = ["discovered", "queued", "done", "skipped", "failed"];
/** How often a running sync is asked about, in milliseconds (the first time sooner). */
const POLL_MS = 1500;
const FIRST_POLL_MS = 800;

/**
 * When the server has no /v1/sources, say so and disable the view; whether that was the case.
 * @param {unknown} error
 */
function sourcesUnavailable(error) {
  if (error instanceof ApiFailure && (error.status === 404 || error.status === 405 || error.status === 501)) {
    const box = $("#sources-unavailable");
    box.textContent = t("sources.unavailable");
    box.hidden = false;
    $("#source-fieldset", HTMLFieldSetElement).disabled = true;
    $("#sources-refresh", HTMLButtonElement).disabled = true;
    $("#source-list").replaceChildren();
    $("#sources-empty").hidden = true;
    return true;
  }
  return false;
}

/**
 * A sync's counts: discovered, queued, done, skipped, failed.
 * @param {Partial<SyncCounts> | undefined} counts
 */
function countsList(counts) {
  return el(
    "dl",
    { class: "counts" },
    COUNT_NAMES.map((key) =>
      el(
        "div",
        { "data-count": key },
        el("dt", {}, t(`sources.counts.${key}`)),
        el("dd", {}, String(counts?.[key] ?? 0)),
      ),
    ),
  );
}

/**
 * @param {SyncSummary} sync
 */
function isRunning(sync) {
  return !FINISHED.has(sync.state) && !sync.finished_at;
}

/**
 * The last sync of a source: its state and when, its error, counts, and progress while it runs.
 * @param {SyncSummary | null} sync
 */
function syncSummary(sync) {
  if (!sync) return el("p", { class: "hint sync-state" }, t("sources.never"));
  /** @type {Partial<SyncCounts>} */
  const counts = sync.counts ?? {};
  const settled = (counts.done ?? 0) + (counts.skipped ?? 0) + (counts.failed ?? 0);
  const total = counts.discovered ?? 0;
  const when = sync.finished_at
    ? t("sources.finished", { when: formatTime(sync.finished_at) })
    : sync.started_at
      ? t("sources.started", { when: formatTime(sync.started_at) })
      : "";
  return el(
    "div",
    { class: "sync", "data-sync-state": sync.state },
    el("p", { class: "sync-state" }, t("sources.lastSync", { state: sync.state, when })),
    sync.error ? el("p", { class: "error-text" }, sync.error) : null,
    countsList(counts),
    isRunning(sync) && total
      ? el("progress", { max: String(total), value: String(settled), "aria-label": t("sources.progress") })
      : null,
  );
}

/**
 * Poll a source while its sync runs, updating the live counts (only while the view shows).
 * @param {string} id
 * @param {HTMLElement} summary where the counts are
 * @param {HTMLElement} status the source's status line
 * @param {() => boolean} isShowing whether the sources view is the one shown
 */
function followSource(id, summary, status, isShowing) {
  clearTimeout(sourcePolls.get(id));
  const tick = async () => {
    if (!isShowing() || !summary.isConnected) return;
    try {
      /** @type {SourceView} */
      const s = await json(`/v1/sources/${encodeURIComponent(id)}`);
      summary.replaceChildren(syncSummary(s.last_sync));
      const sync = s.last_sync;
      if (sync && (FINISHED.has(sync.state) || sync.finished_at)) {
        status.textContent = t("sources.syncState", { state: sync.state });
        return;
      }
      sourcePolls.set(id, setTimeout(tick, POLL_MS));
    } catch (error) {
      if (error instanceof AuthError || sourcesUnavailable(error)) return;
      status.textContent = t("sources.liveStopped", { reason: errorSentence(error) });
      status.classList.add("problem");
    }
  };
  sourcePolls.set(id, setTimeout(tick, FIRST_POLL_MS));
}

/**
 * Start a sync of a source and follow it.
 * @param {ListedSource} s
 * @param {HTMLButtonElement} button disabled while the sync is being started
 * @param {HTMLElement} summary
 * @param {HTMLElement} status
 * @param {() => boolean} isShowing
 */
async function startSync(s, button, summary, status, isShowing) {
  button.disabled = true;
  status.classList.remove("problem");
  status.textContent = t("sources.starting");
  try {
    await json(`/v1/sources/${encodeURIComponent(s.id)}/sync`, { method: "POST", body: {} });
    status.textContent = t("sources.syncStarted");
    followSource(s.id, summary, status, isShowing);
  } catch (error) {
    if (error instanceof AuthError || sourcesUnavailable(error)) return;
    status.textContent = t("sources.syncFailed", { reason: errorSentence(error) });
    status.classList.add("problem");
  } finally {
    button.disabled = false;
  }
}

/**
 * What a source reads: its include and exclude patterns and its tags.
 * @param {ListedSource} s
 */
function sourceScope(s) {
  return [
    s.include?.length ? t("sources.include.list", { list: s.include.join(", ") }) : t("sources.allFiles"),
    s.exclude?.length ? t("sources.exclude.list", { list: s.exclude.join(", ") }) : null,
    s.tags?.length ? t("sources.tags.list", { list: s.tags.join(", ") }) : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

/**
 * A source's item of the list, with its last sync and buttons to sync and to show the report.
 * @param {ListedSource} s
 * @param {() => boolean} isShowing
 */
function sourceItem(s, isShowing) {
  const sync = el("button", { type: "button", class: "small" }, t("sources.syncNow"));
  const report = el("button", { type: "button", class: "secondary small" }, t("sources.report"));
  const status = el("p", { class: "status", role: "status" });
  const summary = el("div", { class: "sync-summary" }, syncSummary(s.last_sync ?? null));
  const item = el(
    "li",
    { "data-source-id": s.id },
    el("p", { class: "path" }, s.path),
    el("p", { class: "hint" }, sourceScope(s)),
    summary,
    el("div", { class: "actions" }, sync, report),
    status,
  );
  sync.addEventListener("click", () => startSync(s, sync, summary, status, isShowing));
  report.addEventListener("click", () => showReport(s, report));
  if (s.last_sync && isRunning(s.last_sync)) followSource(s.id, summary, status, isShowing);
  return item;
}

/**
 * List the registered folders (polls of the previous list stop).
 * @param {() => boolean} isShowing
 */
async function loadSources(isShowing) {
  for (const timer of sourcePolls.values()) clearTimeout(timer);
  sourcePolls.clear();
  try {
    /** @type {{ items?: ListedSource[] }} */
    const list = await json("/v1/sources");
    $("#sources-unavailable").hidden = true;
    $("#source-fieldset", HTMLFieldSetElement).disabled = false;
    $("#sources-refresh", HTMLButtonElement).disabled = false;
    const items = list.items ?? [];
    // The list may hold summaries: fetch each source for its last sync.
    const full = await Promise.all(
      items.map((s) =>
        "last_sync" in s
          ? s
          : json(`/v1/sources/${encodeURIComponent(s.id)}`).catch(() => ({ ...s, last_sync: null })),
      ),
    );
    $("#source-list").replaceChildren(...full.map((s) => sourceItem(s, isShowing)));
    $("#sources-empty").hidden = full.length > 0;
  } catch (error) {
    if (error instanceof AuthError || sourcesUnavailable(error)) return;
    const box = $("#sources-unavailable");
    box.textContent = t("sources.cannotList", { reason: errorSentence(error) });
    box.hidden = false;
  }
}

/** The register form's request: the path, and the patterns and tags typed, if any. */
function sourceRequest() {
  /** @type {CreateSourceRequest} */
  const body = { path: $("#source-path", HTMLInputElement).value.trim() };
  const include = splitList($("#source-include", HTMLInputElement).value);
  const exclude = splitList($("#source-exclude", HTMLInputElement).value);
  const tags = splitList($("#source-tags", HTMLInputElement).value);
  if (include.length) body.include = include;
  if (exclude.length) body.exclude = exclude;
  if (tags.length) body.tags = tags;
  return body;
}

/**
 * Register the folder of the form, then list again.
 * @param {() => boolean} isShowing
 */
async function registerSource(isShowing) {
  const status = $("#source-form-status");
  status.classList.remove("problem");
  const body = sourceRequest();
  status.textContent = t("sources.registering");
  try {
    /** @type {Partial<SourceView>} */
    const created = await json("/v1/sources", { method: "POST", body });
    status.textContent = t("sources.registered", { path: created.path ?? body.path });
    $("#source-form", HTMLFormElement).reset();
    await loadSources(isShowing);
  } catch (error) {
    if (error instanceof AuthError) return;
    if (sourcesUnavailable(error)) {
      status.textContent = "";
      return;
    }
    status.textContent = t("sources.notRegistered", { reason: errorSentence(error) });
    status.classList.add("problem");
  }
}

/**
 * Sources view wiring; `isShowing()` says whether the view shows (live counts stop when it does not).
 * @param {() => boolean} isShowing
 */
export function sourcesView(isShowing) {
  $("#sources-refresh").addEventListener("click", () => loadSources(isShowing));
  $("#source-form").addEventListener("submit", (e) => {
    e.preventDefault();
    registerSource(isShowing);
  });
  return { load: () => loadSources(isShowing) };
}
