// The answer panel of the ask view: its state (searching, writing, done, declined, busy, error), the
// draft streaming in, and the finished answer with its citation chips, sources and closest passages.
import { $, el } from "./dom.js";
import { t } from "./i18n.js";
import { citationTarget } from "./viewer.js";

/** @typedef {import("../../schemas/api.js").AskResponse} AskResponse */
/** @typedef {import("../../schemas/api.js").Citation} Citation */
/** @typedef {import("../../schemas/api.js").Passage} Passage */
/** @typedef {import("./viewer.js").SourceViewer} SourceViewer */
/** @typedef {"idle" | "searching" | "writing" | "done" | "abstained" | "stopped" | "busy" | "error"} AnswerState */

/** How much of a passage the closest-passages list shows. */
const PASSAGE_PREVIEW_CHARS = 420;

/**
 * "page 3" or "pages 3–4".
 * @param {number} from
 * @param {number} to
 */
function pagesLabel(from, to) {
  return from === to ? t("pages.one", { from }) : t("pages.range", { from, to });
}

export class AnswerPanel {
  /** @param {SourceViewer} viewer where citations and passages open */
  constructor(viewer) {
    this.viewer = viewer;
    this.panel = $("#answer");
    this.status = $("#answer-status");
    this.draft = $("#answer-draft");
    this.body = $("#answer-body");
    /** @type {AskResponse | null} the last answer shown, redrawn when the language changes */
    this.answer = null;
  }

  /**
   * @param {AnswerState} name
   * @param {string} status what the status line says
   */
  setState(name, status) {
    this.panel.hidden = false;
    this.panel.dataset.state = name;
    this.panel.setAttribute("aria-busy", String(name === "searching" || name === "writing"));
    this.status.textContent = status;
    this.status.classList.toggle("problem", name === "error" || name === "busy");
  }

  /** @param {string} text the status line alone, the state unchanged */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** @param {string} text more of the answer as the model writes it */
  appendDraft(text) {
    this.draft.hidden = false;
    this.draft.append(text);
  }

  hideDraft() {
    this.draft.hidden = true;
  }

  /** Empty the panel for a new question. */
  clear() {
    this.body.replaceChildren();
    this.answer = null;
    this.draft.textContent = "";
    this.draft.hidden = true;
  }

  /** Draw the last answer again (in the current language). */
  rerender() {
    if (this.answer) this.render(this.answer);
  }

  /** @param {AskResponse} result */
  render(result) {
    this.answer = result;
    this.draft.hidden = true;
    this.draft.textContent = "";
    if (result.abstained) {
      this.setState("abstained", t("answer.abstained"));
      this.body.replaceChildren(...this.declined(result));
    } else {
      this.setState("done", t("answer.ready", { n: result.citations.length }));
      this.body.replaceChildren(...this.answered(result));
    }
  }

  /**
   * A declined answer: why, and the closest passages if any.
   * @param {AskResponse} result
   * @returns {HTMLElement[]}
   */
  declined(result) {
    /** @type {HTMLElement[]} */
    const body = [el("p", { class: "abstained answer-text", id: "answer-text" }, result.answer)];
    if (result.passages.length) {
      body.push(
        el("h3", {}, t("answer.closest")),
        el("p", { class: "hint" }, t("answer.closestHint")),
        this.passageList(result.passages.slice(0, 5)),
      );
    } else {
      body.push(el("p", { class: "hint" }, t("answer.nothingNear")));
    }
    return body;
  }

  /**
   * An answer: its sentences with citation chips, the list of sources, how it was checked.
   * @param {AskResponse} result
   * @returns {HTMLElement[]}
   */
  answered(result) {
    const byN = new Map(result.citations.map((c) => [c.n, c]));
    const text = el("p", { class: "answer-text", id: "answer-text" });
    for (const s of result.sentences) {
      text.append(el("span", { class: "sentence" }, s.text));
      for (const k of s.citations) {
        const c = byN.get(k);
        if (c) text.append(this.citationChip(c));
      }
      text.append(" ");
    }
    return [text, el("h3", {}, t("answer.sources")), this.citationList(result), checkedLine(result)];
  }

  /**
   * The numbered sources of an answer, each with its quote and a button to its page.
   * @param {AskResponse} result
   */
  citationList(result) {
    return el(
      "ol",
      { class: "citations", id: "citation-list" },
      result.citations.map((c) => {
        const show = el(
          "button",
          { type: "button", class: "secondary small" },
          t("answer.showPage", { page: c.page }),
        );
        show.addEventListener("click", () => this.openCitation(c, show));
        return el(
          "li",
          { "data-n": c.n, id: `citation-${c.n}` },
          el("strong", {}, `[${c.n}] ${c.title}`),
          t("answer.onPage", { page: c.page }),
          c.section ? el("span", { class: "hint section" }, ` · § ${c.section}`) : null,
          el("blockquote", { class: "quote" }, c.quote),
          show,
        );
      }),
    );
  }

  /**
   * Open a citation's page; its chips show as pressed.
   * @param {Citation} c
   * @param {HTMLElement} trigger
   */
  openCitation(c, trigger) {
    for (const chip of document.querySelectorAll(".chip[aria-pressed]"))
      chip.setAttribute("aria-pressed", "false");
    for (const chip of document.querySelectorAll(`.chip[data-n="${c.n}"]`))
      chip.setAttribute("aria-pressed", "true");
    this.viewer.open(citationTarget(c), trigger);
  }

  /**
   * The [n] button after a sentence.
   * @param {Citation} c
   */
  citationChip(c) {
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
    chip.addEventListener("click", () => this.openCitation(c, chip));
    return chip;
  }

  /**
   * Passages (of a declined answer), each with a button to its first page.
   * @param {Passage[]} passages
   */
  passageList(passages) {
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
          this.viewer.open({ documentId: p.document_id, title: p.title, page: p.page_start }, open),
        );
        const text =
          p.text.length > PASSAGE_PREVIEW_CHARS
            ? `${p.text.slice(0, PASSAGE_PREVIEW_CHARS).trimEnd()}…`
            : p.text;
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
}

/**
 * How the answer was checked: support, sentences left out, time taken.
 * @param {AskResponse} result
 */
function checkedLine(result) {
  const meta = [];
  if (result.support !== null) meta.push(t("answer.support", { percent: Math.round(result.support * 100) }));
  if (result.dropped_sentences) meta.push(t("answer.dropped", { n: result.dropped_sentences }));
  meta.push(t("answer.time", { seconds: (result.timings.total_ms / 1000).toFixed(1) }));
  return el("p", { class: "answer-meta" }, t("answer.checked", { meta: meta.join(" · ") }));
}
