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
import { currentLanguage, preferredLanguage, setLanguage, t } from "./i18n.js";
import { reviewView } from "./review.js";
import { forgetDocument, SourceViewer } from "./viewer.js";

const VIEWS = ["ask", "documents", "sources", "reviews"];
const TITLE_KEYS = {
  ask: "nav.ask",
  documents: "nav.documents",
  sources: "nav.sources",
  reviews: "nav.reviews",
  signin: "nav.signin",
};
const STATUS_KEYS = new Set(["queued", "processing", "ready", "failed"]);

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
  answer: null, // the last answer shown, redrawn when the language changes
  turns: [], // the conversation: { user, assistant } of each answered question, oldest first
  followingUp: false, // whether the running question continues the conversation
  standalone: null, // the rewritten question of the last answer, or null
};

/** Earlier questions a follow-up is read with (the server rewrites it with them). */
const MAX_TURNS = 6;

const viewer = new SourceViewer($("#source"));
const reviews = reviewView({
  documents: () => state.documents,
  open: (citation, trigger) => viewer.open(citationTarget(citation), trigger),
  plain: (error) => plain(error),
});

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
  return t("error.page");
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
  document.title = `${TITLE_KEYS[name] ? t(TITLE_KEYS[name]) : "Cited"} — Cited`;
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
  if (name === "reviews") loadDocuments({ quiet: true });
}

function signedIn(open) {
  state.signedIn = true;
  state.openMode = open;
  $("#main-nav").hidden = false;
  $("#sign-out").hidden = open;
  const mode = $("#mode");
  mode.hidden = !open;
  mode.textContent = open ? t("mode.open") : "";
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
  showSignIn(hadKey ? t("signin.rejected", { message }) : message);
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
const answerStandalone = $("#answer-standalone");

/** Show the conversation line (how many earlier questions) and the rewritten question, in the current language. */
function renderConversation() {
  $("#conversation").hidden = state.turns.length === 0;
  $("#conversation-count").textContent = t("ask.followUpCount", { n: state.turns.length });
  answerStandalone.hidden = !state.standalone;
  answerStandalone.textContent = state.standalone
    ? t("answer.standalone", { question: state.standalone })
    : "";
}

/** The question to ask: a follow-up (the box ticked) is rewritten with the conversation before it. */
async function questionToAsk(text, signal) {
  state.standalone = null;
  state.followingUp = $("#follow-up").checked && state.turns.length > 0;
  if (!state.followingUp) return text;
  setAnswerState("searching", t("answer.rewriting"));
  const history = state.turns.flatMap((turn) => [
    { role: "user", text: turn.user },
    { role: "assistant", text: turn.assistant },
  ]);
  const result = await json("/v1/ask/standalone", {
    method: "POST",
    body: { question: text, history },
    signal,
  });
  if (result.rewritten) state.standalone = result.question;
  return result.question;
}

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
  if (f?.document_ids) parts.push(t("filters.documentsCount", { n: f.document_ids.length }));
  if (f?.tags) parts.push(t("filters.tagsList", { tags: f.tags.join(", ") }));
  if (f?.types) parts.push($("#filter-type").selectedOptions[0].textContent);
  $("#filter-summary").textContent = parts.length ? `(${parts.join("; ")})` : t("filters.none");
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
  return from === to ? t("pages.one", { from }) : t("pages.range", { from, to });
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
      "aria-label": t("citation.label", { n: c.n, title: c.title, page: c.page }),
      title: t("citation.title", { title: c.title, page: c.page }),
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
        t("passage.open", { pages: pagesLabel(p.page_start, p.page_start) }),
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
  state.answer = result;
  answerDraft.hidden = true;
  answerDraft.textContent = "";
  const body = [];
  if (result.abstained) {
    setAnswerState("abstained", t("answer.abstained"));
    body.push(el("p", { class: "abstained answer-text", id: "answer-text" }, result.answer));
    if (result.passages.length) {
      body.push(
        el("h3", {}, t("answer.closest")),
        el("p", { class: "hint" }, t("answer.closestHint")),
        passageList(result.passages.slice(0, 5)),
      );
    } else {
      body.push(el("p", { class: "hint" }, t("answer.nothingNear")));
    }
  } else {
    const n = result.citations.length;
    setAnswerState("done", t("answer.ready", { n }));
    const byN = new Map(result.citations.map((c) => [c.n, c]));
    // A citation's clause path comes from the passage it was found in ("Termination > 8.2 …").
    const sectionOf = new Map(result.passages.map((p) => [p.chunk_id, p.section]));
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
      el("h3", {}, t("answer.sources")),
      el(
        "ol",
        { class: "citations", id: "citation-list" },
        result.citations.map((c) => {
          const show = el(
            "button",
            { type: "button", class: "secondary small" },
            t("answer.showPage", { page: c.page }),
          );
          show.addEventListener("click", () => openCitation(c, show));
          return el(
            "li",
            { "data-n": c.n, id: `citation-${c.n}` },
            el("strong", {}, `[${c.n}] ${c.title}`),
            t("answer.onPage", { page: c.page }),
            sectionOf.get(c.chunk_id)
              ? el("span", { class: "hint section" }, ` · § ${sectionOf.get(c.chunk_id)}`)
              : null,
            el("blockquote", { class: "quote" }, c.quote),
            show,
          );
        }),
      ),
    );
    const meta = [];
    if (result.support !== null)
      meta.push(t("answer.support", { percent: Math.round(result.support * 100) }));
    if (result.dropped_sentences) meta.push(t("answer.dropped", { n: result.dropped_sentences }));
    meta.push(t("answer.time", { seconds: (result.timings.total_ms / 1000).toFixed(1) }));
    body.push(el("p", { class: "answer-meta" }, t("answer.checked", { meta: meta.join(" · ") })));
  }
  answerBody.replaceChildren(...body);
}

