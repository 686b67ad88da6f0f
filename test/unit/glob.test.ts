import { GlobList, globProblem, globToRegExp } from "../../src/lib/glob.js";

const m = (pattern: string, path: string) => new GlobList([pattern]).matches(path);

describe("source include/exclude patterns", () => {
  test("a pattern without / matches a name at any depth, case-insensitively", () => {
    expect(m("*.pdf", "a.pdf")).toBe(true);
    expect(m("*.pdf", "deep/er/A.PDF")).toBe(true);
    expect(m("*.pdf", "a.pdf.txt")).toBe(false);
    expect(m("drafts", "x/drafts/y.docx")).toBe(true);
  });

  test("a pattern with / is anchored at the folder; ** spans folders", () => {
    expect(m("contracts/*.pdf", "contracts/a.pdf")).toBe(true);
    expect(m("contracts/*.pdf", "old/contracts/a.pdf")).toBe(false);
    expect(m("contracts/*.pdf", "contracts/sub/a.pdf")).toBe(false);
    expect(m("contracts/**/*.pdf", "contracts/sub/deeper/a.pdf")).toBe(true);
    expect(m("contracts/**/*.pdf", "contracts/a.pdf")).toBe(true);
    expect(m("**/*.pdf", "a.pdf")).toBe(true);
    expect(m("/README.md", "README.md")).toBe(true);
    expect(m("/README.md", "docs/README.md")).toBe(false);
  });

  test("a pattern that matches a folder matches everything in it", () => {
    expect(m("archive/**", "archive/2019/a.pdf")).toBe(true);
    expect(m("archive", "archive/2019/a.pdf")).toBe(true);
    expect(m("archive/", "archive/2019/a.pdf")).toBe(true);
  });

  test("? [] {} and odd names", () => {
    expect(m("v?.txt", "v1.txt")).toBe(true);
    expect(m("v[0-9].txt", "v7.txt")).toBe(true);
    expect(m("v[!0-9].txt", "v7.txt")).toBe(false);
    expect(m("*.{pdf,docx}", "x.docx")).toBe(true);
    expect(m("*.{pdf,docx}", "x.xlsx")).toBe(false);
    expect(m("it's (1) + more.txt", "it's (1) + more.txt")).toBe(true);
    expect(m("*.txt", "line\nbreak.txt")).toBe(true);
    expect(m("**", "a/line\nbreak/c.txt")).toBe(true);
  });

  test("patterns that cannot work are refused with a reason", () => {
    expect(globProblem("")).toMatch(/empty/);
    expect(globProblem("../x")).toMatch(/\.\./);
    expect(globProblem("a\\b")).toMatch(/\//);
    expect(globProblem("[abc")).toMatch(/not closed/);
    expect(globProblem("{a,b")).toMatch(/not closed/);
    expect(globProblem("[z-a].txt")).toMatch(/not a valid pattern/);
    expect(globProblem("**/*.pdf")).toBeNull();
    expect(() => globToRegExp("a]b}c")).not.toThrow();
  });
});
