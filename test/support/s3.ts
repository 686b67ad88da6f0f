// An S3-compatible server of the test's own for the store on object storage: moto's server (PyPI
// moto[server]), from the venv named by CITED_MOTO_SERVER. It honours conditional PUTs
// (If-None-Match: *), which LanceDB's commits on S3 rely on.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "./sources.js";

/** The moto version .ci/run installs (README, "Store on S3-compatible storage"). */
export const MOTO_VERSION = "5.2.5";

/** A running moto server on 127.0.0.1. */
export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The AWS settings a Cited process needs to reach it. */
  env: Record<string, string>;
  /** Create a bucket (moto takes an unsigned PUT /bucket). */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

function motoServerPath(): string {
  const path = process.env.CITED_MOTO_SERVER;
  if (path && existsSync(path)) return path;
  throw new Error(
    `${path ? `CITED_MOTO_SERVER=${path} does not exist` : "CITED_MOTO_SERVER is not set"}: the S3 tests need moto's server; ` +
      `install it with \`python3 -m venv .venv-s3 && .venv-s3/bin/pip install 'moto[server]==${MOTO_VERSION}'\`, ` +
      "then run `CITED_MOTO_SERVER=.venv-s3/bin/moto_server npm run test:s3`",
  );
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint);
    return true;
  } catch {
    return false;
  }
}

/** Start moto's server on a free port and wait until it answers. */
export async function startS3Server(): Promise<S3Server> {
  const program = motoServerPath();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(program, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  for (let i = 0; i < 300 && proc.exitCode === null && !(await answers(endpoint)); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(endpoint))) {
    proc.kill("SIGKILL");
    throw new Error(`moto_server (${program}) did not answer on ${endpoint}`);
  }
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "cited-test",
      AWS_SECRET_ACCESS_KEY: "cited-test-secret",
    },
    async createBucket(name) {
      const res = await fetch(`${endpoint}/${name}`, { method: "PUT" });
      if (!res.ok)
        throw new Error(`moto refused to create bucket ${name}: ${res.status} ${await res.text()}`);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await gone;
    },
  };
}
