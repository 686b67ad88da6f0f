// Decompression-bomb guard for Office files (DOCX, XLSX, ODT, PPTX are ZIP archives). Sizes written in the
// archive's headers are whatever its author chose, so they are never trusted: every entry is
// really inflated, in small steps, counting the bytes that come out, and the count stops the work
// as soon as it passes a limit. Only then may a library that believes the headers open the file.
import { Inflate } from "fflate";
import { ingestErrors, PermanentIngestError } from "../errors.js";
import type { ReadLimits } from "./types.js";

/** An entry that expands more than this many times its compressed size… */
export const MAX_RATIO = 200;
/** …once past this many bytes, is a bomb: real Office XML compresses 5–30 times. */
export const RATIO_FLOOR = 1024 * 1024;
/** More entries than any real document has. */
const MAX_ENTRIES = 100_000;
/** Compressed bytes fed to the inflater at a time: deflate expands at most ~1,032 times, so one step yields at most ~16 MB. */
const STEP = 16 * 1024;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

const damaged = ingestErrors.damaged;

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressed: number;
  declared: number;
  local: number;
}

/** Little-endian reads over an archive's bytes, and whether a range lies inside it. */
class ArchiveView {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  u64(at: number): number {
    return Number(this.view.getBigUint64(at, true));
  }
  inside(at: number, length: number): boolean {
    return at >= 0 && at + length <= this.bytes.length;
  }
}

/** The central directory: what a ZIP reader (JSZip inside mammoth, too) goes by. */
function centralDirectory(bytes: Uint8Array, format: string): Entry[] {
  const zip = new ArchiveView(bytes);
  const { count, offset } = directoryEnd(zip, format);
  if (count > MAX_ENTRIES) {
    throw new PermanentIngestError(
      "archive_bomb",
      `the ${format} file holds ${count.toLocaleString("en")} files, more than any real document (${MAX_ENTRIES.toLocaleString("en")}): it looks like a decompression bomb; upload the original document instead`,
    );
  }
  const entries: Entry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (!zip.inside(at, 46) || zip.u32(at) !== 0x02014b50) throw damaged(format, "broken ZIP directory");
    const nameLength = zip.u16(at + 28);
    const extraLength = zip.u16(at + 30);
    if (!zip.inside(at + 46, nameLength + extraLength)) throw damaged(format, "broken ZIP directory");
    const entry: Entry = {
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: zip.u16(at + 10),
      flags: zip.u16(at + 8),
      compressed: zip.u32(at + 20),
      declared: zip.u32(at + 24),
      local: zip.u32(at + 42),
    };
    readZip64Extra(zip, entry, at + 46 + nameLength, extraLength);
    entries.push(entry);
    at += 46 + nameLength + extraLength + zip.u16(at + 32);
  }
  return entries;
}

