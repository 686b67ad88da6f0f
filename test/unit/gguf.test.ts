import { mapTensorName } from "../../scripts/lib/convert-bert.js";
import { toHalfBits, toQ8_0Bytes } from "../../scripts/lib/gguf-writer.js";

describe("GGUF conversion helpers", () => {
  test.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [0.333333, 0x3555],
  ])("float %d → half 0x%s", (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  test("Q8_0 stores a scale and 32 rounded int8 values per block", () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => (i - 16) / 4);
    const out = Buffer.from(toQ8_0Bytes(values));
    expect(out.length).toBe(34);
    const scale = 4 / 127; // max |x| / 127
    expect(Math.abs(out.readUInt16LE(0) - toHalfBits(scale))).toBe(0);
    expect(out.readInt8(2)).toBe(-127);
    expect(out.readInt8(2 + 16)).toBe(0);
    expect(out.readInt8(2 + 20)).toBe(Math.round(1 / scale));
  });

  test("BERT tensor names map to llama.cpp's and the pooler is dropped", () => {
    expect(mapTensorName("encoder.layer.3.attention.self.query.weight")).toBe("blk.3.attn_q.weight");
    expect(mapTensorName("bert.embeddings.LayerNorm.gamma")).toBe("token_embd_norm.weight");
    expect(mapTensorName("encoder.layer.0.output.LayerNorm.bias")).toBe("blk.0.layer_output_norm.bias");
    expect(mapTensorName("pooler.dense.weight")).toBeNull();
  });
});
