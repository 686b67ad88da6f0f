// The README is part of the product: its configuration table and its commands must stay true.
import { readFileSync } from "node:fs";
import { configTable } from "../../scripts/lib/config-table.js";

const readme = readFileSync("README.md", "utf8");
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  test("the configuration table is the one generated from schemas/config.ts", () => {
    expect(readme).toContain(configTable());
  });

  test("every npm script it tells people to run exists", () => {
    const used = [...readme.matchAll(/npm run ([\w:]+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(3);
    for (const script of used) expect(Object.keys(pkg.scripts)).toContain(script);
  });

  test("the quick start is two commands and the test command is npm test", () => {
    const quick = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)![1]!.trim().split("\n");
    expect(quick).toEqual(["npm run setup", "OPEN_MODE=true npm start"]);
    expect(pkg.scripts.setup).toBe("npm ci && npm run models");
    expect(readme).toMatch(/```bash\nnpm test\n```/);
  });
});
