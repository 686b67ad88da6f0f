// The pure parts of the newer formats: charset detection, type detection of office files, Outlook
// messages and scans, TIFF page lists, OpenDocument text, bookmarks as sections, OCR language order
// and the attachment cap.

import { strToU8, type Zippable, zipSync } from "fflate";
import iconv from "iconv-lite";
import { chunkPages } from "../../ingestion/chunking/chunker.js";
import { detectFileType } from "../../ingestion/detect.js";
import { PermanentIngestError } from "../../ingestion/errors.js";
import { decodeText, guessUtf16 } from "../../ingestion/readers/charset.js";
import { messageDocument } from "../../ingestion/readers/eml.js";
import { imageSize, tiffPages } from "../../ingestion/readers/images.js";
import { readerFor } from "../../ingestion/readers/index.js";
import { codePageCharset } from "../../ingestion/readers/msg.js";
import { dominantLanguage, ocrLanguagesProblem } from "../../ingestion/readers/ocr.js";
import { odtText } from "../../ingestion/readers/odt.js";
import { readPptxText, rtfText } from "../../ingestion/readers/office-text.js";
import { flattenOutline } from "../../ingestion/readers/pdf.js";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { msgFile } from "../support/outlook.js";

const limits = { maxPages: 100, maxExpandedBytes: 64 * 1024 * 1024 };
const words = (text: string) => text.split(/\s+/).filter(Boolean).length + 2;

