// Glob patterns for a source's include/exclude lists, matched against `/`-separated paths relative to
// the source folder, case-insensitively (shares often mix .PDF and .pdf). Like .gitignore: a pattern
// without a `/` matches a name at any depth (`*.pdf`, `drafts`); one with a `/` is anchored at the
// folder (`contracts/**/*.pdf`, `/README.md`). `**` spans folders, `*` and `?` stay within a name,
// `[abc]`/`[!abc]` match one character, `{a,b}` either word. A pattern that matches a folder matches
// everything in it.

/** Why a pattern cannot be used, or null when it can. */
export function globProblem(pattern: string): string | null {
  if (pattern.trim() === "") return "a pattern must not be empty";
  if (pattern.length > 500) return "a pattern may have at most 500 characters";
  if (pattern.includes("\\")) return "use / between folders, not \\";
  if (pattern.split("/").some((part) => part === ".." || part === "."))
    return "a pattern may not contain . or .. as a folder name";
  let brackets = 0;
  let braces = 0;
  for (const c of pattern) {
    if (c === "[") brackets++;
    else if (c === "]") brackets = Math.max(0, brackets - 1);
    else if (c === "{") braces++;
    else if (c === "}") braces--;
    if (braces < 0) return "a } has no {";
  }
  if (brackets > 0) return "a [ is not closed";
  if (braces > 0) return "a { is not closed";
  try {
    globToRegExp(pattern);
  } catch {
    return "not a valid pattern (check the ranges in [ ])";
  }
  return null;
}

function segmentSource(segment: string): string {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = segment.indexOf("]", i + 2);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^/" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else if (c === "{") {
      const end = segment.indexOf("}", i);
      if (end < 0) {
        out += "\\{";
        continue;
      }
      const options = segment.slice(i + 1, end).split(",");
      out += `(?:${options.map(segmentSource).join("|")})`;
      i = end;
    } else out += c.replace(/[.+^$()|\\\]{}]/g, "\\$&");
  }
  return out;
}

/** The regular expression of one pattern (whole path). */
export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().replace(/\/+$/, "");
  const anchored = p.startsWith("/") || p.includes("/");
  p = p.replace(/^\/+/, "");
  const parts = p.split("/").filter((s) => s !== "");
  let source = "";
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === "**") source += last ? "[\\s\\S]*" : "(?:[^/]+/)*";
    else source += segmentSource(part) + (last ? "" : "/");
  });
  return new RegExp(`^${anchored ? "" : "(?:[\\s\\S]*/)?"}${source}$`, "i");
}

/** A list of patterns, compiled once. */
export class GlobList {
  private readonly patterns: RegExp[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map(globToRegExp);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether a path, or a folder it is in, matches one of the patterns. */
  matches(path: string): boolean {
    if (this.patterns.length === 0) return false;
    const parts = path.split("/");
    for (let n = parts.length; n > 0; n--) {
      const candidate = parts.slice(0, n).join("/");
      if (this.patterns.some((re) => re.test(candidate))) return true;
    }
    return false;
  }
}
