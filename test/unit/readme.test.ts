// The README is part of the product: its configuration table and its commands must stay true.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ConfigSchema } from "../../schemas/config.js";
import { configTable } from "../../scripts/lib/config-table.js";
import { CONFIG_FILE_VARIABLE } from "../../src/config/index.js";

const readme = readFileSync("README.md", "utf8");
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };

describe("README", () => {
  test("the configuration table is the one generated from schemas/config.ts", () => {
    expect(readme).toContain(configTable());
  });

  test("every environment variable the code reads is documented", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "src", "workers", "ingestion", "schemas", "scripts", "bench"],
      {
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter((f) => /\.(ts|js)$/.test(f));
    const read = new Set([CONFIG_FILE_VARIABLE, ...Object.keys(ConfigSchema.shape)]);
    for (const file of files)
      for (const m of readFileSync(file, "utf8").matchAll(
        /process\.env\.([A-Z][A-Z0-9_]+)|\benv\.([A-Z][A-Z0-9_]+)/g,
      ))
        read.add((m[1] ?? m[2])!);
    expect(read.size).toBeGreaterThan(20);
    const missing = [...read].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
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
