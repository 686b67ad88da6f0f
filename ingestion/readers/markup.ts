// A flat scan of HTML or XML: tags and text in document order, nothing kept in between.
//
// htmlparser2's Parser keeps its open-element stack in an array it shifts and unshifts, which
// turns 100,000 nested <div> into minutes of work; its Tokenizer alone is a linear state machine
// with no stack at all. Readers here only need "a tag opened / closed / some text", so they get
// the tokens straight from the Tokenizer and keep whatever little state they need themselves.
import { Tokenizer, type TokenizerCallbacks } from "htmlparser2";

/** What a reader does with the tokens of a markup document. */
export interface MarkupHandler {
  /** A start tag (name lower-case in HTML, without namespace prefix in XML). */
  open?(name: string, attributes: ReadonlyMap<string, string>): void;
  /** An end tag; a self-closing tag (`<br/>`) is an open followed by a close. */
  close?(name: string): void;
  /** Text between tags, entities decoded. Script and style content arrive as text too. */
  text?(text: string): void;
}

const EMPTY = new Map<string, string>();

/** Scan `source` as HTML or XML and call `handler` for every tag and run of text, in order. */
export function scanMarkup(source: string, mode: "html" | "xml", handler: MarkupHandler): void {
  const xml = mode === "xml";
  const tokenizer = new Tokenizer(
    { xmlMode: xml, decodeEntities: true },
    tokenCallbacks(source, xml, handler),
  );
  tokenizer.write(source);
  tokenizer.end();
}

/** The Tokenizer's callbacks: a tag's name and attributes are gathered, then handed on with each text run. */
function tokenCallbacks(source: string, xml: boolean, handler: MarkupHandler): TokenizerCallbacks {
  // XML element names may carry a prefix (`x:row`): readers match on the local name.
  const nameOf = (start: number, end: number) => {
    const raw = source.slice(start, end);
    return xml ? raw.slice(raw.indexOf(":") + 1) : raw.toLowerCase();
  };
  let tag = "";
  let attributes = EMPTY;
  let attribute = "";
  let value = "";
  return {
    onopentagname(start, end) {
      tag = nameOf(start, end);
      attributes = EMPTY;
    },
    onattribname(start, end) {
      attribute = xml ? source.slice(start, end) : source.slice(start, end).toLowerCase();
      value = "";
    },
    onattribdata(start, end) {
      value += source.slice(start, end);
    },
    onattribentity(codepoint) {
      value += String.fromCodePoint(codepoint);
    },
    onattribend() {
      if (attributes === EMPTY) attributes = new Map();
      if (!attributes.has(attribute)) attributes.set(attribute, value);
    },
    onopentagend() {
      handler.open?.(tag, attributes);
    },
    onselfclosingtag() {
      handler.open?.(tag, attributes);
      handler.close?.(tag);
    },
    onclosetag(start, end) {
      handler.close?.(nameOf(start, end));
    },
    ontext(start, end) {
      handler.text?.(source.slice(start, end));
    },
    ontextentity(codepoint) {
      handler.text?.(String.fromCodePoint(codepoint));
    },
    oncdata(start, end, offset) {
      // In HTML a CDATA section is a bogus comment; in XML it is text.
      if (xml) handler.text?.(source.slice(start, end - offset));
    },
    oncomment() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {},
  };
}
