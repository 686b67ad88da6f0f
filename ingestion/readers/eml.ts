// E-mail messages (.eml): body, headers, and attachments that become documents of their own.
import { type AddressObject, type IconvConstructor, type ParsedMail, simpleParser } from "mailparser";
import { ingestErrors } from "../errors.js";
import { htmlToText } from "./html.js";
import { markUndeclaredCharsets, PartDecoder } from "./mail-charsets.js";
import type { DocumentReader, ParsedDocument, ReadLimits } from "./types.js";

/** File extensions for attachments that arrive without a name, by MIME type. */
const EXTENSIONS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/plain": "txt",
  "text/html": "html",
  "text/csv": "csv",
  "text/markdown": "md",
  "message/rfc822": "eml",
  "application/vnd.ms-outlook": "msg",
  "application/msword": "doc",
  "application/rtf": "rtf",
  "application/vnd.oasis.opendocument.text": "odt",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
  "image/tiff": "tif",
  "image/png": "png",
  "image/jpeg": "jpg",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
};

function addresses(value: AddressObject | AddressObject[] | undefined): string | undefined {
  if (!value) return undefined;
  const text = (Array.isArray(value) ? value : [value]).map((a) => a.text).join(", ");
  return text || undefined;
}

/** A display name for an attachment: its own file name without any folders, or one made from its type. */
export function attachmentName(filename: string | undefined, contentType: string, index: number): string {
  const base = filename?.split(/[\\/]/).pop()?.trim();
  if (base) return base;
  const ext = EXTENSIONS[contentType.toLowerCase()] ?? "bin";
  return `attachment-${index + 1}.${ext}`;
}

/** The headers Cited keeps: from, to, cc, date, subject, message_id. */
function headers(mail: ParsedMail): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ["from", addresses(mail.from)],
    ["to", addresses(mail.to)],
    ["cc", addresses(mail.cc)],
    ["date", mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : undefined],
    ["subject", mail.subject?.trim()],
    ["message_id", mail.messageId],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => Boolean(e[1])));
}

/** A message read by its format's parser: body (plain, or HTML when there is no plain text), headers, files. */
export interface MessageParts {
  plain: string;
  html?: string;
  metadata: Record<string, string>;
  attachments: { name: string; bytes: Uint8Array }[];
}

/** Attachments of one message that become documents unless MAX_ATTACHMENTS says otherwise. */
export const DEFAULT_MAX_ATTACHMENTS = 100;

/**
 * A message as a document (.eml and .msg alike): the body is the page, the subject the title, the
 * headers the metadata; at most `limits.maxAttachments` attachments, the rest named in a note.
 */
export function messageDocument(message: MessageParts, limits: ReadLimits): ParsedDocument {
  const { metadata } = message;
  const max = limits.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
  const attachments = message.attachments.slice(0, max);
  const left = message.attachments.slice(max);
  let text = message.html !== undefined ? htmlToText(message.html).text : message.plain;
  // A message that only carries files still has to be indexed, or its attachments never would be.
  if (text.length === 0 && message.attachments.length > 0) {
    text = [
      metadata.subject && `Subject: ${metadata.subject}`,
      metadata.from && `From: ${metadata.from}`,
      metadata.to && `To: ${metadata.to}`,
      metadata.date && `Date: ${metadata.date}`,
      `Attachments: ${message.attachments.map((a) => a.name).join(", ")}`,
    ]
      .filter(Boolean)
      .join("\n");
  }
  const parsed: ParsedDocument = {
    pages: [{ page: 1, text, source: "text-layer" }],
    title: metadata.subject,
    metadata,
    markdownHeadings: message.html !== undefined,
  };
  if (attachments.length > 0) parsed.attachments = attachments;
  if (left.length > 0) {
    parsed.warnings = [
      `${left.length} of the ${message.attachments.length} attachments were not read, over the limit of ${max} per message (MAX_ATTACHMENTS): ${left
        .slice(0, 10)
        .map((a) => a.name)
        .join(", ")}${left.length > 10 ? ", …" : ""}`,
    ];
  }
  return parsed;
}

/**
 * E-mail messages (.eml): the body is the page (the HTML body, read as HTML, when there is no
 * plain-text part), the subject the title, the main headers the metadata, and attached files
 * become attachments for the worker to ingest as documents of their own. Images embedded in the
 * HTML body are part of its layout, not attachments.
 */
export const emlReader: DocumentReader = {
  type: "eml",
  async read(bytes, limits) {
    let mail: ParsedMail;
    try {
      const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      mail = await simpleParser(await markUndeclaredCharsets(raw), {
        // Decodes text parts: by their declared charset, or by detection where they declare none.
        Iconv: PartDecoder as unknown as IconvConstructor,
        // The HTML body is read by Cited's own HTML reader; nothing else mailparser derives is needed.
        skipHtmlToText: true,
        skipTextToHtml: true,
        skipTextLinks: true,
        skipImageLinks: true,
      });
    } catch (error) {
      throw ingestErrors.damaged("e-mail", (error as Error).message.replace(/\s+/g, " ").slice(0, 80));
    }
    const metadata = headers(mail);
    const plain = (mail.text ?? "").replace(/\r\n?/g, "\n").trim();
    const html = plain.length === 0 && typeof mail.html === "string" ? mail.html : undefined;
    const attachments = mail.attachments
      .filter((a) => !a.related)
      .map((a, i) => ({
        name: attachmentName(a.filename, a.contentType, i),
        bytes: new Uint8Array(a.content),
      }));
    return messageDocument({ plain, html, metadata, attachments }, limits);
  },
};
