// The E5S1 → GGUF repacking: the precompiled charsmap read back the way llama.cpp reads it, and a small
// synthetic container parsed, padded and written with its 4-bit blocks untouched.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCharsmap } from "../../scripts/lib/charsmap.js";
import { convertE5ToGguf, ggufVocab, parseE5Container, tensorLayout } from "../../scripts/lib/convert-e5.js";

/**
 * llama.cpp's reader of a precompiled charsmap (llm_tokenizer_ugm_session::normalize_prefix), ported:
 * the replacement of the longest key at `offset` and the bytes it consumed, or null. Throws, as
 * llama.cpp does, when a walk leaves the array.
 */
function lookup(charsmap: Uint8Array, input: Uint8Array, offset: number) {
  const view = Buffer.from(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength);
  const trieBytes = view.readUInt32LE(0);
  const unit = (i: number) => {
    if (i * 4 >= trieBytes) throw new Error("Index out of array bounds in XCDA array!");
    return view.readUInt32LE(4 + i * 4);
  };
  const base = (i: number) => (unit(i) >>> 10) << ((unit(i) & (1 << 9)) >>> 6);
  let node = base(0);
  let length = 0;
  let value = 0;
  for (let p = offset; p < input.length && input[p] !== 0; p++) {
    const c = input[p]!;
    node ^= c;
    if ((unit(node) & (0x80000000 | 0xff)) >>> 0 !== c) break;
    const leaf = (unit(node) >>> 8) & 1;
    node ^= base(node);
    if (leaf) {
      length = p - offset + 1;
      value = unit(node) & 0x7fffffff;
    }
  }
  if (length === 0) return null;
  const strings = view.subarray(4 + trieBytes);
  return {
    replacement: strings.subarray(value, strings.indexOf(0, value)).toString("utf8"),
    consumed: length,
  };
}

describe("precompiled charsmap", () => {
  // A deterministic spread of code points of every UTF-8 length, replaced by 0–3 code points.
  const map = new Map<number, number[]>();
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < 3000; i++) {
    const cp = [
      0x20 + (next() % 0x60),
      0x80 + (next() % 0x780),
      0x800 + (next() % 0xd000),
      0x10000 + (next() % 0x2000),
    ][i % 4]!;
    map.set(
      cp,
      Array.from({ length: next() % 4 }, () => 0x41 + (next() % 26)),
    );
  }
  map.set(0xfb01, [0x66, 0x69]); // ﬁ → fi
  map.set(0x00a0, [0x20]); // no-break space → space
  const charsmap = buildCharsmap(map);

  test("every key is found with its replacement, consuming its whole UTF-8 character", () => {
    for (const [cp, out] of map) {
      const bytes = Buffer.from(`${String.fromCodePoint(cp)}z`, "utf8");
      expect(lookup(charsmap, bytes, 0)).toEqual({
        replacement: String.fromCodePoint(...out),
        consumed: bytes.length - 1,
      });
    }
    expect(lookup(charsmap, Buffer.from("ﬁnal"), 0)).toEqual({ replacement: "fi", consumed: 3 });
  });

  test("code points that are not keys are left alone", () => {
    const changed: number[] = [];
    for (let cp = 0x20; cp < 0x3000; cp++) {
      if (map.has(cp) || (cp >= 0xd800 && cp <= 0xdfff)) continue;
      if (lookup(charsmap, Buffer.from(String.fromCodePoint(cp), "utf8"), 0) !== null) changed.push(cp);
    }
    expect(changed).toEqual([]);
  });

  test("no byte sequence walks out of the array (llama.cpp would throw mid-tokenisation)", () => {
    const inputs = Array.from({ length: 20000 }, () =>
      Uint8Array.from({ length: 1 + (next() % 6) }, () => 1 + (next() % 255)),
    );
    expect(() => {
      for (const bytes of inputs) lookup(charsmap, bytes, 0);
    }).not.toThrow();
  });
});

