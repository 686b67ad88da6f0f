// The source view: a document opened at a page. PDFs are drawn with pdf.js (served by this server)
// with a text layer in which the cited words are marked; other formats show the stored page text
// with the cited span [char_start, char_end) marked.
import { ApiFailure, json, request } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { findQuote, fold, foldedIndex, normalizeSpace } from "./textmatch.js";

/** @typedef {import("../../schemas/api.js").Citation} Citation */
/** @typedef {import("../../schemas/api.js").DocumentView} DocumentView */
/** @typedef {import("../../schemas/api.js").PageView} PageView */
/** @typedef {typeof import("pdfjs-dist")} PdfJs */
/** @typedef {import("pdfjs-dist").PDFDocumentProxy} PdfDocument */
/** @typedef {import("pdfjs-dist/types/src/display/api.js").RenderParameters} RenderParameters */
/** @typedef {import("pdfjs-dist/types/src/display/api.js").TextItem} TextItem */
/** @typedef {import("pdfjs-dist/types/src/display/display_utils.js").PageViewport} PageViewport */

/**
 * What the viewer opens: a document at a page; a citation also gives the quote to mark and where it
 * stands in the page text, [charStart, charEnd).
 * @typedef {{ documentId: string, title: string, page: number, quote?: string, charStart?: number,
 *   charEnd?: number }} ViewerTarget
 */
/** @typedef {() => boolean} IsStale whether a newer page was asked for since this one began */

const PDFJS = new URL("/ui/vendor/pdfjs/", location.href).href;
/** @type {Promise<PdfJs> | null} */
let pdfjsLoading = null;

/**
 * pdf.js, loaded the first time a PDF is opened.
 * @returns {Promise<PdfJs>}
 */
function pdfjs() {
  pdfjsLoading ??= import(`${PDFJS}pdf.min.mjs`).then((/** @type {PdfJs} */ lib) => {
    lib.GlobalWorkerOptions.workerSrc = `${PDFJS}pdf.worker.min.mjs`;
    return lib;
  });
  return pdfjsLoading;
}

/** @type {Map<string, Promise<DocumentView>>} id → the document's metadata */
const documents = new Map();
/** @type {Map<string, Promise<PdfDocument>>} id → the document as pdf.js opened it */
const pdfs = new Map();

/**
 * A document's metadata, fetched once.
 * @param {string} id
 * @returns {Promise<DocumentView>}
 */
function documentInfo(id) {
  if (!documents.has(id)) {
    /** @type {Promise<DocumentView>} */
    const p = json(`/v1/documents/${encodeURIComponent(id)}`);
    p.catch(() => documents.delete(id));
    documents.set(id, p);
  }
  return /** @type {Promise<DocumentView>} */ (documents.get(id));
}

/**
 * A PDF document's file, opened by pdf.js once.
 * @param {string} id
 * @returns {Promise<PdfDocument>}
 */
function pdfDocument(id) {
  if (!pdfs.has(id)) {
    const p = (async () => {
      const [lib, res] = await Promise.all([
        pdfjs(),
        request(`/v1/documents/${encodeURIComponent(id)}/file`, { headers: { accept: "application/pdf" } }),
      ]);
      const data = new Uint8Array(await res.arrayBuffer());
      return lib.getDocument({
        data,
        isEvalSupported: false,
        enableXfa: false,
        cMapUrl: `${PDFJS}cmaps/`,
        cMapPacked: true,
        standardFontDataUrl: `${PDFJS}standard_fonts/`,
        wasmUrl: `${PDFJS}wasm/`,
        iccUrl: `${PDFJS}iccs/`,
      }).promise;
    })();
    p.catch(() => pdfs.delete(id));
    pdfs.set(id, p);
  }
  return /** @type {Promise<PdfDocument>} */ (pdfs.get(id));
}

/**
 * Drop what is cached about a document (after it was deleted).
 * @param {string} id
 */
export function forgetDocument(id) {
  documents.delete(id);
  const pdf = pdfs.get(id);
  pdfs.delete(id);
  pdf?.then((d) => d.destroy()).catch(() => {});
}

/**
 * The span of page text to mark for a citation: [char_start, char_end) when it holds the quote;
 * otherwise the quote itself, found in the page near char_start (the quote is what the reader was
 * shown, so it is what must be marked).
 * @param {string} text
 * @param {ViewerTarget} quote
 * @returns {{ start: number, end: number } | null}
 */
