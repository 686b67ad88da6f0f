// Cited web UI: sign in (when the server needs keys), ask with streamed answers and citations, read
// the cited page, manage documents and folder sources. Plain modules, no build step.
import {
  ApiFailure,
  AuthError,
  apiKey,
  askStream,
  json,
  request,
  uploadFile,
  whenUnauthorized,
} from "./api.js";
import { $, el, formatBytes, formatTime, splitList } from "./dom.js";
import { forgetDocument, SourceViewer } from "./viewer.js";

const VIEWS = ["ask", "documents", "sources"];
const TITLES = { ask: "Ask", documents: "Documents", sources: "Sources", signin: "Sign in" };
const STATUS_WORDS = { queued: "Queued", processing: "Reading…", ready: "Ready", failed: "Failed" };

const state = {
  signedIn: false,
  openMode: false,
  view: null,
  documents: [],
  documentsTotal: 0,
  documentsLimit: 100,
  pollTimer: 0,
  asking: null, // AbortController of the running question
  busyTimer: 0,
};

const viewer = new SourceViewer($("#source"));

/** A sentence for an error a person can act on. */
function plain(error) {
  if (error instanceof ApiFailure) {
    const m = error.message;
    return (
      m.charAt(0).toUpperCase() +
      m
        .slice(1)
        .replace(/\s*$/, "")
        .replace(/([^.!?])$/, "$1.")
    );
  }
  return "Something went wrong in the page; reloading it may help.";
}

function showBanner(text) {
  const banner = $("#banner");
  banner.textContent = text ?? "";
  banner.hidden = !text;
}

// ---------------------------------------------------------------------------------------------
// Views and sign-in

function showView(name, { focus = false } = {}) {
  state.view = name;
  for (const section of document.querySelectorAll("[data-view]")) {
    section.hidden = section.dataset.view !== name;
  }
  for (const link of document.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[name] ?? "Cited"} — Cited`;
  if (focus) document.querySelector(`#view-${name} h1`)?.focus();
}

function route({ focus = false } = {}) {
  if (!state.signedIn) return;
  const wanted = location.hash.replace(/^#/, "");
  const name = VIEWS.includes(wanted) ? wanted : "ask";
  showView(name, { focus });
  if (name === "documents") loadDocuments();
  if (name === "ask") loadDocuments({ quiet: true });
  if (name === "sources") loadSources();
}

function signedIn(open) {
  state.signedIn = true;
  state.openMode = open;
  $("#main-nav").hidden = false;
  $("#sign-out").hidden = open;
  const mode = $("#mode");
  mode.hidden = !open;
  mode.textContent = open ? "Single-user mode (no key needed)" : "";
}

/** Back to the key prompt, with the server's reason. */
function showSignIn(message) {
  apiKey.clear();
  state.signedIn = false;
  state.asking?.abort();
  clearTimeout(state.pollTimer);
  $("#main-nav").hidden = true;
  $("#sign-out").hidden = true;
  $("#mode").hidden = true;
  viewer.hide();
  showView("signin");
  const box = $("#signin-message");
  box.textContent = message ? message.charAt(0).toUpperCase() + message.slice(1) : "";
  box.hidden = !message;
  $("#api-key").value = "";
  $("#api-key").focus();
}

whenUnauthorized((message) => {
  const hadKey = Boolean(apiKey.get());
  showSignIn(hadKey ? `The server did not accept the key: ${message}` : message);
});

/** Whether the API answers with the current key (or without one, in open mode). */
async function probe() {
  await request("/v1/documents?limit=1", { headers: { accept: "application/json" } });
}

$("#signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("#api-key").value.trim();
  if (!key) return;
  apiKey.set(key);
  try {
    await probe();
    $("#signin-message").hidden = true;
    signedIn(false);
    route({ focus: true });
  } catch (error) {
    if (!(error instanceof AuthError)) {
      const box = $("#signin-message");
      box.textContent = plain(error);
      box.hidden = false;
    }
  }
});