/** The entry count and directory offset from the end-of-directory record (ZIP64's where it saturates). */
function directoryEnd(zip: ArchiveView, format: string): { count: number; offset: number } {
  const length = zip.bytes.length;
  let eocd = -1;
  for (let at = length - 22; at >= Math.max(0, length - 22 - 0xffff); at--) {
    if (zip.u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged(format, "no ZIP directory at its end");
  const count = zip.u16(eocd + 10);
  const offset = zip.u32(eocd + 16);
  const zip64 = (count === 0xffff || offset === 0xffffffff) && zip.inside(eocd - 20, 20);
  if (!zip64 || zip.u32(eocd - 20) !== 0x07064b50) return { count, offset };
  const z64 = zip.u64(eocd - 20 + 8);
  if (!zip.inside(z64, 56) || zip.u32(z64) !== 0x06064b50) throw damaged(format, "broken ZIP64 directory");
  return { count: zip.u64(z64 + 32), offset: zip.u64(z64 + 48) };
}

/** ZIP64 extra field: the 64-bit values of the fields saturated at 0xFFFFFFFF, in this order. */
function readZip64Extra(zip: ArchiveView, entry: Entry, start: number, length: number): void {
  for (let x = start; x + 4 <= start + length; ) {
    const id = zip.u16(x);
    const size = zip.u16(x + 2);
    if (id === 0x0001) {
      let field = x + 4;
      for (const key of ["declared", "compressed", "local"] as const) {
        if (entry[key] === 0xffffffff && field + 8 <= x + 4 + size) {
          entry[key] = zip.u64(field);
          field += 8;
        }
      }
    }
    x += 4 + size;
  }
}

/**
 * Check that a ZIP-based document expands to a sane size before it is opened: refuses with
 * `archive_bomb` when the entries together inflate past `limits.maxExpandedBytes` or one entry
 * inflates more than MAX_RATIO times its compressed size (past RATIO_FLOOR). Damaged archives are
 * refused as `unreadable`. Returns the inflated content of the entries `keep` selects.
 */
export function inspectZip(
  bytes: Uint8Array,
  format: "DOCX" | "XLSX" | "ODT" | "PPTX",
  limits: Pick<ReadLimits, "maxExpandedBytes">,
  keep: (name: string) => boolean = () => false,
): Map<string, Uint8Array> {
  const zip = new ArchiveView(bytes);
  const kept = new Map<string, Uint8Array>();
  let total = 0;
  for (const entry of centralDirectory(bytes, format)) {
    const data = entryData(zip, entry, format);
    const caps: ExpansionCaps = {
      ratioCap: Math.max(RATIO_FLOOR, MAX_RATIO * entry.compressed),
      budget: limits.maxExpandedBytes - total,
      maxExpandedBytes: limits.maxExpandedBytes,
    };
    const cap = Math.min(caps.budget, caps.ratioCap);
    const { size, chunks } = inflateEntry(entry, data, cap, keep(entry.name), format);
    if (size > cap) throw overExpanded(entry, format, bytes.length, caps);
    // A size in the headers that differs from what the data holds is damage, or a trap for readers that trust it.
    if (size !== entry.declared) throw damaged(format, `"${entry.name}" is not the size its header says`);
    total += size;
    if (chunks.length > 0 || keep(entry.name)) kept.set(entry.name, concat(chunks, size));
  }
  return kept;
}

/** An entry's compressed bytes, found through its local header; encrypted or misplaced entries are damage. */
function entryData(zip: ArchiveView, entry: Entry, format: string): Uint8Array {
  if (entry.flags & 1) throw damaged(format, `"${entry.name}" is encrypted`);
  if (entry.local + 30 > zip.bytes.length || zip.u32(entry.local) !== 0x04034b50) {
    throw damaged(format, `"${entry.name}" is missing`);
  }
  const start = entry.local + 30 + zip.u16(entry.local + 26) + zip.u16(entry.local + 28);
  if (start + entry.compressed > zip.bytes.length) throw damaged(format, `"${entry.name}" is cut short`);
  return zip.bytes.subarray(start, start + entry.compressed);
}

/** Inflate an entry in steps, stopping once past `cap`; keeps the output only when `wanted`. */
function inflateEntry(
  entry: Entry,
  data: Uint8Array,
  cap: number,
  wanted: boolean,
  format: string,
): { size: number; chunks: Uint8Array[] } {
  if (entry.method === 0) return { size: data.length, chunks: wanted ? [data] : [] };
  if (entry.method !== 8) {
    throw damaged(
      format,
      `"${entry.name}" uses compression method ${entry.method}, which Office files never use`,
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const inflater = new Inflate((chunk) => {
    size += chunk.length;
    if (wanted && size <= cap) chunks.push(chunk);
  });
  try {
    for (let i = 0; i < data.length && size <= cap; i += STEP) {
      inflater.push(data.subarray(i, i + STEP), i + STEP >= data.length);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch {
    throw damaged(format, `"${entry.name}" does not unpack`);
  }
  return { size, chunks };
}

/** What an entry's inflated size was held to: the ratio cap, what was left of the total, and that total. */
interface ExpansionCaps {
  ratioCap: number;
  budget: number;
  maxExpandedBytes: number;
}

/** The refusal of an entry that inflated past its cap: by ratio when that cap was the lower, else by total size. */
function overExpanded(
  entry: Entry,
  format: string,
  archiveBytes: number,
  caps: ExpansionCaps,
): PermanentIngestError {
  if (caps.ratioCap < caps.budget) {
    return new PermanentIngestError(
      "archive_bomb",
      `"${entry.name}" inside the ${format} file expands more than ${MAX_RATIO} times its packed size (past ${mb(caps.ratioCap)} from ${mb(entry.compressed)}), which real documents never do: it looks like a decompression bomb; upload the original document instead`,
    );
  }
  return new PermanentIngestError(
    "archive_bomb",
    `the ${format} file (${mb(archiveBytes)}) expands to more than ${mb(caps.maxExpandedBytes)} when unpacked, the limit MAX_EXPANDED_BYTES sets: it looks like a decompression bomb; upload the original document, or raise MAX_EXPANDED_BYTES if the file is genuine`,
  );
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