function showBusy(seconds) {
  clearInterval(state.busyTimer);
  let left = seconds ?? 5;
  const say = () =>
    setAnswerState("busy", left > 0 ? t("answer.busy", { seconds: left }) : t("answer.busyOver"));
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
    setAnswerState("error", t("answer.empty"));
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
  state.answer = null;
  answerDraft.textContent = "";
  answerDraft.hidden = true;
  setAnswerState("searching", t("answer.searching"));
  let finished = false;
  try {
    const asked = await questionToAsk(text, controller.signal);
    renderConversation();
    if (state.followingUp) setAnswerState("searching", t("answer.searching"));
    await askStream(
      { question: asked, filters: selectedFilters() },
      (event, data) => {
        if (event === "passages") {
          const n = data.passages.length;
          setAnswerState("writing", n ? t("answer.writing", { n }) : t("answer.noPassage"));
        } else if (event === "token") {
          answerDraft.hidden = false;
          answerDraft.append(data.text);
        } else if (event === "citation") {
          answerStatus.textContent = t("answer.verified");
        } else if (event === "done") {
          finished = true;
          renderAnswer(data);
          const earlier = state.followingUp ? state.turns : [];
          state.turns = [...earlier, { user: text, assistant: data.answer }].slice(-MAX_TURNS);
        } else if (event === "error") {
          finished = true;
          answerDraft.hidden = true;
          setAnswerState(
            "error",
            t("answer.failed", { reason: `${data.error?.message ?? t("answer.unknownError")}.` }),
          );
        }
      },
      controller.signal,
    );
    if (!finished) {
      setAnswerState("error", t("answer.closed"));
    }
  } catch (error) {
    if (error?.name === "AbortError") {
      answerDraft.hidden = true;
      setAnswerState("stopped", t("answer.stopped"));
    } else if (error instanceof AuthError) {
      // back at the key prompt
    } else if (error instanceof ApiFailure && error.status === 429) {
      answerDraft.hidden = true;
      showBusy(error.retryAfter);
    } else {
      answerDraft.hidden = true;
      setAnswerState("error", t("answer.failed", { reason: plain(error) }));
    }
  } finally {
    renderConversation();
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
    { "data-label": t("library.status"), class: "status-cell", "data-status": d.status },
    el(
      "span",
      { class: `badge ${d.status}` },
      STATUS_KEYS.has(d.status) ? t(`status.${d.status}`) : d.status,
    ),
  );
  if (d.status === "failed" && d.error) cell.append(el("p", { class: "error-text" }, d.error));
  // How the file was read, where it matters (approximate pages, unread scans, attachments left out).
  for (const note of d.notes ?? []) cell.append(el("p", { class: "hint note" }, note));
  return cell;
}

