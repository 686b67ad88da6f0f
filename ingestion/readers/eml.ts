import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import { ingestErrors } from "../errors.js";
import { htmlToText } from "./html.js";
import type { DocumentReader, ParsedDocument } from "./types.js";

/** File extensions for attachments that arrive without a name, by MIME type. */
const EXTENSIONS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/plain": "txt",
  "text/html": "html",
  "text/csv": "csv",
  "text/markdown": "md",
  "message/rfc822": "eml",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
};

function addresses(value: AddressObject | AddressObject[] | undefined): string | undefined {
  if (!value) return undefined;
  const text = (Array.isArray(value) ? value : [value]).map((a) => a.text).join(", ");
  return text || undefined;
}

/** A display name for an attachment: its own file name without any folders, or one made from its type. */
function attachmentName(filename: string | undefined, contentType: string, index: number): string {
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

/**
 * E-mail messages (.eml): the body is the page (the HTML body, read as HTML, when there is no
 * plain-text part), the subject the title, the main headers the metadata, and attached files
 * become attachments for the worker to ingest as documents of their own. Images embedded in the
 * HTML body are part of its layout, not attachments.
 */
export const emlReader: DocumentReader = {
  type: "eml",
  async read(bytes) {
    let mail: ParsedMail;
    try {
      mail = await simpleParser(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
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
    const fromHtml = plain.length === 0 && typeof mail.html === "string";
    let text = fromHtml ? htmlToText(mail.html as string).text : plain;
    const attachments = mail.attachments
      .filter((a) => !a.related)
      .map((a, i) => ({
        name: attachmentName(a.filename, a.contentType, i),
        bytes: new Uint8Array(a.content),
      }));
    // A message that only carries files still has to be indexed, or its attachments never would be.
    if (text.length === 0 && attachments.length > 0) {
      text = [
        metadata.subject && `Subject: ${metadata.subject}`,
        metadata.from && `From: ${metadata.from}`,
        metadata.to && `To: ${metadata.to}`,
        metadata.date && `Date: ${metadata.date}`,
        `Attachments: ${attachments.map((a) => a.name).join(", ")}`,
      ]
        .filter(Boolean)
        .join("\n");
    }
    const parsed: ParsedDocument = {
      pages: [{ page: 1, text, source: "text-layer" }],
      title: metadata.subject,
      metadata,
      markdownHeadings: fromHtml,
    };
    if (attachments.length > 0) parsed.attachments = attachments;
    return parsed;
  },
};
