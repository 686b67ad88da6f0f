// Small DOM helpers. Text always goes in as text nodes, never as HTML.

/** @typedef {string | number | boolean | null | undefined} AttributeValue */
/** What el() takes as a child: a node, text, or nothing (null, undefined and false are skipped). */
/** @typedef {Node | string | number | boolean | null | undefined} Child */

/**
 * The first element matching `selector`, of the given element class (throws if there is none, or it
 * is another kind: the page and the code disagree).
 * @template {Element} [E=HTMLElement]
 * @param {string} selector
 * @param {new () => E} [type] e.g. HTMLInputElement
 * @returns {E}
 */
export function $(selector, type) {
  const found = document.querySelector(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  const expected = type ?? HTMLElement;
  if (!(found instanceof expected)) throw new Error(`element ${selector} is not a ${expected.name}`);
  return /** @type {E} */ (found);
}

/**
 * Create an element with attributes and children (strings become text).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attrs]
 * @param {...(Child | readonly Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/**
 * "1.2 MB"-style sizes.
 * @param {number} bytes
 */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A date and time in the reader's locale.
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/**
 * Comma- or newline-separated words as a list.
 * @param {string} text
 */
export function splitList(text) {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
