// Runs a snippet of TypeScript (an ES module) in a process of its own, as another Cited process would:
// for tests of what several processes do to one file at the same time.
import { spawn } from "node:child_process";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Run `code` with tsx in a new Node process; resolves when it exits 0, rejects with its stderr otherwise. */
export function runModule(code: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`child process exited ${c}: ${err}`))));
  });
}