function citedSpan(text, quote) {
  const { charStart: start, charEnd: end } = quote;
  const valid = start != null && end != null && start >= 0 && start < end && end <= text.length;
  if (!quote.quote) return valid ? { start, end } : null;
  if (valid && fold(text.slice(start, end)).chars === fold(quote.quote).chars) return { start, end };
  const found = findQuote(text, quote.quote, valid ? foldedIndex(text, start) : 0);
  return found ?? (valid ? { start, end } : null);
}

/**
 * Where a citation points, as the viewer opens it.
 * @param {Citation} c
 * @returns {ViewerTarget}
 */
export function citationTarget(c) {
  return {
    documentId: c.document_id,
    title: c.title,
    page: c.page,
    quote: c.quote,
    charStart: c.char_start,
    charEnd: c.char_end,
  };
}

/**
 * An element of the viewer's panel (the page and the code must agree on it).
 * @param {HTMLElement} root
 * @param {string} selector
 */
function part(root, selector) {
  return /** @type {HTMLElement} */ (root.querySelector(selector));
}

export class SourceViewer {
  /** @param {HTMLElement} root the #source panel */
  constructor(root) {
    this.root = root;
    this.title = part(root, "#source-title");
    this.meta = part(root, "#source-meta");
    this.status = part(root, "#source-status");
    this.quote = part(root, "#source-quote");
    this.page = part(root, "#source-page");
    this.prev = /** @type {HTMLButtonElement} */ (part(root, "#source-prev"));
    this.next = /** @type {HTMLButtonElement} */ (part(root, "#source-next"));
    this.close = part(root, "#source-close");
    /** @type {ViewerTarget | null} */
    this.target = null;
    this.current = 0;
    /** @type {number | null} */
    this.pages = null;
    /** @type {"pdf" | "text" | null} */
    this.kind = null;
    /** @type {HTMLElement | null} */
    this.trigger = null;
    this.renderToken = 0;
    this.renderedWidth = 0;
    this.prev.addEventListener("click", () => this.show(this.current - 1, { keepFocus: true }));
    this.next.addEventListener("click", () => this.show(this.current + 1, { keepFocus: true }));
    this.close.addEventListener("click", () => this.hide());
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.hide();
    });
    let resizing = 0;
    window.addEventListener("resize", () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => {
        const width = this.page.clientWidth;
        if (!this.root.hidden && this.kind === "pdf" && Math.abs(width - this.renderedWidth) > 24) {
          this.show(this.current, { keepFocus: true });
        }
      }, 250);
    });
  }

  /**
   * Open a document at a page. `target`: {documentId, title, page, quote?, charStart?, charEnd?}
   * (a citation, or a passage without a quote). `trigger` gets the focus back on close.
   * @param {ViewerTarget} target
   * @param {HTMLElement | null} [trigger]
   */
  async open(target, trigger = null) {
    this.target = target;
    this.trigger = trigger;
    this.placeBeside(trigger);
    this.root.hidden = false;
    this.title.textContent = target.title || t("source.document");
    this.quote.hidden = !target.quote;
    this.quote.textContent = target.quote ? `“${normalizeSpace(target.quote)}”` : "";
    this.pages = null;
    this.kind = null;
    await this.show(target.page);
  }

  /**
   * Show the viewer in the view it is opened from (the answer's side, under the documents table,
   * under the review grid): each view has a `[data-source-slot]` for it.
   * @param {HTMLElement | null} trigger
   */
  placeBeside(trigger) {
    const slot = trigger?.closest(".view")?.querySelector("[data-source-slot]");
    if (slot && this.root.parentElement !== slot) slot.append(this.root);
  }

  hide() {
    this.renderToken++;
    this.root.hidden = true;
    this.page.replaceChildren();
    this.trigger?.focus();
  }

  /**
   * @param {string} text
   * @param {boolean} [problem]
   */
  setStatus(text, problem = false) {
    this.status.textContent = text;
    this.status.classList.toggle("problem", problem);
  }

  /**
   * Show a page of the open document; with `keepFocus`, the focus stays where it is (page buttons).
   * @param {number} pageNumber
   * @param {{ keepFocus?: boolean }} [options]
   */
  async show(pageNumber, { keepFocus = false } = {}) {
    const target = this.target;
    if (!target) return;
    const token = ++this.renderToken;
    const stale = () => token !== this.renderToken;
    this.current = pageNumber;
    this.page.replaceChildren();
    this.page.dataset.state = "loading";
    this.page.dataset.documentId = target.documentId;
    this.page.dataset.page = String(pageNumber);
    this.page.dataset.highlight = "none";
    delete this.page.dataset.highlightText;
    this.updateNavigation();
    this.setStatus(t("source.opening", { page: pageNumber }));
    if (!keepFocus) this.title.focus();
    try {
      const info = await documentInfo(target.documentId);
      if (stale()) return;
      this.kind = info.type === "pdf" ? "pdf" : "text";
      this.pages = info.pages;
      this.title.textContent = target.title || info.title || info.name;
      this.updateNavigation();
      const quote = pageNumber === target.page ? target : null;
      if (this.kind === "pdf") await this.showPdfPage(pageNumber, quote, stale);
      else await this.showTextPage(pageNumber, quote, stale);
      if (stale()) return;
      this.page.dataset.state = "ready";
      const first = this.page.querySelector("mark");
      first?.scrollIntoView({ block: "center", inline: "nearest" });
    } catch (error) {
      if (stale()) return;
      this.page.dataset.state = "error";
      const reason = error instanceof ApiFailure ? error.message : t("source.drawFailed");
      this.setStatus(t("source.cannotShow", { page: pageNumber, reason }), true);
      if (!(error instanceof ApiFailure)) console.error(error);
    }
  }

  updateNavigation() {
    const total = this.pages;
    this.meta.textContent = total
      ? t("source.pageOf", { page: this.current, total })
      : t("source.page", { page: this.current });
    this.prev.disabled = this.current <= 1;
    this.next.disabled = total ? this.current >= total : false;
    // A page button that just became disabled loses the focus: give it to the other one.
    if (document.activeElement === this.prev && this.prev.disabled) this.next.focus();
    if (document.activeElement === this.next && this.next.disabled) this.prev.focus();
  }

  /**
   * The stored text of a page, with the cited span marked.
   * @param {number} pageNumber
   * @param {ViewerTarget | null} quote
   * @param {IsStale} stale
   * @param {string | null} [note]
   */
  async showTextPage(pageNumber, quote, stale, note = null) {
    /** @type {PageView} */
    const page = await json(
      `/v1/documents/${encodeURIComponent(this.openTarget().documentId)}/pages/${pageNumber}`,
    );
    if (stale()) return;
    const text = page.text;
    const box = el("div", {
      class: "page-text",
      tabindex: "0",
      role: "region",
      "aria-label": t("source.pageText"),
    });
    const span = quote ? citedSpan(text, quote) : null;
    if (span) {
      const mark = el("mark", {}, text.slice(span.start, span.end));
      box.append(text.slice(0, span.start), mark, text.slice(span.end));
      this.page.dataset.highlight = "found";
      this.page.dataset.highlightText = normalizeSpace(mark.textContent);
    } else {
      box.append(text || t("source.noText"));
    }
    if (note) this.page.append(el("p", { class: "note" }, note));
    this.page.append(box);
    const confidence = page.ocr_confidence != null ? Math.round(page.ocr_confidence) : null;
    const source = page.text_source === "ocr" ? t("source.ocr", { confidence }) : "";
    this.setStatus(
      (quote?.quote
        ? t("source.highlighted", { page: pageNumber })
        : t("source.plainPage", { page: pageNumber })) + source,
    );
  }

  /** The target being shown (only called while one is). */
  openTarget() {
    return /** @type {ViewerTarget} */ (this.target);
  }

  /**
   * A PDF page drawn by pdf.js, its text layer on top, the cited words marked in it.
   * @param {number} pageNumber
   * @param {ViewerTarget | null} quote
   * @param {IsStale} stale
   */
  async showPdfPage(pageNumber, quote, stale) {
    const [lib, pdf] = await Promise.all([pdfjs(), pdfDocument(this.openTarget().documentId)]);
    if (stale()) return;
    this.pages = pdf.numPages;
    this.updateNavigation();
    const page = await pdf.getPage(pageNumber);
    const base = page.getViewport({ scale: 1 });
    const width = Math.max(240, this.page.clientWidth);
    this.renderedWidth = width;
    const scale = width / base.width;
    const viewport = page.getViewport({ scale });
    const ratio = window.devicePixelRatio || 1;

    const sheet = el("div", { class: "pdf-page" });
    sheet.style.setProperty("--scale-factor", String(scale));
    sheet.style.width = `${Math.floor(viewport.width)}px`;
    sheet.style.height = `${Math.floor(viewport.height)}px`;
    const canvas = el("canvas", {
      role: "img",
      "aria-label": t("source.pageOfTitle", { page: pageNumber, title: this.title.textContent }),
    });
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const layer = el("div", { class: "textLayer" });
    sheet.append(canvas, layer);
    this.page.append(sheet);

    // pdf.js takes the canvas from its context when none is given (its types ask for one anyway).
    const render = /** @type {RenderParameters} */ ({
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    });
    await page.render(render).promise;
    if (stale()) return;
    const content = await page.getTextContent();
    const textLayer = new lib.TextLayer({ textContentSource: content, container: layer, viewport });
    await textLayer.render();
    if (stale()) return;
    if (!quote?.quote) {
      this.setStatus(t("source.plainPage", { page: pageNumber }));
      return;
    }
    const items = /** @type {TextItem[]} */ (
      content.items.filter((item) => "str" in item && typeof item.str === "string")
    );
    const found = await this.markQuote(
      items,
      textLayer.textDivs,
      base,
      quote.quote,
      quote.charStart,
      pageNumber,
      stale,
    );
    if (stale()) return;
    if (found) {
      this.setStatus(t("source.highlighted", { page: pageNumber }));
      return;
    }
    // A scanned page (text from OCR) has no text layer to mark: show the stored text under it.
    await this.showTextPage(pageNumber, quote, stale, t("source.notOnDrawnPage"));
  }

  /**
   * Mark the quote in the text layer (the occurrence nearest where the stored page text has it).
   * @param {TextItem[]} items
   * @param {HTMLElement[]} divs the text layer's element of each item
   * @param {PageViewport} base the page at scale 1
   * @param {string} quote the words to mark
   * @param {number | undefined} charStart where they start in the stored page text, if known
   * @param {number} pageNumber the page drawn
   * @param {IsStale} stale true once another page is being shown: it must not be marked as this one
   */
  async markQuote(items, divs, base, quote, charStart, pageNumber, stale) {
    const { text, chars } = layerText(items, divs, base);
    let hint = 0;
    if (charStart != null) {
      try {
        /** @type {PageView} */
        const page = await json(
          `/v1/documents/${encodeURIComponent(this.openTarget().documentId)}/pages/${pageNumber}`,
        );
        hint = foldedIndex(page.text, charStart);
      } catch {
        // without the page text, the first occurrence is marked
      }
    }
    if (stale()) return false;
    const range = findQuote(text, quote, hint);
    if (!range) return false;
    markRange(chars, range);
    this.page.dataset.highlight = "found";
    this.page.dataset.highlightText = normalizeSpace(text.slice(range.start, range.end));
    return true;
  }
}

