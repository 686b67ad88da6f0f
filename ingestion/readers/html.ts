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
  const reader = new VisibleText();
  scanMarkup(html, "html", {
    open: (name) => reader.open(name),
    close: (name) => reader.close(name),
    text: (text) => reader.text(text),
  });
  return reader.finish();
}

/** The text a reader sees, built as the markup is scanned: lines, headings, hidden elements, the title. */
class VisibleText {
  private readonly lines: string[] = [];
  private line = "";
  /** Level of the heading being read (0 outside headings). */
  private heading = 0;
  /** Depth of <pre> elements the text is in. */
  private pre = 0;
  /** Open hidden elements, by name, and in all. */
  private readonly hidden = new Map<string, number>();
  private hiddenTotal = 0;
  private inTitle = false;
  private keepTitle = false;
  private title: string | undefined;
  private titleText = "";

  open(name: string): void {
    const headOpen = this.hidden.get("head") ?? 0;
    // An element that cannot be in <head> means the body has begun, as browsers read it.
    if (headOpen > 0 && this.hiddenTotal === headOpen && !IN_HEAD.has(name)) this.hide("head", -headOpen);
    if (name === "title") {
      // Only the document's own first title counts: an SVG <title> is a tooltip.
      this.inTitle = true;
      this.keepTitle = this.title === undefined && (this.hidden.get("svg") ?? 0) === 0;
      return;
    }
    if (HIDDEN.has(name)) {
      this.hide(name, 1);
      return;
    }
    if (this.hiddenTotal > 0) return;
    const level = HEADING.exec(name);
    if (level && this.heading === 0) {
      this.endLine();
      this.heading = Number(level[1]);
      this.line = `${"#".repeat(this.heading)} `;
    } else if (BLOCK.has(name)) {
      // Inside a heading, blocks only separate words: the heading stays one line.
      if (this.heading > 0) this.line += " ";
      else this.endLine();
      if (name === "pre") this.pre++;
    } else if (name === "td" || name === "th") {
      if (this.line.trim().length > 0 && this.heading === 0) this.line = `${this.line.trimEnd()} | `;
    }
  }

  close(name: string): void {
    if (name === "title") {
      if (this.inTitle && this.keepTitle) this.title = this.titleText.replace(/\s+/g, " ").trim();
      this.inTitle = false;
      this.keepTitle = false;
      return;
    }
    if (HIDDEN.has(name)) {
      if ((this.hidden.get(name) ?? 0) > 0) this.hide(name, -1);
      return;
    }
    if (this.hiddenTotal > 0) return;
    if (HEADING.test(name) && this.heading > 0) {
      this.endLine();
      this.heading = 0;
    } else if (BLOCK.has(name)) {
      if (this.heading > 0) this.line += " ";
      else this.endLine();
      if (name === "pre" && this.pre > 0) this.pre--;
    }
  }

  text(text: string): void {
    if (this.inTitle) {
      if (this.keepTitle) this.titleText += text;
    } else if (this.hiddenTotal === 0) this.add(text);
  }

  finish(): HtmlText {
    this.endLine();
    return { text: this.lines.join("\n"), title: this.title || undefined };
  }

  private endLine(): void {
    // Preformatted lines keep their indentation; other lines lose what the markup's layout added.
    const text = this.pre > 0 ? this.line.trimEnd() : this.line.trim();
    if (text.trim().length > 0 && !/^#+$/.test(text)) this.lines.push(text);
    this.line = "";
  }

  private add(text: string): void {
    if (this.pre > 0) {
      const parts = text.split(/\r\n?|\n/);
      parts.forEach((part, i) => {
        if (i > 0) this.endLine();
        this.line += part;
      });
      return;
    }
    const collapsed = text.replace(/\s+/g, " ");
    this.line += this.line.length === 0 || this.line.endsWith(" ") ? collapsed.trimStart() : collapsed;
  }

  private hide(name: string, by: number): void {
    this.hidden.set(name, (this.hidden.get(name) ?? 0) + by);
    this.hiddenTotal += by;
  }
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