/** A tiny E5S1 container: 1 layer, 32-d, 6 pieces in 8 embedding rows, 4-bit blocks of known bytes. */
function tinyContainer(): { bytes: Buffer; q4: Buffer } {
  const H = 32;
  const FF = 64;
  const parts: Buffer[] = [];
  const i32 = (...v: number[]) => parts.push(Buffer.from(Int32Array.from(v).buffer));
  const u32 = (...v: number[]) => parts.push(Buffer.from(Uint32Array.from(v).buffer));
  parts.push(Buffer.from("E5S1"));
  u32(1);
  i32(H, 1, 1, FF, 8, 4, 2);
  parts.push(Buffer.from(Float32Array.of(1e-12).buffer));
  i32(32);
  const pieces = ["<s>", "<pad>", "</s>", "<unk>", "\u2581a", "<mask>"];
  const blob = Buffer.from(pieces.join(""), "utf8");
  i32(pieces.length, 0, 2, 1, 3);
  parts.push(Buffer.from(BigUint64Array.of(BigInt(blob.length)).buffer));
  let off = 0;
  u32(0, ...pieces.map((p) => (off += Buffer.byteLength(p))));
  parts.push(Buffer.from(Float32Array.of(0, 0, 0, 0, -3.5, 0).buffer));
  parts.push(blob);
  const norm = Buffer.concat([
    Buffer.from(Uint32Array.of(0xa0).buffer),
    Buffer.of(1),
    Buffer.from(Uint32Array.of(0x20).buffer),
  ]);
  i32(1);
  u32(norm.length);
  parts.push(norm);
  // Tensors: Q4_0 rows for 2-D weights, float32 for the rest, data after the directory.
  const shapes: [string, number, number][] = [
    ["emb.word", 8, H],
    ["emb.pos", 4, H],
    ["emb.type", 2, H],
    ["emb.ln.w", 1, H],
    ["emb.ln.b", 1, H],
  ];
  for (const [s, rows, cols] of [
    ["q", H, H],
    ["k", H, H],
    ["v", H, H],
    ["ao", H, H],
    ["aln", 1, H],
    ["fi", FF, H],
    ["fo", H, FF],
    ["oln", 1, H],
  ] as const) {
    shapes.push([`l0.${s}.w`, rows, cols], [`l0.${s}.b`, 1, rows === 1 ? H : rows]);
  }
  const isQ4 = (name: string, rows: number) => rows > 1 && name !== "emb.pos" && name !== "emb.type";
  const datas = shapes.map(([name, rows, cols]) =>
    isQ4(name, rows)
      ? Buffer.from(
          Array.from({ length: ((rows * cols) / 32) * 18 }, (_, i) => (i * 31 + name.length) & 0xff),
        )
      : Buffer.from(Float32Array.from({ length: rows * cols }, (_, i) => i / 10).buffer),
  );
  const dirLength = 4 + shapes.reduce((n, [name]) => n + 2 + name.length + 1 + 4 + 8 + 8, 0);
  let dataOffset = parts.reduce((n, b) => n + b.length, 0) + dirLength;
  i32(shapes.length);
  shapes.forEach(([name, rows, cols], k) => {
    const head = Buffer.alloc(2 + name.length + 1 + 4 + 8 + 8);
    head.writeUInt16LE(name.length, 0);
    head.write(name, 2, "utf8");
    head[2 + name.length] = isQ4(name, rows) ? 1 : 0;
    head.writeUInt32LE(rows * cols, 3 + name.length);
    head.writeBigUInt64LE(BigInt(dataOffset), 7 + name.length);
    head.writeBigUInt64LE(BigInt(datas[k]!.length), 15 + name.length);
    parts.push(head);
    dataOffset += datas[k]!.length;
  });
  return { bytes: Buffer.concat([...parts, ...datas]), q4: datas[0]! };
}

describe("E5S1 container → GGUF", () => {
  test("the header, vocabulary and normalisation map are read as written", () => {
    const { header, vocab, tensors } = parseE5Container(tinyContainer().bytes);
    expect(header).toMatchObject({
      hidden: 32,
      layers: 1,
      ffn: 64,
      vocabRows: 8,
      positions: 4,
      tokenTypes: 2,
    });
    expect(vocab.pieces).toEqual(["<s>", "<pad>", "</s>", "<unk>", "\u2581a", "<mask>"]);
    expect(vocab.scores[4]).toBeCloseTo(-3.5);
    expect(vocab.normalization.get(0xa0)).toEqual([0x20]);
    expect(tensors.size).toBe(tensorLayout(header).size);
  });

  test("the vocabulary is padded to the embedding rows with unused tokens; specials are control", () => {
    const { tokens, scores, types } = ggufVocab(parseE5Container(tinyContainer().bytes));
    expect(tokens).toEqual(["<s>", "<pad>", "</s>", "<unk>", "\u2581a", "<mask>", "[PAD6]", "[PAD7]"]);
    expect(types).toEqual([3, 3, 3, 2, 1, 3, 5, 5]);
    expect(Array.from(scores.slice(5))).toEqual([0, -10000, -10000]);
  });

  test("the 4-bit token embedding is copied byte for byte into the GGUF", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cited-e5-"));
    const { bytes, q4 } = tinyContainer();
    writeFileSync(join(dir, "tiny.bin"), bytes);
    await convertE5ToGguf(join(dir, "tiny.bin"), join(dir, "tiny.gguf"), "tiny");
    const gguf = readFileSync(join(dir, "tiny.gguf"));
    expect(gguf.subarray(0, 4).toString()).toBe("GGUF");
    expect(gguf.indexOf(q4)).toBeGreaterThan(0);
    expect(gguf.includes(Buffer.from("tokenizer.ggml.precompiled_charsmap"))).toBe(true);
  });

  test("a file that is not a container, or is cut short, gets an error that says so", () => {
    const { bytes } = tinyContainer();
    expect(() => parseE5Container(Buffer.from("GGUF0000"))).toThrow("not an E5S1 container");
    expect(() => parseE5Container(bytes.subarray(0, 200))).toThrow("truncated");
    expect(() => parseE5Container(bytes.subarray(0, bytes.length - 10))).toThrow("past the end");
  });
});
