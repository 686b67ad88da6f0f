// Character sets of text files (plain text, CSV, HTML, e-mail parts): UTF-8, UTF-16 (with or without
// a byte order mark) and the legacy single-byte code pages (Windows-1252, Latin-1…) that old files
// and mail programs still write. Detection goes from certain to guessed: BOM, UTF-16 byte pattern,
// valid UTF-8, the charset the file declares, then a statistical guess (chardet), decoded by iconv-lite.
import chardet from "chardet";
import iconv from "iconv-lite";
import { PermanentIngestError } from "../errors.js";

/** Text decoded from bytes, and the character set it was read as. */
export interface DecodedText {
  text: string;
  /** Lower-case name, e.g. "utf-8", "utf-16le", "windows-1252". */
  encoding: string;
}

/** Bytes a statistical guess looks at: enough for any real text, bounded for a 100 MB file. */
const GUESS_SAMPLE = 2 * 1024 * 1024;
/** A guess less sure than this (chardet's 0–100) is not trusted. */
const MIN_CONFIDENCE = 10;

/**
 * Labels that mean Windows-1252 in practice: mail programs and web pages that say Latin-1 or ASCII
 * write € and curly quotes in 0x80–0x9F (the WHATWG Encoding Standard reads them so too).
 */
const WINDOWS_1252_ALIASES = new Set(["iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"]);

function normalise(label: string): string {
  const name = label.trim().toLowerCase();
  return WINDOWS_1252_ALIASES.has(name) ? "windows-1252" : name;
}

/** The byte order mark a text starts with, if any. */
function bom(bytes: Uint8Array): { encoding: string; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: "utf-8", length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: "utf-16le", length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: "utf-16be", length: 2 };
  return null;
}

/**
 * UTF-16 without a BOM, told by its pattern: text in Latin script has a zero in one byte of most
 * pairs, always the same one (the high byte). Needs a few dozen pairs to say so.
 */
export function guessUtf16(bytes: Uint8Array): "utf-16le" | "utf-16be" | null {
  const pairs = Math.min(Math.floor(bytes.length / 2), 4096);
  if (pairs < 8) return null;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) zeroEven++;
    if (bytes[2 * i + 1] === 0) zeroOdd++;
  }
  if (zeroOdd >= pairs * 0.4 && zeroEven <= pairs * 0.02) return "utf-16le";
  if (zeroEven >= pairs * 0.4 && zeroOdd <= pairs * 0.02) return "utf-16be";
  return null;
}

/**
 * Whether bytes are valid UTF-8. `truncated` bytes are the start of a longer file: a character
 * cut at their end is not an error.
 */
export function isUtf8(bytes: Uint8Array, truncated = false): boolean {
  const sample = truncated ? bytes.subarray(0, Math.max(0, bytes.length - 3)) : bytes;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(sample);
    return true;
  } catch {
    return false;
  }
}

/** Share of C0 control characters (other than tab, line breaks, form feed, escape) a text may have. */
const MAX_CONTROL_SHARE = 0.01;

/** A C0 control character that text files do not hold (tab, line feed, form feed, CR and ESC they do). */
const isStrayControl = (code: number) =>
  code < 0x20 && code !== 9 && code !== 10 && code !== 12 && code !== 13 && code !== 27;

/** Whether decoded text reads as text: no NULs, hardly any control characters. */
function looksLikeText(text: string): boolean {
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return false;
    if (isStrayControl(code)) controls++;
  }
  return controls <= text.length * MAX_CONTROL_SHARE;
}

/** Whether bytes look like a text file at all (in any encoding Cited decodes), from their first 64 KB. */
export function looksLikeTextBytes(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  if (bom(sample) || guessUtf16(sample)) return true;
  if (!sample.includes(0) && isUtf8(sample, sample.length < bytes.length)) return true;
  let controls = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (isStrayControl(b)) controls++;
  }
  return controls <= sample.length * MAX_CONTROL_SHARE;
}

const undecodable = (detail: string) =>
  new PermanentIngestError(
    "bad_encoding",
    `the text could not be decoded (${detail}): save it as UTF-8 (in most editors: Save as → Encoding → UTF-8) and upload it again`,
  );

function decodeWith(bytes: Uint8Array, encoding: string): string {
  if (encoding === "utf-8") return new TextDecoder("utf-8").decode(bytes);
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
}

/** Decode UTF-16 strictly: an odd length or a lone surrogate is damage, not text. */
function decodeUtf16(bytes: Uint8Array, encoding: "utf-16le" | "utf-16be"): string {
  if (bytes.length % 2 !== 0)
    throw undecodable(`${encoding.toUpperCase()} text cut in the middle of a character`);
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw undecodable(`invalid ${encoding.toUpperCase()}: a character is broken`);
  }
}

/** The encoding chardet is most sure of, if iconv-lite can decode it and it is sure enough. */
function statisticalGuess(bytes: Uint8Array): string | null {
  const best = chardet.analyse(bytes.subarray(0, GUESS_SAMPLE))[0];
  if (!best || best.confidence < MIN_CONFIDENCE) return null;
  const name = normalise(best.name);
  if (name.startsWith("utf-16") || name.startsWith("utf-32") || name === "utf-8") return null;
  return iconv.encodingExists(name) ? name : null;
}

/**
 * Decode a text file or part. `declared` is the charset the container names (an HTML <meta>, a
 * MIME Content-Type); it is believed unless a BOM says otherwise or iconv-lite does not know it.
 * Throws PermanentIngestError "bad_encoding" when no encoding reads the bytes as text.
 */
export function decodeText(bytes: Uint8Array, declared?: string): DecodedText {
  const mark = bom(bytes);
  if (mark?.encoding === "utf-8") return { text: decodeWith(bytes.subarray(3), "utf-8"), encoding: "utf-8" };
  if (mark) {
    const encoding = mark.encoding as "utf-16le" | "utf-16be";
    return { text: decodeUtf16(bytes.subarray(mark.length), encoding), encoding };
  }
  const sixteen = guessUtf16(bytes);
  if (sixteen) return { text: decodeUtf16(bytes, sixteen), encoding: sixteen };
  const label = declared ? normalise(declared) : "";
  // Valid UTF-8 with accents is almost never anything else, whatever a <meta> claims; a declared
  // charset decides the rest, and a guess only what declares nothing.
  const candidates = [
    isUtf8(bytes) ? "utf-8" : null,
    label && iconv.encodingExists(label) ? label : null,
    statisticalGuess(bytes),
  ];
  for (const encoding of candidates) {
    if (!encoding) continue;
    const text = decodeWith(bytes, encoding);
    // Valid UTF-8 is text as it always was here, control characters and all (but not NULs).
    if (encoding === "utf-8" ? !text.includes("\u0000") : looksLikeText(text)) return { text, encoding };
  }
  throw undecodable(
    isUtf8(bytes)
      ? "it holds control characters that text does not have"
      : "it is not UTF-8, UTF-16 or a known code page",
  );
}

/** The charset an HTML document declares in its first 1,024 bytes (<meta charset> or http-equiv), if any. */
export function declaredHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString(
    "latin1",
  );
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return m?.[1];
}