$("#sign-out").addEventListener("click", () => {
  showSignIn("");
  $("#signin-message").hidden = true;
});

window.addEventListener("hashchange", () => route({ focus: true }));

// ---------------------------------------------------------------------------------------------
// Ask

const askForm = $("#ask-form");
const question = $("#question");
const answer = $("#answer");
const answerStatus = $("#answer-status");
const answerDraft = $("#answer-draft");
const answerBody = $("#answer-body");

question.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    askForm.requestSubmit();
  }
});

function selectedFilters() {
  const filters = {};
  const ids = [...document.querySelectorAll("#filter-document-list input:checked")].map((i) => i.value);
  if (ids.length) filters.document_ids = ids;
  const tags = splitList($("#filter-tags").value);
  if (tags.length) filters.tags = tags;
  const type = $("#filter-type").value;
  if (type) filters.types = [type];
  return Object.keys(filters).length ? filters : undefined;
}

function updateFilterSummary() {
  const f = selectedFilters();
  const parts = [];
  if (f?.document_ids) parts.push(`${f.document_ids.length} document${f.document_ids.length > 1 ? "s" : ""}`);
  if (f?.tags) parts.push(`tags: ${f.tags.join(", ")}`);
  if (f?.types) parts.push($("#filter-type").selectedOptions[0].textContent);
  $("#filter-summary").textContent = parts.length ? `(${parts.join("; ")})` : "(none: all your documents)";
}
$("#filters").addEventListener("change", updateFilterSummary);
$("#filter-tags").addEventListener("input", updateFilterSummary);

function renderFilterDocuments() {
  const list = $("#filter-document-list");
  const checked = new Set([...list.querySelectorAll("input:checked")].map((i) => i.value));
  const ready = state.documents.filter((d) => d.status === "ready");
  list.replaceChildren(
    ...ready.map((d) =>
      el(
        "li",
        {},
        el(
          "label",
          {},
          el("input", { type: "checkbox", value: d.id, checked: checked.has(d.id) }),
          el("span", {}, d.title && d.title !== d.name ? `${d.title} (${d.name})` : d.name),
        ),
      ),
    ),
  );
  $("#filter-documents-empty").hidden = ready.length > 0;
  updateFilterSummary();
}

function setAnswerState(name, status) {
  answer.hidden = false;
  answer.dataset.state = name;
  answer.setAttribute("aria-busy", String(name === "searching" || name === "writing"));
  answerStatus.textContent = status;
  answerStatus.classList.toggle("problem", name === "error" || name === "busy");
}

function pagesLabel(from, to) {
  return from === to ? `page ${from}` : `pages ${from}–${to}`;
}

function citationTarget(c) {
  return {
    documentId: c.document_id,
    title: c.title,
    page: c.page,
    quote: c.quote,
    charStart: c.char_start,
    charEnd: c.char_end,
  };
}

function openCitation(c, trigger) {
  for (const chip of document.querySelectorAll(".chip[aria-pressed]"))
    chip.setAttribute("aria-pressed", "false");
  for (const chip of document.querySelectorAll(`.chip[data-n="${c.n}"]`))
    chip.setAttribute("aria-pressed", "true");
  viewer.open(citationTarget(c), trigger);
}

function citationChip(c) {
  const chip = el(
    "button",
    {
      type: "button",
      class: "chip",
      "data-n": c.n,
      "data-document-id": c.document_id,
      "data-page": c.page,
      "data-char-start": c.char_start,
      "data-char-end": c.char_end,
      "aria-pressed": "false",
      "aria-label": `Citation ${c.n}: ${c.title}, page ${c.page}`,
      title: `${c.title}, page ${c.page}`,
    },
    `[${c.n}]`,
  );
  chip.addEventListener("click", () => openCitation(c, chip));
  return chip;
}

