// A minimal GGUF v3 writer: enough to write a BERT encoder for llama.cpp (F32/F16/Q8_0/Q4_0 tensors,
// scalar, string and array metadata). Layout per https://github.com/ggml-org/ggml/blob/master/docs/gguf.md.
import { open } from "node:fs/promises";

const ALIGNMENT = 32;

/** GGUF metadata value types. */
export const GgufType = {
  UINT8: 0,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
} as const;

/** ggml tensor element types this writer produces. */
export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

export type GgufValue =
  | { type: typeof GgufType.UINT32 | typeof GgufType.INT32 | typeof GgufType.FLOAT32; value: number }
  | { type: typeof GgufType.BOOL; value: boolean }
  | { type: typeof GgufType.STRING; value: string }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.STRING; value: string[] }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.INT32; value: number[] }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.FLOAT32; value: ArrayLike<number> }
  | { type: typeof GgufType.ARRAY; itemType: typeof GgufType.UINT8; value: Uint8Array };

export interface GgufTensor {
  /** llama.cpp tensor name, e.g. "blk.0.attn_q.weight". */
  name: string;
  /** Shape in GGUF order (innermost dimension first), i.e. the reverse of the PyTorch shape. */
  dims: number[];
  type: GgmlTypeId;
  /** Raw little-endian bytes of the tensor in `type`. */
  data: Uint8Array;
}

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(buf: Buffer): void {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(to: number): void {
    const rem = this.length % to;
    if (rem !== 0) this.push(Buffer.alloc(to - rem));
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  sink.u32(v.type);
  switch (v.type) {
    case GgufType.UINT32:
      sink.u32(v.value);
      return;
    case GgufType.INT32:
      sink.i32(v.value);
      return;
    case GgufType.FLOAT32:
      sink.f32(v.value);
      return;
    case GgufType.BOOL:
      sink.push(Buffer.from([v.value ? 1 : 0]));
      return;
    case GgufType.STRING:
      sink.str(v.value);
      return;
    case GgufType.ARRAY:
      sink.u32(v.itemType);
      sink.u64(v.value.length);
      if (v.itemType === GgufType.STRING) for (const s of v.value) sink.str(s);
      else if (v.itemType === GgufType.INT32) for (const n of v.value) sink.i32(n);
      else if (v.itemType === GgufType.FLOAT32) sink.push(Buffer.from(Float32Array.from(v.value).buffer));
      else sink.push(Buffer.from(v.value));
      return;
  }
}

/** Write a GGUF v3 file with the given metadata (in order) and tensors (in order). */
export async function writeGguf(path: string, metadata: [string, GgufValue][], tensors: GgufTensor[]) {
  const head = new ByteSink();
  head.push(Buffer.from("GGUF", "ascii"));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.str(key);
    writeValue(head, value);
  }
  let offset = 0;
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset += t.data.length;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  head.pad(ALIGNMENT);

  const file = await open(path, "w");
  try {
    await file.write(head.concat());
    for (const t of tensors) {
      await file.write(t.data);
      const rem = t.data.length % ALIGNMENT;
      if (rem !== 0) await file.write(Buffer.alloc(ALIGNMENT - rem));
    }
  } finally {
    await file.close();
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even (as numpy's astype(float16)). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1; // a carry into the exponent is still correct
  return sign | h;
}

/** Convert a float32 array to F16 bytes. */
export function toF16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return new Uint8Array(out.buffer);
}

/**
 * Quantize float32 values to Q8_0 blocks (32 values: an F16 scale, then 32 int8), bit-exact with
 * ggml's reference quantize_row_q8_0 (float32 arithmetic, round half away from zero).
 */
export function toQ8_0Bytes(values: Float32Array): Uint8Array {
  const BLOCK = 32;
  if (values.length % BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${BLOCK} values`);
  const out = Buffer.alloc((values.length / BLOCK) * (2 + BLOCK));
  const fr = Math.fround;
  for (let b = 0, o = 0; b < values.length; b += BLOCK, o += 2 + BLOCK) {
    let amax = 0;
    for (let i = 0; i < BLOCK; i++) amax = Math.max(amax, Math.abs(values[b + i]!));
    const d = fr(amax / 127);
    const id = d === 0 ? 0 : fr(1 / d);
    out.writeUInt16LE(toHalfBits(d), o);
    for (let i = 0; i < BLOCK; i++) {
      const x = fr(values[b + i]! * id);
      out.writeInt8(Math.sign(x) * Math.round(Math.abs(x)), o + 2 + i);
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