/** @typedef {{ node: Text | null, offset: number }} LayerChar where a character of the layer's text is; node null for added spacing */

/**
 * The text layer's text: its runs in order, with a space wherever a run ends a line or stands apart
 * from the next (as the page text Cited stores was made), and where each character of it is.
 * @param {TextItem[]} items
 * @param {HTMLElement[]} divs the text layer's element of each item
 * @param {PageViewport} base the page at scale 1
 * @returns {{ text: string, chars: LayerChar[] }}
 */
function layerText(items, divs, base) {
  /** @type {LayerChar[]} */
  const chars = [];
  let text = "";
  /** @type {{ x: number, y: number, eol: boolean } | null} */
  let last = null;
  items.forEach((item, i) => {
    const [x, y] = base.convertToViewportPoint(item.transform[4], item.transform[5]);
    if (last && !last.eol) {
      const sameLine = Math.abs(last.y - y) <= 4.6;
      if (!sameLine || Math.abs(last.x - x) > 7) {
        text += " ";
        chars.push({ node: null, offset: 0 });
      }
    }
    const node = divs[i]?.firstChild;
    if (node instanceof Text) {
      for (let k = 0; k < node.data.length; k++) {
        text += node.data[k];
        chars.push({ node, offset: k });
      }
    }
    if (item.hasEOL) {
      text += " ";
      chars.push({ node: null, offset: 0 });
    }
    last = { x: x + item.width, y, eol: item.hasEOL };
  });
  return { text, chars };
}

/**
 * Wrap the layer's characters [start, end) in <mark>s: the characters of each text node inside the
 * range, then one <mark> per node (last node first, so splitting a node leaves the offsets of the
 * earlier ones valid).
 * @param {LayerChar[]} chars
 * @param {{ start: number, end: number }} range
 */
function markRange(chars, range) {
  /** @type {{ node: Text, start: number, end: number }[]} */
  const pieces = [];
  for (let i = range.start; i < range.end; i++) {
    const c = chars[i];
    if (!c.node) continue;
    const piece = pieces.at(-1);
    if (piece && piece.node === c.node) piece.end = c.offset + 1;
    else pieces.push({ node: c.node, start: c.offset, end: c.offset + 1 });
  }
  for (const piece of pieces.reverse()) {
    const r = document.createRange();
    r.setStart(piece.node, piece.start);
    r.setEnd(piece.node, piece.end);
    r.surroundContents(el("mark", { class: "quote-mark" }));
  }
}