function documentRow(d) {
  const remove = el(
    "button",
    { type: "button", class: "secondary small", "aria-label": t("library.deleteLabel", { name: d.name }) },
    t("library.delete"),
  );
  remove.addEventListener("click", () => confirmDelete(d, remove));
  const name = el("td", { class: "name", "data-label": t("library.name") }, el("strong", {}, d.name));
  if (d.title && d.title !== d.name) name.append(el("div", { class: "hint" }, d.title));
  if (d.source_path) name.append(el("div", { class: "hint" }, d.source_path));
  return el(
    "tr",
    { "data-document-id": d.id, "data-status": d.status },
    name,
    statusCell(d),
    el("td", { "data-label": t("library.type") }, d.type ? t(`type.${d.type}`) : "—"),
    el(
      "td",
      { "data-label": t("library.pages"), class: "pages" },
      d.pages ?? "—",
      d.page_numbers === "approximate" ? el("div", { class: "hint" }, t("library.approximate")) : null,
    ),
    el("td", { "data-label": t("library.passages"), class: "chunks" }, d.chunks ?? "—"),
    el(
      "td",
      { "data-label": t("library.tags") },
      d.tags.length
        ? el(
            "span",
            { class: "tags" },
            d.tags.map((t) => el("span", { class: "tag" }, t)),
          )
        : "—",
    ),
    el("td", { "data-label": t("library.added") }, formatTime(d.created_at)),
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
  if (!quiet && !state.documents.length) status.textContent = t("library.loading");
  try {
    const list = await json(`/v1/documents?limit=${state.documentsLimit}`);
    state.documents = list.items;
    state.documentsTotal = list.total;
    status.textContent = "";
    status.classList.remove("problem");
    renderDocuments();
  } catch (error) {
    if (error instanceof AuthError) return;
    status.textContent = t("library.cannotList", { reason: plain(error) });
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
  $("#confirm-title").textContent = t("delete.title", { name: d.name });
  $("#confirm-text").textContent = t("delete.text");
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
    status.textContent = t("delete.done", { name: d.name });
    $("#documents-title").focus();
  } catch (error) {
    if (error instanceof AuthError) return;
    status.textContent = t("delete.failed", { name: d.name, reason: plain(error) });
    status.classList.add("problem");
    trigger.focus();
  }
}

// Uploads: one request per file, so each file has its own progress bar, then its status is followed.
const dropzone = $("#dropzone");
const fileInput = $("#file-input");

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
      ui.set("failed", t("upload.statusUnknown", { reason: plain(error) }));
      return;
    }
    ui.row.dataset.documentId = id;
    if (d.status === "ready") {
      ui.set("ready", t("upload.ready", { pages: d.pages ?? "?", n: d.pages, chunks: d.chunks ?? "?" }));
      loadDocuments({ quiet: true });
      return;
    }
    if (d.status === "failed") {
      ui.set("failed", t("upload.readFailed", { reason: d.error ?? t("upload.unreadable") }));
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
    ui.set(d.status, d.status === "queued" ? t("upload.queued") : t("upload.reading", { progress }));
  }
}

async function uploadOne(file, tags) {
  const ui = uploadRow(file);
  ui.set("uploading", t("upload.uploading"));
  try {
    const result = await uploadFile(file, tags, (fraction) => {
      ui.progress.value = fraction;
      ui.set("uploading", t("upload.progress", { percent: Math.round(fraction * 100) }));
    });
    const doc = result.documents[0];
    ui.row.dataset.documentId = doc.id;
    if (doc.error || doc.status === "failed") {
      ui.set("failed", t("upload.refused", { reason: doc.error ?? t("upload.unreadable") }));
      return;
    }
    if (doc.duplicate_of) {
      ui.set("ready", t("upload.duplicate"));
      loadDocuments({ quiet: true });
      return;
    }
    ui.set("queued", t("upload.queued"));
    loadDocuments({ quiet: true });
    await followDocument(doc.id, ui);
  } catch (error) {
    if (error instanceof AuthError) return;
    ui.set("failed", t("upload.failed", { reason: plain(error) }));
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
    box.textContent = t("sources.unavailable");
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
  const names = ["discovered", "queued", "done", "skipped", "failed"];
  return el(
    "dl",
    { class: "counts" },
    names.map((key) =>
      el(
        "div",
        { "data-count": key },
        el("dt", {}, t(`sources.counts.${key}`)),
        el("dd", {}, String(counts?.[key] ?? 0)),
      ),
    ),
  );
}

function syncSummary(sync) {
  if (!sync) return el("p", { class: "hint sync-state" }, t("sources.never"));
  const counts = sync.counts ?? {};
  const settled = (counts.done ?? 0) + (counts.skipped ?? 0) + (counts.failed ?? 0);
  const total = counts.discovered ?? 0;
  const running = !FINISHED.has(sync.state) && !sync.finished_at;
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
    running && total
      ? el("progress", { max: String(total), value: String(settled), "aria-label": t("sources.progress") })
      : null,
  );
}

