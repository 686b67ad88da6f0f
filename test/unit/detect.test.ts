import { detectFileType } from "../../ingestion/detect.js";
import type { PermanentIngestError } from "../../ingestion/errors.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const refused = (b: Uint8Array, name: string) => {
  try {
    detectFileType(b, name);
  } catch (e) {
    return e as PermanentIngestError;
  }
  throw new Error(`${name} was accepted`);
};

describe("file type from bytes", () => {
  test.each([
    ["%PDF-1.7\n...", "contract.bin", "pdf"],
    ["# Notes\n\nSome text", "notes.md", "markdown"],
    ["<!DOCTYPE html><html><body>x</body></html>", "page.txt", "html"],
    ["From: a@example.com\nSubject: Hi\n\nBody", "mail.eml", "eml"],
    ["a,b\n1,2\n", "table.csv", "csv"],
    ["Just plain words.", "readme", "text"],
  ])("%j named %s is %s", (content, name, type) => {
    expect(detectFileType(bytes(content), name)).toBe(type);
  });

  test("a zip with word/document.xml is DOCX, whatever its name", () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...bytes("....word/document.xml....")]);
    expect(detectFileType(zip, "letter.zip")).toBe("docx");
  });

  test("text named .pdf is refused as mislabelled, with what it really is", () => {
    const e = refused(bytes("These are meeting notes."), "minutes.pdf");
    expect(e.code).toBe("type_mismatch");
    expect(e.message).toMatch(/named \.pdf but is not a PDF \(its content is plain text\)/);
  });

  test("an empty file and unknown binary are refused with their reasons", () => {
    expect(refused(new Uint8Array(0), "x.pdf").code).toBe("empty_file");
    const e = refused(new Uint8Array([0x00, 0xff, 0x10, 0x80, 0x00, 0x01]), "blob.dat");
    expect(e.code).toBe("unsupported_type");
    expect(e.message).toMatch(/Cited reads PDF, Word \(\.docx, \.doc\)/);
  });
});