function refusalOf(run: () => unknown): PermanentIngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof PermanentIngestError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("character sets", () => {
  const SPANISH = "Cláusula 5. La penalización es de 100 € por día de retraso; el café no está incluido.";

  test.each([
    ["windows-1252", iconv.encode(SPANISH, "windows-1252")],
    ["utf-8", Buffer.from(SPANISH, "utf8")],
    ["utf-16le", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SPANISH, "utf16le")])],
    ["utf-16le", Buffer.from(SPANISH, "utf16le")],
    ["utf-16be", Buffer.from(SPANISH, "utf16le").swap16()],
  ])("%s text is read back exactly", (encoding, bytes) => {
    expect(decodeText(bytes)).toEqual({ text: SPANISH, encoding });
  });

  test("Latin-1 as declared is read as Windows-1252, as mail programs and browsers mean it", () => {
    const bytes = iconv.encode("Precio: 100 € por café", "windows-1252");
    expect(decodeText(bytes, "ISO-8859-1").text).toBe("Precio: 100 € por café");
  });

  test("valid UTF-8 wins over a <meta> that claims a code page", () => {
    expect(decodeText(Buffer.from("café €", "utf8"), "windows-1252").text).toBe("café €");
  });

  test("UTF-16 without a BOM is told by its zero bytes; ASCII is not", () => {
    expect(guessUtf16(Buffer.from("Termination for convenience", "utf16le"))).toBe("utf-16le");
    expect(guessUtf16(Buffer.from("Termination for convenience", "latin1"))).toBeNull();
  });

  test("what no charset reads as text fails with its reason", () => {
    const cut = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("abc", "utf16le"),
      Buffer.from([0x41]),
    ]);
    const e = refusalOf(() => decodeText(cut));
    expect(e.code).toBe("bad_encoding");
    expect(e.message).toMatch(/UTF-16LE text cut in the middle of a character.*save it as UTF-8/);
    // Not UTF-8, and full of control characters in any code page.
    const binary = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0xe9)));
    const e2 = refusalOf(() => decodeText(binary));
    expect(e2.code).toBe("bad_encoding");
    expect(e2.message).toMatch(/it is not UTF-8, UTF-16 or a known code page/);
  });

  test("a Windows-1252 text file is detected as text and read with its é and €", async () => {
    const bytes = iconv.encode("Nota: el café cuesta 3 €.\r\nSegunda línea.", "windows-1252");
    expect(detectFileType(bytes, "nota.txt")).toBe("text");
    const parsed = await readerFor("text").read(bytes, limits);
    expect(parsed.pages[0]!.text).toBe("Nota: el café cuesta 3 €.\nSegunda línea.");
  });

  test("an HTML page in its declared code page", async () => {
    const html = iconv.encode(
      '<html><head><meta charset="windows-1252"><title>Política</title></head><body><p>Tarifa: 5 €</p></body></html>',
      "windows-1252",
    );
    const parsed = await readerFor("html").read(html, limits);
    expect(parsed.title).toBe("Política");
    expect(parsed.pages[0]!.text).toBe("Tarifa: 5 €");
  });

  test("an e-mail body without a charset, and raw 8-bit headers, in Windows-1252", async () => {
    const head = "From: ana@example.com\r\nSubject: Cláusula de penalización\r\nMIME-Version: 1.0\r\n";
    const raw = Buffer.concat([
      iconv.encode(
        `${head}Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
        "windows-1252",
      ),
      iconv.encode("La penalización es de 100 € por día.\r\n", "windows-1252"),
    ]);
    const parsed = await readerFor("eml").read(raw, limits);
    expect(parsed.title).toBe("Cláusula de penalización");
    expect(parsed.pages[0]!.text).toBe("La penalización es de 100 € por día.");
  });
});

describe("type detection of the newer formats", () => {
  const zipWith = (first: string, content = "") =>
    new Uint8Array([
      ...Buffer.from([0x50, 0x4b, 0x03, 0x04]),
      ...new Uint8Array(22),
      first.length,
      0,
      0,
      0,
      ...Buffer.from(first + content, "latin1"),
    ]);

  test.each([
    { what: "RTF named .rtf", bytes: Buffer.from("{\\rtf1\\ansi Hello}"), name: "letter.rtf", type: "rtf" },
    { what: "RTF without a name", bytes: Buffer.from("{\\rtf1\\ansi Hello}"), name: "letter", type: "rtf" },
    {
      what: "an OpenDocument mimetype",
      bytes: zipWith("mimetype", "application/vnd.oasis.opendocument.text"),
      name: "x.zip",
      type: "odt",
    },
    { what: "ppt/presentation.xml", bytes: zipWith("ppt/presentation.xml"), name: "deck.bin", type: "pptx" },
    {
      what: "little-endian TIFF",
      bytes: Buffer.from("II*\0\x08\0\0\0", "latin1"),
      name: "scan",
      type: "tiff",
    },
    {
      what: "big-endian TIFF",
      bytes: Buffer.from("MM\0*\0\0\0\x08", "latin1"),
      name: "scan.tif",
      type: "tiff",
    },
    {
      what: "the PNG signature",
      bytes: Buffer.from("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "latin1"),
      name: "page.png",
      type: "png",
    },
    {
      what: "the JPEG signature",
      bytes: Buffer.from("\xff\xd8\xff\xe0\0\x10JFIF", "latin1"),
      name: "page.jpg",
      type: "jpeg",
    },
  ])("$what: $name is $type", ({ bytes, name, type }) => {
    expect(detectFileType(new Uint8Array(bytes), name)).toBe(type);
  });

  /** An OLE2 header (512-byte sectors, the directory in sector 0) and a directory: the root, then `stream`. */
  const ole2 = (stream: string) => {
    const file = Buffer.alloc(1024);
    file.write("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "latin1");
    file.writeUInt16LE(9, 0x1e);
    file.writeUInt32LE(0, 0x30);
    ["Root Entry", stream].forEach((name, i) => {
      const at = 512 + 128 * i;
      file.write(name, at, "utf16le");
      file.writeUInt16LE((name.length + 1) * 2, at + 64);
    });
    return new Uint8Array(file);
  };
  /** The first bytes of a large OLE2 file whose directory lies further on: only its raw bytes to go by. */
  const headOnly = (text: string) =>
    new Uint8Array([
      ...Buffer.from("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "latin1"),
      ...new Uint8Array(40),
      ...[0xff, 0xff, 0, 0],
      ...new Uint8Array(460),
      ...Buffer.from(text, "utf16le"),
    ]);

  test("OLE2 files are told apart by their directory: Word, Outlook, and what is refused", () => {
    expect(detectFileType(ole2("WordDocument"), "old.doc")).toBe("doc");
    expect(detectFileType(ole2("WordDocument"), "old")).toBe("doc");
    expect(detectFileType(ole2("__substg1.0_0037001F"), "mail.bin")).toBe("msg");
    expect(detectFileType(msgFile(sample()), "mail")).toBe("msg");
    expect(refusalOf(() => detectFileType(ole2("Workbook"), "book.xls")).message).toMatch(
      /Excel 97–2003 workbook \(\.xls\): save it as \.xlsx/,
    );
    expect(refusalOf(() => detectFileType(ole2("WordDocument"), "mail.msg")).code).toBe("type_mismatch");
  });

  test("without the directory at hand, a .msg name wins over a Word file attached inside; no name, the bytes decide", () => {
    expect(detectFileType(headOnly("WordDocument"), "mail.msg")).toBe("msg");
    expect(detectFileType(headOnly("WordDocument"), "scan")).toBe("doc");
    expect(detectFileType(headOnly("__substg1.0_1000001F"), "scan")).toBe("msg");
  });
});

function sample() {
  return {
    subject: "Firma del contrato",
    from: { name: "Ana Ruiz", email: "ana@example.com" },
    to: { name: "Legal", email: "legal@example.com" },
    date: new Date("2025-03-03T09:00:00Z"),
    body: "Adjunto el contrato firmado y la tarifa.\r\nAna",
    attachments: [
      { name: "tarifa.csv", bytes: new TextEncoder().encode("servicio,precio\nAlmacenaje,17 €\n") },
      { name: "nota.txt", bytes: new TextEncoder().encode("Los originales llegan el viernes.") },
    ],
  };
}

describe("Outlook messages", () => {
  test("body, headers and both attachments, like an .eml", async () => {
    const parsed = await readerFor("msg").read(msgFile(sample()), limits);
    expect(parsed.title).toBe("Firma del contrato");
    expect(parsed.pages[0]!.text).toBe("Adjunto el contrato firmado y la tarifa.\nAna");
    expect(parsed.metadata).toEqual({
      from: '"Ana Ruiz" <ana@example.com>',
      to: '"Legal" <legal@example.com>',
      date: "2025-03-03T09:00:00.000Z",
      subject: "Firma del contrato",
    });
    expect(parsed.attachments?.map((a) => [a.name, new TextDecoder().decode(a.bytes)])).toEqual([
      ["tarifa.csv", "servicio,precio\nAlmacenaje,17 €\n"],
      ["nota.txt", "Los originales llegan el viernes."],
    ]);
  });

  test("an HTML-only body in the message's code page (Windows-1252) keeps its “é” and “€”", async () => {
    const html = iconv.encode(
      "<html><body><p>La penalización es de 100 € por día.</p></body></html>",
      "windows-1252",
    );
    const parsed = await readerFor("msg").read(
      msgFile({ ...sample(), html, codePage: 1252, attachments: [] }),
      limits,
    );
    expect(parsed.pages[0]!.text).toMatch(/La penalización es de 100 € por día\./);
    expect(codePageCharset(1252)).toBe("cp1252");
    expect(codePageCharset(65001)).toBe("utf-8");
    expect(codePageCharset(undefined)).toBeUndefined();
  });

  test("a message attached to a message is passed on as an Outlook message of its own", async () => {
    const inner = msgFile({ ...sample(), subject: "Inner", attachments: [] });
    const parsed = await readerFor("msg").read(
      msgFile({ ...sample(), attachments: [{ name: "reenvio.msg", bytes: inner }] }),
      limits,
    );
    const [child] = parsed.attachments ?? [];
    expect(child!.name).toBe("reenvio.msg");
    expect(detectFileType(child!.bytes, child!.name)).toBe("msg");
    expect((await readerFor("msg").read(child!.bytes, limits)).title).toBe("Inner");
  });

  test("a damaged message is refused as unreadable", async () => {
    const bytes = msgFile(sample()).slice(0, 700);
    await expect(readerFor("msg").read(bytes, limits)).rejects.toMatchObject({ code: "unreadable" });
  });

  test("attachments past MAX_ATTACHMENTS are left out and named in a note", () => {
    const attachments = Array.from({ length: 5 }, (_, i) => ({
      name: `a${i}.txt`,
      bytes: new Uint8Array([65]),
    }));
    const parsed = messageDocument(
      { plain: "Hi", metadata: {}, attachments },
      { ...limits, maxAttachments: 3 },
    );
    expect(parsed.attachments?.map((a) => a.name)).toEqual(["a0.txt", "a1.txt", "a2.txt"]);
    expect(parsed.warnings).toEqual([
      "2 of the 5 attachments were not read, over the limit of 3 per message (MAX_ATTACHMENTS): a3.txt, a4.txt",
    ]);
  });
});

describe("scans", () => {
  /** A little-endian TIFF whose IFDs (width, height only) chain as `next` says. */
  function tiff(sizes: [number, number][], loop = false): Uint8Array {
    const out = Buffer.alloc(8 + sizes.length * 30);
    out.write("II*\0", 0, "latin1");
    out.writeUInt32LE(8, 4);
    sizes.forEach(([w, h], i) => {
      const at = 8 + i * 30;
      out.writeUInt16LE(2, at);
      out.writeUInt16LE(256, at + 2);
      out.writeUInt16LE(4, at + 4);
      out.writeUInt32LE(1, at + 6);
      out.writeUInt32LE(w, at + 10);
      out.writeUInt16LE(257, at + 14);
      out.writeUInt16LE(3, at + 16);
      out.writeUInt32LE(1, at + 18);
      out.writeUInt16LE(h, at + 22);
      const last = i === sizes.length - 1;
      out.writeUInt32LE(last ? (loop ? 8 : 0) : at + 30, at + 26);
    });
    return out;
  }

  test("a TIFF's pages and their sizes come from its directory chain; a loop is damage", () => {
    expect(
      tiffPages(
        tiff([
          [2480, 3508],
          [1700, 2200],
        ]),
      ),
    ).toEqual([
      { width: 2480, height: 3508 },
      { width: 1700, height: 2200 },
    ]);
    expect(refusalOf(() => tiffPages(tiff([[10, 10]], true))).message).toMatch(/page list is broken/);
  });

  test("a TIFF with more pages than MAX_PAGES is refused before any page is read", async () => {
    const many = tiff(Array.from({ length: 6 }, () => [100, 100] as [number, number]));
    await expect(readerFor("tiff").read(many, { ...limits, maxPages: 5 })).rejects.toMatchObject({
      code: "too_many_pages",
    });
  });

  test("PNG and JPEG sizes from their headers", () => {
    const png = Buffer.alloc(24);
    png.write("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 0, "latin1");
    png.writeUInt32BE(3000, 16);
    png.writeUInt32BE(4000, 20);
    expect(imageSize(png, "png")).toEqual({ width: 3000, height: 4000 });
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x0d, 0xb4, 0x09, 0xb0, 1,
    ]);
    expect(imageSize(jpeg, "jpeg")).toEqual({ width: 0x09b0, height: 0x0db4 });
  });

  test("OCR reads a page again with the language its words are in first", () => {
    const spanish =
      "La arrendataria podra rescindir el contrato con un preaviso de noventa dias para la entrega";
    expect(dominantLanguage(spanish, ["eng", "spa"])).toBe("spa");
    expect(
      dominantLanguage("The Supplier shall deliver the goods to the warehouse of the Buyer", ["eng", "spa"]),
    ).toBe("eng");
    expect(dominantLanguage("12 345 678", ["eng", "spa"])).toBeNull();
  });
});

describe("OpenDocument text and bookmarks", () => {
  test("content.xml paragraphs become lines and headings # lines at their outline level", () => {
    const xml =
      '<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>' +
      '<text:h text:outline-level="1">Termination</text:h><text:p>Either party may<text:s text:c="2"/>terminate.</text:p>' +
      '<text:h text:outline-level="2">Notice</text:h><text:p>By<text:tab/>registered mail.</text:p>' +
      "</office:text></office:body></office:document-content>";
    expect(odtText(xml)).toBe("# Termination\nEither party may  terminate.\n## Notice\nBy\tregistered mail.");
  });

  test("PDF bookmarks give sections to the lines they name, at their level", () => {
    const outline = flattenOutline([
      { title: "Definitions" },
      { title: "Termination", items: [{ title: "8.2 Termination for Convenience" }] },
    ]);
    expect(outline).toEqual([
      { title: "Definitions", level: 1 },
      { title: "Termination", level: 1 },
      { title: "8.2 Termination for Convenience", level: 2 },
    ]);
    const text = [
      "Definitions",
      "Words have the meanings given to them here.",
      "Termination",
      "8.2 Termination for Convenience",
      "Either party may terminate on ninety days notice.",
    ].join("\n");
    const chunks = chunkPages([{ page: 1, text, source: "text-layer" }], {
      countTokens: words,
      targetTokens: 12,
      minTokens: 1,
      maxTokens: 200,
      outline,
    });
    expect(chunks.find((c) => c.text.includes("ninety days"))?.section).toBe(
      "Termination > 8.2 Termination for Convenience",
    );
    expect(chunks.find((c) => c.text.includes("meanings"))?.section).toBe("Definitions");
  });
});

describe("office files without LibreOffice", () => {
  test("RTF: paragraphs as lines, code-page bytes and \\u characters decoded, font tables and fields' codes left out", () => {
    const rtf = [
      "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times New Roman;}}{\\*\\generator Writer;}",
      "{\\pard\\b 8. Terminaci\\'f3n\\b0\\par}",
      "{\\pard La penalizaci\\'f3n es de 100 \\'80 por d\\u237?a.\\par}",
      '{\\pard Ver {\\field{\\*\\fldinst HYPERLINK "http://example.com"}{\\fldrslt la web}}.\\tab Fin\\par}}',
    ].join("\n");
    expect(rtfText(rtf)).toBe("8. Terminación\nLa penalización es de 100 € por día.\nVer la web.\tFin");
  });

  test("PPTX: a page per slide, in slide order, paragraphs as lines", () => {
    const slide = (paragraphs: string[]) =>
      strToU8(
        `<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody>${paragraphs
          .map((t) => `<a:p><a:r><a:t>${t}</a:t></a:r></a:p>`)
          .join("")}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
      );
    const pptx = zipSync({
      "ppt/presentation.xml": strToU8("<p:presentation/>"),
      "ppt/slides/slide10.xml": slide(["Pricing", "Ten euros per seat"]),
      "ppt/slides/slide2.xml": slide(["Scope", "Hosting and support"]),
    });
    const parsed = readPptxText(pptx, limits);
    expect(parsed.pages).toEqual([
      { page: 1, text: "Scope\nHosting and support", source: "text-layer" },
      { page: 2, text: "Pricing\nTen euros per seat", source: "text-layer" },
    ]);
  });
});