function passageList(passages) {
  return el(
    "ol",
    { class: "passages" },
    passages.map((p) => {
      const open = el(
        "button",
        { type: "button", class: "secondary small" },
        `Open ${pagesLabel(p.page_start, p.page_start)}`,
      );
      open.addEventListener("click", () =>
        viewer.open({ documentId: p.document_id, title: p.title, page: p.page_start }, open),
      );
      const text = p.text.length > 420 ? `${p.text.slice(0, 420).trimEnd()}…` : p.text;
      return el(
        "li",
        { "data-document-id": p.document_id, "data-page": p.page_start },
        el("strong", {}, p.title),
        ` — ${pagesLabel(p.page_start, p.page_end)}`,
        p.section ? el("span", { class: "hint" }, ` · ${p.section}`) : null,
        el("blockquote", {}, text),
        open,
      );
    }),
  );
}

function renderAnswer(result) {
  answerDraft.hidden = true;
  answerDraft.textContent = "";
  const body = [];
  if (result.abstained) {
    setAnswerState("abstained", "The documents do not answer this question.");
    body.push(el("p", { class: "abstained answer-text", id: "answer-text" }, result.answer));
    if (result.passages.length) {
      body.push(
        el("h3", {}, "Closest passages"),
        el(
          "p",
          { class: "hint" },
          "These came nearest to the question, but they do not answer it. Read them yourself before relying on them.",
        ),
        passageList(result.passages.slice(0, 5)),
      );
    } else {
      body.push(el("p", { class: "hint" }, "No passage of your documents came near the question."));
    }
  } else {
    const n = result.citations.length;
    setAnswerState("done", `Answer ready, with ${n} verified citation${n === 1 ? "" : "s"}.`);
    const byN = new Map(result.citations.map((c) => [c.n, c]));
    const text = el("p", { class: "answer-text", id: "answer-text" });
    for (const s of result.sentences) {
      text.append(el("span", { class: "sentence" }, s.text));
      for (const k of s.citations) {
        const c = byN.get(k);
        if (c) text.append(citationChip(c));
      }
      text.append(" ");
    }
    body.push(text);
    body.push(
      el("h3", {}, "Sources"),
      el(
        "ol",
        { class: "citations", id: "citation-list" },
        result.citations.map((c) => {
          const show = el("button", { type: "button", class: "secondary small" }, `Show page ${c.page}`);
          show.addEventListener("click", () => openCitation(c, show));
          return el(
            "li",
            { "data-n": c.n, id: `citation-${c.n}` },
            el("strong", {}, `[${c.n}] ${c.title}`),
            `, page ${c.page}`,
            el("blockquote", { class: "quote" }, c.quote),
            show,
          );
        }),
      ),
    );
    const meta = [];
    if (result.support !== null) meta.push(`support ${Math.round(result.support * 100)}%`);
    if (result.dropped_sentences)
      meta.push(
        `${result.dropped_sentences} sentence${result.dropped_sentences > 1 ? "s" : ""} without a verified citation left out`,
      );
    meta.push(`answered in ${(result.timings.total_ms / 1000).toFixed(1)} s`);
    body.push(el("p", { class: "answer-meta" }, `Checked against the stored pages: ${meta.join(" · ")}.`));
  }
  answerBody.replaceChildren(...body);
}

function showBusy(seconds) {
  clearInterval(state.busyTimer);
  let left = seconds ?? 5;
  const say = () =>
    setAnswerState(
      "busy",
      left > 0
        ? `The server is busy answering other questions: retry in ${left} s.`
        : "The server may have room now: ask again.",
    );
  say();
  state.busyTimer = setInterval(() => {
    left -= 1;
    say();
    if (left <= 0) clearInterval(state.busyTimer);
  }, 1000);
}

askForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (state.asking) return;
  const text = question.value.trim();
  if (!text) {
    setAnswerState("error", "Type a question first.");
    question.focus();
    return;
  }
  clearInterval(state.busyTimer);
  const controller = new AbortController();
  state.asking = controller;
  const button = $("#ask-button");
  const stop = $("#ask-stop");
  button.disabled = true;
  stop.hidden = false;
  answerBody.replaceChildren();
  answerDraft.textContent = "";
  answerDraft.hidden = true;
  setAnswerState("searching", "Searching your documents…");
  let finished = false;
  try {
    await askStream(
      { question: text, filters: selectedFilters() },
      (event, data) => {
        if (event === "passages") {
          const n = data.passages.length;
          setAnswerState(
            "writing",
            n
              ? `Found ${n} passage${n === 1 ? "" : "s"}. Writing the answer; its citations are checked before it is shown…`
              : "No passage of your documents matches; checking…",
          );
        } else if (event === "token") {
          answerDraft.hidden = false;
          answerDraft.append(data.text);
        } else if (event === "citation") {
          answerStatus.textContent = "Citations verified; finishing…";
        } else if (event === "done") {
          finished = true;
          renderAnswer(data);
        } else if (event === "error") {
          finished = true;
          answerDraft.hidden = true;
          setAnswerState("error", `Cited could not answer: ${data.error?.message ?? "unknown error"}.`);
        }
      },
      controller.signal,
    );
    if (!finished) {
      setAnswerState("error", "The connection closed before the answer was finished: ask again.");
    }
  } catch (error) {
    if (error?.name === "AbortError") {
      answerDraft.hidden = true;
      setAnswerState("stopped", "Stopped. Ask again when you are ready.");
    } else if (error instanceof AuthError) {
      // back at the key prompt
    } else if (error instanceof ApiFailure && error.status === 429) {
      answerDraft.hidden = true;
      showBusy(error.retryAfter);
    } else {
      answerDraft.hidden = true;
      setAnswerState("error", `Cited could not answer: ${plain(error)}`);
    }
  } finally {
    state.asking = null;
    button.disabled = false;
    stop.hidden = true;
    if (document.activeElement === stop || document.activeElement === document.body) question.focus();
  }
});

$("#ask-stop").addEventListener("click", () => state.asking?.abort());

// ---------------------------------------------------------------------------------------------
// Documents

function statusCell(d) {
  const cell = el(
    "td",
    { "data-label": "Status", class: "status-cell", "data-status": d.status },
    el("span", { class: `badge ${d.status}` }, STATUS_WORDS[d.status] ?? d.status),
  );
  if (d.status === "failed" && d.error) cell.append(el("p", { class: "error-text" }, d.error));
  return cell;
}

function documentRow(d) {
  const remove = el(
    "button",
    { type: "button", class: "secondary small", "aria-label": `Delete ${d.name}` },
    "Delete",
  );
  remove.addEventListener("click", () => confirmDelete(d, remove));
  const name = el("td", { class: "name", "data-label": "Name" }, el("strong", {}, d.name));
  if (d.title && d.title !== d.name) name.append(el("div", { class: "hint" }, d.title));
  if (d.source_path) name.append(el("div", { class: "hint" }, d.source_path));
  return el(
    "tr",
    { "data-document-id": d.id, "data-status": d.status },
    name,
    statusCell(d),
    el("td", { "data-label": "Type" }, d.type ?? "—"),
    el("td", { "data-label": "Pages", class: "pages" }, d.pages ?? "—"),
    el("td", { "data-label": "Passages", class: "chunks" }, d.chunks ?? "—"),
    el(
      "td",
      { "data-label": "Tags" },
      d.tags.length
        ? el(
            "span",
            { class: "tags" },
            d.tags.map((t) => el("span", { class: "tag" }, t)),
          )
        : "—",
    ),
    el("td", { "data-label": "Added" }, formatTime(d.created_at)),
    el("td", {}, remove),
  );
}

