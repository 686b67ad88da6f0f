// Outside programs readers run (pdftoppm, tesseract, tiffsplit, LibreOffice): without a shell, with a
// time limit after which the whole process group is killed (LibreOffice starts helpers of its own),
// and one at a time per queue, since each is CPU-bound and the models share the same cores.
import { spawn } from "node:child_process";

/** A queue that runs tasks one after another: `serial()(task)` runs task after every task queued before it. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}

/** Why a program did not finish well. */
export class ToolError extends Error {
  override name = "ToolError";
  constructor(
    message: string,
    /** "missing": not installed; "timeout": killed at the limit; "failed": it exited with an error. */
    readonly reason: "missing" | "timeout" | "failed",
  ) {
    super(message);
  }
}

/** How to run a program. */
export interface ToolOptions {
  /** Kill the program (and everything it started) after this many milliseconds. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Most bytes of standard output kept. */
  maxOutput?: number;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is gone already.
  }
}

/**
 * Run a program in a process group of its own and return its standard output. Rejects with a
 * ToolError: "missing" when it is not installed, "timeout" when it ran past the limit (its whole
 * group is killed), "failed" when it exited with an error (the last line of its standard error).
 */
export function runTool(file: string, args: readonly string[], options: ToolOptions): Promise<string> {
  const maxOutput = options.maxOutput ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, options.timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      if (outBytes < maxOutput) out.push(d);
      outBytes += d.length;
    });
    child.stderr.on("data", (d: Buffer) => {
      err = (err + d.toString("utf8")).slice(-4096);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === "ENOENT"
          ? new ToolError(`${file} is not installed`, "missing")
          : new ToolError(`${file} could not start (${error.code ?? error.message})`, "failed"),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // Helpers it left behind (LibreOffice's) go with it.
      killGroup(child.pid);
      if (timedOut) reject(new ToolError(`it took longer than ${options.timeoutMs / 1000} s`, "timeout"));
      else if (code !== 0) {
        const last = err.trim().split("\n").filter(Boolean).at(-1)?.slice(0, 160);
        reject(new ToolError(`exit ${code ?? signal}${last ? `: ${last}` : ""}`, "failed"));
      } else resolve(Buffer.concat(out).toString("utf8"));
    });
  });
}