describe("decompression bombs in the newer ZIP formats", () => {
  const odtHead: Zippable = { mimetype: [strToU8("application/vnd.oasis.opendocument.text"), { level: 0 }] };
  const pptxHead: Zippable = { "ppt/presentation.xml": strToU8("<p:presentation/>") };
  test.each([
    ["odt" as const, odtHead, "content.xml"],
    ["pptx" as const, pptxHead, "ppt/slides/slide1.xml"],
  ])(
    "a .%s that expands past MAX_EXPANDED_BYTES is refused before LibreOffice opens it",
    async (type, head, part) => {
      const bomb = zipSync({ ...head, [part]: [new Uint8Array(4_000_000).fill(0x61), { level: 9 }] });
      expect(detectFileType(bomb, `bomb.${type}`)).toBe(type);
      await expect(
        readerFor(type).read(bomb, {
          ...limits,
          maxExpandedBytes: 1_000_000,
          office: { converter: "/nonexistent/soffice", timeoutMs: 1000 },
        }),
      ).rejects.toMatchObject({ code: "archive_bomb" });
    },
  );
});

describe("OCR_LANGUAGES", () => {
  test("defaults to English and Spanish; a malformed list stops start-up with the fix", () => {
    expect(loadConfig({}).OCR_LANGUAGES).toBe("eng+spa");
    expect(loadConfig({ OCR_LANGUAGES: "spa+eng+chi_sim" }).OCR_LANGUAGES).toBe("spa+eng+chi_sim");
    let error: unknown;
    try {
      loadConfig({ OCR_LANGUAGES: "eng, spa" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /^OCR_LANGUAGES is not valid \(got "eng, spa"\).*e\.g\. OCR_LANGUAGES=eng\+spa/,
    );
  });

  test("a language Tesseract has no data for is named with its package (Tesseract itself would skip it silently)", async () => {
    expect(await ocrLanguagesProblem("eng+spa")).toBeNull();
    expect(await ocrLanguagesProblem("eng+xyz")).toBe(
      "Tesseract has no data for the OCR language xyz named by OCR_LANGUAGES=eng+xyz: install tesseract-ocr-xyz, or leave it out of OCR_LANGUAGES",
    );
  });
});