function renderDocuments() {
  const body = $("#documents-body");
  body.replaceChildren(...state.documents.map(documentRow));
  $("#documents-empty").hidden = state.documents.length > 0;
  $("#documents-table").hidden = state.documents.length === 0;
  $("#documents-count").textContent = state.documentsTotal ? `(${state.documentsTotal})` : "";
  $("#documents-more").hidden = state.documents.length >= state.documentsTotal;
  renderFilterDocuments();
}

async function loadDocuments({ quiet = false } = {}) {
  clearTimeout(state.pollTimer);
  const status = $("#documents-status");
  if (!quiet && !state.documents.length) status.textContent = "Loading documents…";
  try {
    const list = await json(`/v1/documents?limit=${state.documentsLimit}`);
    state.documents = list.items;
    state.documentsTotal = list.total;
    status.textContent = "";
    status.classList.remove("problem");
    renderDocuments();
  } catch (error) {
    if (error instanceof AuthError) return;
    status.textContent = `The documents cannot be listed: ${plain(error)}`;
    status.classList.add("problem");
  }
  // Keep the list fresh while something is being read.
  clearTimeout(state.pollTimer);
  if (state.signedIn && state.documents.some((d) => d.status === "queued" || d.status === "processing")) {
    state.pollTimer = setTimeout(() => loadDocuments({ quiet: true }), 1500);
  }
}

$("#documents-refresh").addEventListener("click", () => loadDocuments());
$("#documents-more").addEventListener("click", () => {
  state.documentsLimit = Math.min(500, state.documentsLimit + 100);
  loadDocuments();
});

async function confirmDelete(d, trigger) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = `Delete “${d.name}”?`;
  $("#confirm-text").textContent =
    "Its pages and passages are removed from Cited and it can no longer be cited. The original file on your computer or share is not touched.";
  dialog.returnValue = "";
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener("close", resolve, { once: true }));
  if (dialog.returnValue !== "confirm") {
    trigger.focus();
    return;
  }
  const status = $("#documents-status");
  try {
    await json(`/v1/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
    forgetDocument(d.id);
    await loadDocuments({ quiet: true });
    status.classList.remove("problem");
    status.textContent = `Deleted ${d.name}.`;
    $("#documents-title").focus();
  } catch (error) {
    if (error instanceof AuthError) return;
    status.textContent = `${d.name} could not be deleted: ${plain(error)}`;
    status.classList.add("problem");
    trigger.focus();
  }
}

// Uploads: one request per file, so each file has its own progress bar, then its status is followed.
const dropzone = $("#dropzone");
const fileInput = $("#file-input");

function uploadRow(file) {
  const progress = el("progress", { max: "1", value: "0", "aria-label": `Upload of ${file.name}` });
  const status = el("span", { class: "upload-status", role: "status" }, "Waiting…");
  const row = el(
    "li",
    { "data-file": file.name, "data-state": "waiting" },
    el("span", { class: "name" }, `${file.name} `, el("span", { class: "hint" }, formatBytes(file.size))),
    progress,
    status,
  );
  $("#upload-list").prepend(row);
  const set = (stateName, text) => {
    row.dataset.state = stateName;
    status.textContent = text;
    status.classList.toggle("problem", stateName === "failed");
  };
  return { row, progress, set };
}

async function followDocument(id, ui) {
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    let d;
    try {
      d = await json(`/v1/documents/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof AuthError) return;
      ui.set("failed", `Its status cannot be read: ${plain(error)}`);
      return;
    }
    ui.row.dataset.documentId = id;
    if (d.status === "ready") {
      ui.set(
        "ready",
        `Ready: ${d.pages ?? "?"} page${d.pages === 1 ? "" : "s"}, ${d.chunks ?? "?"} passages.`,
      );
      loadDocuments({ quiet: true });
      return;
    }
    if (d.status === "failed") {
      ui.set("failed", `Failed: ${d.error ?? "the file could not be read"}`);
      loadDocuments({ quiet: true });
      return;
    }
    let progress = "";
    if (d.status === "processing" && d.job_id) {
      try {
        const job = await json(`/v1/jobs/${encodeURIComponent(d.job_id)}`);
        if (job.progress) progress = ` (${job.progress.stage}, ${Math.round(job.progress.percent)}%)`;
      } catch {
        // progress is a nicety
      }
    }
    ui.set(d.status, d.status === "queued" ? "Uploaded; waiting to be read…" : `Reading${progress}…`);
  }
}

