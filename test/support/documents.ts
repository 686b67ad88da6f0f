// Real Office files and e-mails for tests, built byte by byte: DOCX and XLSX are ZIP archives of
// XML parts (written with fflate), e-mails are MIME text.
import { strToU8, type Zippable, zipSync } from "fflate";

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`;
const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A paragraph of a DOCX: its text and, for headings, the Word style id (Heading1, Title…). */
export interface DocxParagraph {
  text: string;
  style?: string;
  /** Starts a new page, as Ctrl+Enter in Word does. */
  pageBreakBefore?: boolean;
}

/** Word's built-in styles the tests use: headings carry an outline level, as Word writes them. */
const DOCX_STYLES = `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:rPr><w:sz w:val="48"/></w:rPr></w:style>${[
  1, 2, 3,
]
  .map(
    (n) =>
      `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="${n - 1}"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>`,
  )
  .join("")}</w:styles>`;

/** A minimal Word document: content types, package relationships, styles, the body, optionally a title property. */
export function docxFile(paragraphs: DocxParagraph[], options: { title?: string } = {}): Uint8Array {
  const body = paragraphs
    .map(
      (p) =>
        `<w:p>${p.style ? `<w:pPr><w:pStyle w:val="${p.style}"/></w:pPr>` : ""}${p.pageBreakBefore ? `<w:r><w:br w:type="page"/></w:r>` : ""}<w:r><w:t xml:space="preserve">${escapeXml(p.text)}</w:t></w:r></w:p>`,
    )
    .join("");
  const files: Zippable = {
    "[Content_Types].xml": strToU8(
      xml(
        `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`,
      ),
    ),
    "_rels/.rels": strToU8(
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`,
      ),
    ),
    "word/_rels/document.xml.rels": strToU8(
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
      ),
    ),
    "word/styles.xml": strToU8(xml(DOCX_STYLES)),
    "word/document.xml": strToU8(
      xml(
        `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
      ),
    ),
  };
  if (options.title) {
    files["docProps/core.xml"] = strToU8(
      xml(
        `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escapeXml(options.title)}</dc:title></cp:coreProperties>`,
      ),
    );
  }
  return zipSync(files, { level: 6 });
}

/**
 * A DOCX whose word/document.xml is `bytes` repetitions of one character, packed at level 9: a few
 * kilobytes that expand to `bytes` bytes — a decompression bomb.
 */
export function docxBomb(bytes: number): Uint8Array {
  const files: Zippable = {
    "[Content_Types].xml": strToU8(
      xml(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`),
    ),
    "word/document.xml": [new Uint8Array(bytes).fill(0x61), { level: 9 }],
  };
  return zipSync(files);
}

/** A cell of a sheet: a string (stored as a shared string), a number, or a date (serial with a date style). */
export type Cell = string | number | Date;

/** A workbook with these sheets, rows of cells. Strings go to sharedStrings.xml, as Excel writes them. */
export function xlsxFile(sheets: { name: string; rows: Cell[][] }[]): Uint8Array {
  const strings: string[] = [];
  const stringIndex = (s: string) => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  const col = (i: number) => String.fromCharCode(65 + i);
  const sheetXml = (rows: Cell[][]) =>
    rows
      .map(
        (row, r) =>
          `<row r="${r + 1}">${row
            .map((cell, c) => {
              const ref = `${col(c)}${r + 1}`;
              if (typeof cell === "string") return `<c r="${ref}" t="s"><v>${stringIndex(cell)}</v></c>`;
              if (cell instanceof Date) {
                const serial = (cell.getTime() - Date.UTC(1899, 11, 30)) / 86_400_000;
                return `<c r="${ref}" s="1"><v>${serial}</v></c>`;
              }
              return `<c r="${ref}"><v>${cell}</v></c>`;
            })
            .join("")}</row>`,
      )
      .join("");
  const files: Zippable = {
    "[Content_Types].xml": strToU8(
      xml(
        `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
      ),
    ),
    "_rels/.rels": strToU8(
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ),
    "xl/workbook.xml": strToU8(
      xml(
        `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${sheets
          .map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join("")}</sheets></workbook>`,
      ),
    ),
    "xl/_rels/workbook.xml.rels": strToU8(
      xml(
        `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join("")}</Relationships>`,
      ),
    ),
    "xl/styles.xml": strToU8(
      xml(
        `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`,
      ),
    ),
  };
  sheets.forEach((s, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(
      xml(
        `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetXml(s.rows)}</sheetData></worksheet>`,
      ),
    );
  });
  files["xl/sharedStrings.xml"] = strToU8(
    xml(
      `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings.length}">${strings
        .map((s) => `<si><t>${escapeXml(s)}</t></si>`)
        .join("")}</sst>`,
    ),
  );
  return zipSync(files, { level: 6 });
}

/** An e-mail attachment: file name, MIME type, bytes. */
export interface MailAttachment {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** A MIME message (CRLF line ends) with a plain-text or HTML body and base64 attachments. */
export function emlFile(spec: {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  date: string;
  messageId: string;
  text?: string;
  html?: string;
  attachments?: MailAttachment[];
}): Uint8Array {
  const boundary = "----=_cited_test_boundary";
  const body = spec.html
    ? ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", spec.html]
    : ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", spec.text ?? ""];
  const parts = [body.join("\r\n")];
  for (const a of spec.attachments ?? []) {
    const base64 = Buffer.from(a.bytes).toString("base64").replace(/.{76}/g, "$&\r\n");
    parts.push(
      [
        `Content-Type: ${a.type}; name="${a.name}"`,
        "Content-Transfer-Encoding: base64",
        `Content-Disposition: attachment; filename="${a.name}"`,
        "",
        base64,
      ].join("\r\n"),
    );
  }
  const headers = [
    `From: ${spec.from}`,
    `To: ${spec.to}`,
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject}`,
    `Date: ${spec.date}`,
    `Message-ID: ${spec.messageId}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ];
  const message = [...headers, "", ...parts.map((p) => `--${boundary}\r\n${p}`), `--${boundary}--`, ""].join(
    "\r\n",
  );
  return new TextEncoder().encode(message);
}
