// Character sets inside e-mail: mailparser decodes a text part by the charset it declares and takes
// UTF-8 for the rest, so a Windows-1252 body without a charset, one that claims UTF-8 but is not,
// or raw 8-bit header bytes came out as "caf�". Before parsing, such parts are marked so that the
// decoder given to mailparser detects their charset (charset.ts), and header blocks that are not
// UTF-8 are re-encoded to UTF-8.
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Joiner, type MimeNode, Splitter } from "@zone-eu/mailsplit";
import libmime from "libmime";
import { decodeText, isUtf8 } from "./charset.js";

/** The charset name given to text parts that declare none (or UTF-8): the decoder detects theirs. */
const UNDECLARED = "x-cited-undeclared";

/** Collects a part's bytes and decodes them with detection at the end. */
class DetectingDecoder extends Transform {
  private readonly chunks: Buffer[] = [];
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }
  override _flush(done: () => void): void {
    const bytes = Buffer.concat(this.chunks);
    let text: string;
    try {
      text = decodeText(bytes).text;
    } catch {
      // Not text in any charset: shown as UTF-8 with replacement characters, as mailparser would.
      text = bytes.toString("utf8");
    }
    this.push(Buffer.from(text, "utf8"));
    done();
  }
}

/**
 * mailparser's `Iconv` option: how it decodes a text part's bytes. Parts marked UNDECLARED are
 * detected; declared charsets are decoded by libmime exactly as mailparser does without the option.
 */
export function PartDecoder(charset: string): NodeJS.ReadWriteStream {
  if (charset === UNDECLARED) return new DetectingDecoder();
  return libmime.createDecodeStream(charset) as unknown as NodeJS.ReadWriteStream;
}

/** A header block in UTF-8: raw 8-bit bytes in another charset are re-encoded. */
function utf8Headers(headers: Buffer): Buffer {
  if (isUtf8(headers)) return headers;
  try {
    return Buffer.from(decodeText(headers).text, "utf8");
  } catch {
    return headers;
  }
}

function isNode(chunk: unknown): chunk is MimeNode {
  return typeof chunk === "object" && chunk !== null && (chunk as { type?: string }).type === "node";
}

/** A part of a message attached to this one: it is kept byte for byte, for its own document. */
function insideAttachedMessage(node: MimeNode): boolean {
  for (let p = node.parentNode; p; p = p.parentNode) if (p.contentType === "message/rfc822") return true;
  return false;
}

/**
 * The message with its charsets made explicit: text parts without a charset are marked for
 * detection, and header blocks are UTF-8. Everything else passes byte for byte.
 */
export async function markUndeclaredCharsets(raw: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const mark = new Transform({
    objectMode: true,
    transform(chunk: unknown, _encoding, done) {
      if (!isNode(chunk)) {
        done(null, chunk);
        return;
      }
      const node = chunk;
      node.getHeaders(); // parses them, so contentType and charset are known
      if (insideAttachedMessage(node)) {
        done(null, node);
        return;
      }
      const type = node.contentType || "text/plain";
      const body = type.startsWith("text/") && !node.multipart && node.disposition !== "attachment";
      // "UTF-8" is also what mail programs claim for text they wrote in their own code page.
      const utf8OrNone = !node.charset || /^utf-?8$/i.test(node.charset.trim());
      if (body && utf8OrNone) node.setCharset(UNDECLARED);
      done(null, utf8Headers(node.getHeaders()));
    },
  });
  const collect = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      out.push(chunk);
      done();
    },
  });
  const splitter = new Splitter();
  splitter.end(raw);
  await pipeline(splitter, mark, new Joiner(), collect);
  return Buffer.concat(out);
}