async function uploadOne(file, tags) {
  const ui = uploadRow(file);
  ui.set("uploading", "Uploading…");
  try {
    const result = await uploadFile(file, tags, (fraction) => {
      ui.progress.value = fraction;
      ui.set("uploading", `Uploading… ${Math.round(fraction * 100)}%`);
    });
    const doc = result.documents[0];
    ui.row.dataset.documentId = doc.id;
    if (doc.error || doc.status === "failed") {
      ui.set("failed", `Refused: ${doc.error ?? "the file could not be read"}`);
      return;
    }
    if (doc.duplicate_of) {
      ui.set("ready", "Already in your documents (the same content was uploaded before).");
      loadDocuments({ quiet: true });
      return;
    }
    ui.set("queued", "Uploaded; waiting to be read…");
    loadDocuments({ quiet: true });
    await followDocument(doc.id, ui);
  } catch (error) {
    if (error instanceof AuthError) return;
    ui.set("failed", `Upload failed: ${plain(error)}`);
  }
}

async function uploadFiles(files) {
  const list = [...files];
  if (!list.length) return;
  const tags = splitList($("#upload-tags").value).join(",");
  // Two at a time: progress stays readable and the server is not flooded.
  const queue = [...list];
  const lane = async () => {
    while (queue.length) await uploadOne(queue.shift(), tags);
  };
  await Promise.all([lane(), lane()]);
}

fileInput.addEventListener("change", () => {
  const files = [...fileInput.files];
  fileInput.value = "";
  uploadFiles(files);
});
for (const type of ["dragenter", "dragover"]) {
  dropzone.addEventListener(type, (e) => {
    e.preventDefault();
    dropzone.classList.add("dragging");
  });
}
for (const type of ["dragleave", "drop"]) {
  dropzone.addEventListener(type, (e) => {
    e.preventDefault();
    if (type === "dragleave" && dropzone.contains(e.relatedTarget)) return;
    dropzone.classList.remove("dragging");
  });
}
dropzone.addEventListener("drop", (e) => uploadFiles(e.dataTransfer?.files ?? []));
// A file dropped outside the drop zone must not replace the page.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

// ---------------------------------------------------------------------------------------------
// Sources (folder sync)

const sourcePolls = new Map(); // source id → timer
// The server's sync states: queued → planning → running → done, or failed / interrupted (schemas/sources.ts).
const FINISHED = new Set(["done", "failed", "interrupted"]);

function sourcesUnavailable(error) {
  if (error instanceof ApiFailure && (error.status === 404 || error.status === 405 || error.status === 501)) {
    const box = $("#sources-unavailable");
    box.textContent =
      "Folder sync is not available on this server yet (it does not offer /v1/sources). Upload files on the Documents page instead.";
    box.hidden = false;
    $("#source-fieldset").disabled = true;
    $("#sources-refresh").disabled = true;
    $("#source-list").replaceChildren();
    $("#sources-empty").hidden = true;
    return true;
  }
  return false;
}

function countsList(counts) {
  const names = [
    ["discovered", "Found"],
    ["queued", "Queued"],
    ["done", "Done"],
    ["skipped", "Skipped"],
    ["failed", "Failed"],
  ];
  return el(
    "dl",
    { class: "counts" },
    names.map(([key, label]) =>
      el("div", { "data-count": key }, el("dt", {}, label), el("dd", {}, String(counts?.[key] ?? 0))),
    ),
  );
}