function sourceItem(s) {
  const sync = el("button", { type: "button", class: "small" }, t("sources.syncNow"));
  const report = el("button", { type: "button", class: "secondary small" }, t("sources.report"));
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
        s.include?.length ? t("sources.include.list", { list: s.include.join(", ") }) : t("sources.allFiles"),
        s.exclude?.length ? t("sources.exclude.list", { list: s.exclude.join(", ") }) : null,
        s.tags?.length ? t("sources.tags.list", { list: s.tags.join(", ") }) : null,
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
    status.textContent = t("sources.starting");
    try {
      await json(`/v1/sources/${encodeURIComponent(s.id)}/sync`, { method: "POST", body: {} });
      status.textContent = t("sources.syncStarted");
      followSource(s.id, summary, status);
    } catch (error) {
      if (error instanceof AuthError || sourcesUnavailable(error)) return;
      status.textContent = t("sources.syncFailed", { reason: plain(error) });
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
        status.textContent = t("sources.syncState", { state: sync.state });
        return;
      }
      sourcePolls.set(id, setTimeout(tick, 1500));
    } catch (error) {
      if (error instanceof AuthError || sourcesUnavailable(error)) return;
      status.textContent = t("sources.liveStopped", { reason: plain(error) });
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
    box.textContent = t("sources.cannotList", { reason: plain(error) });
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
  status.textContent = t("sources.registering");
  try {
    const created = await json("/v1/sources", { method: "POST", body });
    status.textContent = t("sources.registered", { path: created.path ?? body.path });
    $("#source-form").reset();
    await loadSources();
  } catch (error) {
    if (error instanceof AuthError) return;
    if (sourcesUnavailable(error)) {
      status.textContent = "";
      return;
    }
    status.textContent = t("sources.notRegistered", { reason: plain(error) });
    status.classList.add("problem");
  }
});

async function showReport(source, trigger) {
  const section = $("#source-report");
  const body = $("#source-report-body");
  section.hidden = false;
  $("#source-report-title").textContent = t("report.title", { path: source.path });
  body.replaceChildren(el("p", { role: "status" }, t("report.loading")));
  try {
    const r = await json(`/v1/sources/${encodeURIComponent(source.id)}/report`);
    const totals = r.totals ?? {};
    const files = r.files ?? [];
    const failures = r.failures ?? [];
    const parts = [
      el(
        "dl",
        { class: "counts", "data-report": "totals" },
        [
          [t("report.textLayer"), totals.pages_text_layer],
          [t("report.ocr"), totals.pages_ocr],
          [t("report.pagesFailed"), totals.pages_failed],
          [t("report.filesFailed"), totals.files_failed],
        ].map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, String(value ?? 0)))),
      ),
    ];
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
    parts.push(
      el("h3", {}, t("report.files", { n: files.length })),
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
              [
                "report.file",
                "report.status",
                "report.pages",
                "report.ocrPages",
                "report.lowest",
                "report.unsearchable",
              ].map((h) => el("th", { scope: "col" }, t(h))),
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
                  unsearchable.length ? t("report.pageList", { list: unsearchable.join(", ") }) : "—",
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
      body.replaceChildren(el("p", {}, t("report.none")));
      return;
    }
    body.replaceChildren(el("p", { class: "problem" }, t("report.failed", { reason: plain(error) })));
    trigger.focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Start

/** Redraw what scripts wrote in the old language: the view's title, lists, the last answer. */
function redraw() {
  if (state.view) showView(state.view);
  if (state.signedIn) signedIn(state.openMode);
  renderDocuments();
  if (state.answer) renderAnswer(state.answer);
  renderConversation();
  if (state.view === "sources") loadSources();
  reviews.rerender();
}

const languageSelect = $("#language");
languageSelect.addEventListener("change", () => {
  setLanguage(languageSelect.value);
  redraw();
});

async function start() {
  setLanguage(preferredLanguage(), { remember: false });
  languageSelect.value = currentLanguage();
  try {
    await probe();
    signedIn(!apiKey.get());
    route();
  } catch (error) {
    if (error instanceof AuthError) return; // the key prompt is showing
    showView("loading");
    showBanner(t("start.unreachable", { reason: plain(error) }));
  }
}

start();
