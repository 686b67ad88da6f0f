// Outlook messages (.msg, an OLE2 compound file of MAPI properties) through @kenjiuno/msgreader:
// read like .eml — the body is the page, the headers the metadata, attachments (embedded messages
// too, as .msg files) become documents of their own.
import msgreader, { type FieldsData } from "@kenjiuno/msgreader";
import { ingestErrors } from "../errors.js";
import { declaredHtmlCharset, decodeText } from "./charset.js";
import { attachmentName, messageDocument } from "./eml.js";
import type { DocumentReader } from "./types.js";

// The package is CommonJS: its class is the `default` of what Node imports.
const MsgReader = msgreader.default;

const person = (name?: string, email?: string) =>
  name && email && name !== email ? `"${name}" <${email}>` : (email ?? name ?? "");

function recipients(fields: FieldsData, type: "to" | "cc"): string | undefined {
  const list = (fields.recipients ?? [])
    .filter((r) => (r.recipType ?? "to") === type)
    .map((r) => person(r.name, r.smtpAddress ?? r.email))
    .filter(Boolean);
  return list.length > 0 ? list.join(", ") : undefined;
}

/** The headers Cited keeps, as for .eml: from, to, cc, date, subject, message_id. */
function headers(fields: FieldsData): Record<string, string> {
  const time = fields.messageDeliveryTime ?? fields.clientSubmitTime;
  const date = time ? new Date(time) : null;
  const entries: [string, string | undefined][] = [
    ["from", person(fields.senderName, fields.senderSmtpAddress ?? fields.senderEmail) || undefined],
    ["to", recipients(fields, "to")],
    ["cc", recipients(fields, "cc")],
    ["date", date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined],
    ["subject", fields.subject?.trim()],
    ["message_id", fields.messageId],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => Boolean(e[1])));
}

/** Windows code page numbers Outlook writes (PidTagInternetCodepage) that are not `cp<n>` in iconv-lite. */
const CODE_PAGES: Record<number, string> = {
  65001: "utf-8",
  20127: "us-ascii",
  1200: "utf-16le",
  1201: "utf-16be",
};

/** The charset of a Windows code page number, e.g. 1252 → "cp1252"; undefined when unset or unknown. */
export function codePageCharset(codePage: number | undefined): string | undefined {
  if (!codePage) return undefined;
  return CODE_PAGES[codePage] ?? `cp${codePage}`;
}

/**
 * The HTML body, when the message has no plain text: a string, or bytes in the charset the HTML
 * declares, else the message's code page (Outlook writes HTML bodies in it), else as detected.
 */
function htmlBody(fields: FieldsData): string | undefined {
  if (fields.bodyHtml) return fields.bodyHtml;
  if (!fields.html) return undefined;
  const declared =
    declaredHtmlCharset(fields.html) ?? codePageCharset(fields.internetCodepage ?? fields.messageCodepage);
  return decodeText(fields.html, declared).text;
}

/** Outlook .msg messages. */
export const msgReader: DocumentReader = {
  type: "msg",
  async read(bytes, limits) {
    let reader: InstanceType<typeof MsgReader>;
    let fields: FieldsData;
    try {
      reader = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      fields = reader.getFileData();
    } catch (error) {
      throw ingestErrors.damaged(
        "Outlook message",
        (error as Error).message.replace(/\s+/g, " ").slice(0, 80),
      );
    }
    if (fields.error) throw ingestErrors.damaged("Outlook message", fields.error.slice(0, 80));
    const plain = (fields.body ?? "").replace(/\r\n?/g, "\n").trim();
    const html = plain.length === 0 ? htmlBody(fields) : undefined;
    const attachments = (fields.attachments ?? [])
      .filter((a) => !a.attachmentHidden)
      .map((a, i) => {
        const file = reader.getAttachment(a);
        return {
          name: attachmentName(file.fileName || a.fileName || a.name, a.attachMimeTag ?? "", i),
          bytes: new Uint8Array(file.content),
        };
      });
    return messageDocument({ plain, html, metadata: headers(fields), attachments }, limits);
  },
};