function syncSummary(sync) {
  if (!sync) return el("p", { class: "hint sync-state" }, "Never synced.");
  const counts = sync.counts ?? {};
  const settled = (counts.done ?? 0) + (counts.skipped ?? 0) + (counts.failed ?? 0);
  const total = counts.discovered ?? 0;
  const running = !FINISHED.has(sync.state) && !sync.finished_at;
  const when = sync.finished_at
    ? `finished ${formatTime(sync.finished_at)}`
    : sync.started_at
      ? `started ${formatTime(sync.started_at)}`
      : "";
  return el(
    "div",
    { class: "sync", "data-sync-state": sync.state },
    el("p", { class: "sync-state" }, `Last sync: ${sync.state}${when ? `, ${when}` : ""}`),
    sync.error ? el("p", { class: "error-text" }, sync.error) : null,
    countsList(counts),
    running && total
      ? el("progress", { max: String(total), value: String(settled), "aria-label": "Sync progress" })
      : null,
  );
}

function sourceItem(s) {
  const sync = el("button", { type: "button", class: "small" }, "Sync now");
  const report = el("button", { type: "button", class: "secondary small" }, "Coverage report");
  const status = el("p", { class: "status", role: "status" });
  const summary = el("div", { class: "sync-summary" }, syncSummary(s.last_sync ?? null));
  const item = el(
    "li",
    { "data-source-id": s.id },
    el("p", { class: "path" }, s.path),
    el(
      "p",
      { class: "hint" },
      [
        s.include?.length ? `include ${s.include.join(", ")}` : "all files",
        s.exclude?.length ? `exclude ${s.exclude.join(", ")}` : null,
        s.tags?.length ? `tags ${s.tags.join(", ")}` : null,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    summary,
    el("div", { class: "actions" }, sync, report),
    status,
  );
  sync.addEventListener("click", async () => {
    sync.disabled = true;
    status.classList.remove("problem");
    status.textContent = "Starting a sync…";
    try {
      await json(`/v1/sources/${encodeURIComponent(s.id)}/sync`, { method: "POST", body: {} });
      status.textContent = "Sync started.";
      followSource(s.id, summary, status);
    } catch (error) {
      if (error instanceof AuthError || sourcesUnavailable(error)) return;
      status.textContent = `The sync could not start: ${plain(error)}`;
      status.classList.add("problem");
    } finally {
      sync.disabled = false;
    }
  });
  report.addEventListener("click", () => showReport(s, report));
  if (s.last_sync && !FINISHED.has(s.last_sync.state) && !s.last_sync.finished_at)
    followSource(s.id, summary, status);
  return item;
}

/** Poll a source while its sync runs, updating the live counts. */
function followSource(id, summary, status) {
  clearTimeout(sourcePolls.get(id));
  const tick = async () => {
    if (state.view !== "sources" || !summary.isConnected) return;
    try {
      const s = await json(`/v1/sources/${encodeURIComponent(id)}`);
      summary.replaceChildren(syncSummary(s.last_sync));
      const sync = s.last_sync;
      if (sync && (FINISHED.has(sync.state) || sync.finished_at)) {
        status.textContent = `Sync ${sync.state}.`;
        return;
      }
      sourcePolls.set(id, setTimeout(tick, 1500));
    } catch (error) {
      if (error instanceof AuthError || sourcesUnavailable(error)) return;
      status.textContent = `Live counts stopped: ${plain(error)}`;
      status.classList.add("problem");
    }
  };
  sourcePolls.set(id, setTimeout(tick, 800));
}

async function loadSources() {
  for (const t of sourcePolls.values()) clearTimeout(t);
  sourcePolls.clear();
  try {
    const list = await json("/v1/sources");
    $("#sources-unavailable").hidden = true;
    $("#source-fieldset").disabled = false;
    $("#sources-refresh").disabled = false;
    const items = list.items ?? [];
    // The list may hold summaries: fetch each source for its last sync.
    const full = await Promise.all(
      items.map((s) =>
        "last_sync" in s
          ? s
          : json(`/v1/sources/${encodeURIComponent(s.id)}`).catch(() => ({ ...s, last_sync: null })),
      ),
    );
    $("#source-list").replaceChildren(...full.map(sourceItem));
    $("#sources-empty").hidden = full.length > 0;
  } catch (error) {
    if (error instanceof AuthError || sourcesUnavailable(error)) return;
    const box = $("#sources-unavailable");
    box.textContent = `The sources cannot be listed: ${plain(error)}`;
    box.hidden = false;
  }
}

$("#sources-refresh").addEventListener("click", () => loadSources());

$("#source-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = $("#source-form-status");
  status.classList.remove("problem");
  const body = { path: $("#source-path").value.trim() };
  const include = splitList($("#source-include").value);
  const exclude = splitList($("#source-exclude").value);
  const tags = splitList($("#source-tags").value);
  if (include.length) body.include = include;
  if (exclude.length) body.exclude = exclude;
  if (tags.length) body.tags = tags;
  status.textContent = "Registering…";
  try {
    const created = await json("/v1/sources", { method: "POST", body });
    status.textContent = `Registered ${created.path ?? body.path}. Start a sync to read its files.`;
    $("#source-form").reset();
    await loadSources();
  } catch (error) {
    if (error instanceof AuthError) return;
    if (sourcesUnavailable(error)) {
      status.textContent = "";
      return;
    }
    status.textContent = `The folder was not registered: ${plain(error)}`;
    status.classList.add("problem");
  }
});

async function showReport(source, trigger) {
  const section = $("#source-report");
  const body = $("#source-report-body");
  section.hidden = false;
  $("#source-report-title").textContent = `Coverage report: ${source.path}`;
  body.replaceChildren(el("p", { role: "status" }, "Loading the report…"));
  try {
    const r = await json(`/v1/sources/${encodeURIComponent(source.id)}/report`);
    const t = r.totals ?? {};
    const files = r.files ?? [];
    const failures = r.failures ?? [];
    const parts = [
      el(
        "dl",
        { class: "counts", "data-report": "totals" },
        [
          ["Pages with a text layer", t.pages_text_layer],
          ["Pages read by OCR", t.pages_ocr],
          ["Pages that failed", t.pages_failed],
          ["Files that failed", t.files_failed],
        ].map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, String(value ?? 0)))),
      ),
    ];
    if (failures.length) {
      parts.push(
        el("h3", {}, "Files that could not be read"),
        el(
          "ul",
          { class: "failures" },
          failures.map((f) => el("li", {}, el("strong", {}, f.path), `: ${f.reason}`)),
        ),
      );
    }
    parts.push(
      el("h3", {}, `Files (${files.length})`),
      el(
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
              ["File", "Status", "Pages", "OCR pages", "Lowest OCR confidence", "Not searchable"].map((h) =>
                el("th", { scope: "col" }, h),
              ),
            ),
          ),
          el(
            "tbody",
            {},
            files.map((f) => {
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
                  unsearchable.length ? `page ${unsearchable.join(", ")}` : "—",
                ),
              );
            }),
          ),
        ),
      ),
    );
    body.replaceChildren(...parts);
    $("#source-report-title").focus();
  } catch (error) {
    if (error instanceof AuthError) return;
    if (error instanceof ApiFailure && error.status === 404) {
      body.replaceChildren(
        el("p", {}, "There is no coverage report for this folder yet: start a sync first."),
      );
      return;
    }
    body.replaceChildren(el("p", { class: "problem" }, `The report cannot be shown: ${plain(error)}`));
    trigger.focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  try {
    await probe();
    signedIn(!apiKey.get());
    route();
  } catch (error) {
    if (error instanceof AuthError) return; // the key prompt is showing
    showView("loading");
    showBanner(`Cited cannot be reached: ${plain(error)} Reload the page to try again.`);
  }
}

start();
