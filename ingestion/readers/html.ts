// HTML pages: the text a reader sees, headings as Markdown lines; also used for HTML inside e-mail and DOCX.
import { declaredHtmlCharset, decodeText } from "./charset.js";
import { scanMarkup } from "./markup.js";
import type { DocumentReader } from "./types.js";

/** Elements whose content a reader never sees on the page. */
const HIDDEN = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "head",
  "iframe",
  "noembed",
  "noframes",
]);
/** Elements that may stand in <head>: any other element ends a <head> left open. */
const IN_HEAD = new Set(["title", "meta", "link", "style", "script", "base", "noscript", "template"]);
/** Elements that start and end a line of text. */
const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "body",
  "br",
  "caption",
  "center",
  "dd",
  "details",
  "dialog",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "header",
  "hgroup",
  "hr",
  "html",
  "legend",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "tfoot",
  "thead",
  "tr",
  "ul",
]);
const HEADING = /^h([1-6])$/;

/** The readable text of an HTML document. */
export interface HtmlText {
  /** One line per block; headings as Markdown `#` lines. */
  text: string;
  /** The content of the first <title>, if any. */
  title?: string;
}

/**
 * The main text of an HTML document: what a reader sees, without script, style, head and other
 * hidden content. Blocks become lines, h1–h6 become `#` lines (so the chunker reads them as
 * sections), table cells are separated by " | ". Linear in the input, whatever the nesting depth.
 */
export function htmlToText(html: string): HtmlText {
  const lines: string[] = [];
  let line = "";
  let heading = 0;
  let pre = 0;
  const hidden = new Map<string, number>();
  let hiddenTotal = 0;
  let inTitle = false;
  let keepTitle = false;
  let title: string | undefined;
  let titleText = "";

  const endLine = () => {
    // Preformatted lines keep their indentation; other lines lose what the markup's layout added.
    const text = pre > 0 ? line.trimEnd() : line.trim();
    if (text.trim().length > 0 && !/^#+$/.test(text)) lines.push(text);
    line = "";
  };
  const add = (text: string) => {
    if (pre > 0) {
      const parts = text.split(/\r\n?|\n/);
      parts.forEach((part, i) => {
        if (i > 0) endLine();
        line += part;
      });
      return;
    }
    const collapsed = text.replace(/\s+/g, " ");
    line += line.length === 0 || line.endsWith(" ") ? collapsed.trimStart() : collapsed;
  };
  const hide = (name: string, by: number) => {
    const n = (hidden.get(name) ?? 0) + by;
    hidden.set(name, n);
    hiddenTotal += by;
  };

  scanMarkup(html, "html", {
    open(name) {
      const headOpen = hidden.get("head") ?? 0;
      // An element that cannot be in <head> means the body has begun, as browsers read it.
      if (headOpen > 0 && hiddenTotal === headOpen && !IN_HEAD.has(name)) hide("head", -headOpen);
      if (name === "title") {
        // Only the document's own first title counts: an SVG <title> is a tooltip.
        inTitle = true;
        keepTitle = title === undefined && (hidden.get("svg") ?? 0) === 0;
        return;
      }
      if (HIDDEN.has(name)) {
        hide(name, 1);
        return;
      }
      if (hiddenTotal > 0) return;
      const level = HEADING.exec(name);
      if (level && heading === 0) {
        endLine();
        heading = Number(level[1]);
        line = `${"#".repeat(heading)} `;
      } else if (BLOCK.has(name)) {
        // Inside a heading, blocks only separate words: the heading stays one line.
        if (heading > 0) line += " ";
        else endLine();
        if (name === "pre") pre++;
      } else if (name === "td" || name === "th") {
        if (line.trim().length > 0 && heading === 0) line = `${line.trimEnd()} | `;
      }
    },
    close(name) {
      if (name === "title") {
        if (inTitle && keepTitle) title = titleText.replace(/\s+/g, " ").trim();
        inTitle = false;
        keepTitle = false;
        return;
      }
      if (HIDDEN.has(name)) {
        if ((hidden.get(name) ?? 0) > 0) hide(name, -1);
        return;
      }
      if (hiddenTotal > 0) return;
      if (HEADING.test(name) && heading > 0) {
        endLine();
        heading = 0;
      } else if (BLOCK.has(name)) {
        if (heading > 0) line += " ";
        else endLine();
        if (name === "pre" && pre > 0) pre--;
      }
    },
    text(text) {
      if (inTitle) {
        if (keepTitle) titleText += text;
      } else if (hiddenTotal === 0) add(text);
    },
  });
  endLine();
  return { text: lines.join("\n"), title: title || undefined };
}

/** HTML pages in the charset they declare or are found in: the main text as one page, <title> as the title. */
export const htmlReader: DocumentReader = {
  type: "html",
  async read(bytes) {
    const html = decodeText(bytes, declaredHtmlCharset(bytes)).text;
    const { text, title } = htmlToText(html);
    return { pages: [{ page: 1, text, source: "text-layer" }], title, markdownHeadings: true };
  },
};
