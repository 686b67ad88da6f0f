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

/** The central directory: what a ZIP reader (JSZip inside mammoth, too) goes by. */
function centralDirectory(bytes: Uint8Array, format: string): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  const inside = (at: number, length: number) => at >= 0 && at + length <= bytes.length;

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged(format, "no ZIP directory at its end");
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && inside(eocd - 20, 20) && u32(eocd - 20) === 0x07064b50) {
    const z64 = u64(eocd - 20 + 8);
    if (!inside(z64, 56) || u32(z64) !== 0x06064b50) throw damaged(format, "broken ZIP64 directory");
    count = u64(z64 + 32);
    offset = u64(z64 + 48);
  }
  if (count > MAX_ENTRIES) {
    throw new PermanentIngestError(
      "archive_bomb",
      `the ${format} file holds ${count.toLocaleString("en")} files, more than any real document (${MAX_ENTRIES.toLocaleString("en")}): it looks like a decompression bomb; upload the original document instead`,
    );
  }
  const entries: Entry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (!inside(at, 46) || u32(at) !== 0x02014b50) throw damaged(format, "broken ZIP directory");
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    if (!inside(at + 46, nameLength + extraLength)) throw damaged(format, "broken ZIP directory");
    const entry: Entry = {
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: u16(at + 10),
      flags: u16(at + 8),
      compressed: u32(at + 20),
      declared: u32(at + 24),
      local: u32(at + 42),
    };
    // ZIP64 extra field: the 64-bit values of the fields saturated at 0xFFFFFFFF, in this order.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(x);
      const size = u16(x + 2);
      if (id === 0x0001) {
        let field = x + 4;
        for (const key of ["declared", "compressed", "local"] as const) {
          if (entry[key] === 0xffffffff && field + 8 <= x + 4 + size) {
            entry[key] = u64(field);
            field += 8;
          }
        }
      }
      x += 4 + size;
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + u16(at + 32);
  }
  return entries;
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept = new Map<string, Uint8Array>();
  let total = 0;
  for (const entry of centralDirectory(bytes, format)) {
    if (entry.flags & 1) throw damaged(format, `"${entry.name}" is encrypted`);
    if (entry.local + 30 > bytes.length || view.getUint32(entry.local, true) !== 0x04034b50) {
      throw damaged(format, `"${entry.name}" is missing`);
    }
    const start =
      entry.local + 30 + view.getUint16(entry.local + 26, true) + view.getUint16(entry.local + 28, true);
    if (start + entry.compressed > bytes.length) throw damaged(format, `"${entry.name}" is cut short`);
    const data = bytes.subarray(start, start + entry.compressed);
    const budget = limits.maxExpandedBytes - total;
    const ratioCap = Math.max(RATIO_FLOOR, MAX_RATIO * entry.compressed);
    const cap = Math.min(budget, ratioCap);
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (entry.method === 0) {
      size = data.length;
      if (keep(entry.name)) chunks.push(data);
    } else if (entry.method === 8) {
      const wanted = keep(entry.name);
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
    } else {
      throw damaged(
        format,
        `"${entry.name}" uses compression method ${entry.method}, which Office files never use`,
      );
    }
    if (size > cap && ratioCap < budget) {
      throw new PermanentIngestError(
        "archive_bomb",
        `"${entry.name}" inside the ${format} file expands more than ${MAX_RATIO} times its packed size (past ${mb(ratioCap)} from ${mb(entry.compressed)}), which real documents never do: it looks like a decompression bomb; upload the original document instead`,
      );
    }
    if (size > cap) {
      throw new PermanentIngestError(
        "archive_bomb",
        `the ${format} file (${mb(bytes.length)}) expands to more than ${mb(limits.maxExpandedBytes)} when unpacked, the limit MAX_EXPANDED_BYTES sets: it looks like a decompression bomb; upload the original document, or raise MAX_EXPANDED_BYTES if the file is genuine`,
      );
    }
    // A size in the headers that differs from what the data holds is damage, or a trap for readers that trust it.
    if (size !== entry.declared) throw damaged(format, `"${entry.name}" is not the size its header says`);
    total += size;
    if (chunks.length > 0 || keep(entry.name)) kept.set(entry.name, concat(chunks, size));
  }
  return kept;
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
