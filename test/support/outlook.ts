// Outlook .msg files for tests, written with SheetJS's cfb (an OLE2 compound file writer): the MAPI
// property streams of [MS-OXMSG] — strings as __substg1.0_<tag>001F (UTF-16LE), fixed-size values in
// __properties_version1.0, recipients and attachments in storages of their own.
import CFB from "cfb";

/** A file attached to a message. */
export interface MsgAttachment {
  name: string;
  bytes: Uint8Array;
}

const utf16 = (s: string) => Buffer.from(s, "utf16le");

/** A property stream: its header (32 bytes at the top level, 8 below), then 16-byte entries. */
function properties(headerBytes: number, entries: [tag: number, value: bigint][]): Buffer {
  const out = Buffer.alloc(headerBytes + 16 * entries.length);
  entries.forEach(([tag, value], i) => {
    const at = headerBytes + 16 * i;
    out.writeUInt32LE(tag >>> 0, at);
    out.writeUInt32LE(6, at + 4); // readable and writable
    out.writeBigUInt64LE(value, at + 8);
  });
  return out;
}

/** A FILETIME: 100-ns intervals since 1601. */
const filetime = (date: Date) => BigInt(date.getTime() + 11_644_473_600_000) * 10_000n;

/**
 * An Outlook message with one recipient and these attachments, and a plain-text body — or, with
 * `html`, only an HTML body of those bytes in the code page `codePage` says (PidTagInternetCodepage).
 */
export function msgFile(spec: {
  subject: string;
  from: { name: string; email: string };
  to: { name: string; email: string };
  date: Date;
  body: string;
  attachments: MsgAttachment[];
  html?: Uint8Array;
  codePage?: number;
}): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  const add = (path: string, content: Buffer | Uint8Array) => CFB.utils.cfb_add(cfb, path, content);
  const fixed: [number, bigint][] = [[0x0e060040, filetime(spec.date)]];
  if (spec.codePage) fixed.push([0x3fde0003, BigInt(spec.codePage)]);
  const top = properties(32, fixed);
  top.writeUInt32LE(1, 8); // next recipient id
  top.writeUInt32LE(spec.attachments.length, 12); // next attachment id
  top.writeUInt32LE(1, 16); // recipient count
  top.writeUInt32LE(spec.attachments.length, 20); // attachment count
  add("/__properties_version1.0", top);
  add("/__substg1.0_001A001F", utf16("IPM.Note"));
  add("/__substg1.0_0037001F", utf16(spec.subject));
  if (spec.html) add("/__substg1.0_10130102", spec.html);
  else add("/__substg1.0_1000001F", utf16(spec.body));
  add("/__substg1.0_0C1A001F", utf16(spec.from.name));
  add("/__substg1.0_0C1F001F", utf16(spec.from.email));
  add("/__substg1.0_5D01001F", utf16(spec.from.email));
  add("/__nameid_version1.0/__substg1.0_00020102", Buffer.alloc(0));
  add("/__nameid_version1.0/__substg1.0_00030102", Buffer.alloc(0));
  add("/__nameid_version1.0/__substg1.0_00040102", Buffer.alloc(0));
  const recip = "/__recip_version1.0_#00000000";
  add(`${recip}/__properties_version1.0`, properties(8, [[0x0c150003, 1n]]));
  add(`${recip}/__substg1.0_3001001F`, utf16(spec.to.name));
  add(`${recip}/__substg1.0_39FE001F`, utf16(spec.to.email));
  spec.attachments.forEach((a, i) => {
    const dir = `/__attach_version1.0_#${i.toString(16).toUpperCase().padStart(8, "0")}`;
    add(`${dir}/__properties_version1.0`, properties(8, [[0x37050003, 1n]]));
    add(`${dir}/__substg1.0_3707001F`, utf16(a.name));
    add(`${dir}/__substg1.0_3704001F`, utf16(a.name.slice(0, 12)));
    add(`${dir}/__substg1.0_37010102`, Buffer.from(a.bytes));
  });
  // cfb_new adds a placeholder stream that is not part of a message.
  CFB.utils.cfb_del(cfb, "/\u0001Sh33tJ5");
  return new Uint8Array(CFB.write(cfb, { type: "buffer" }) as Buffer);
}
