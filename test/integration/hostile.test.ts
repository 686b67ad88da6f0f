// Hostile files: each is refused with its reason (or, when it is only odd, read safely), the worker
// stays up and keeps working, and its peak memory stays bounded through the whole batch.
import { readFileSync } from "node:fs";
import { docxBomb, docxFile } from "../support/documents.js";
import { garbagePdf, lyingCountPdf, millionPagePdf, nestedHtml } from "../support/hostile.js";
import { contractPdf, fillerClauses } from "../support/pdfs.js";
import { startService, type TestService, upload, waitForDocuments } from "../support/service.js";

const MAX_UPLOAD = 8 * 1024 * 1024;
/** Peak resident memory the worker may reach (VmHWM), models included. */
const RSS_LIMIT = 1.5 * 1024 ** 3;

let service: TestService;
/** Name → bytes and the error code each must fail with. */
let files: Record<string, [Uint8Array, string | RegExp]>;
/** A good contract, uploaded after the hostile files to show the worker still ingests. */
let contract: Uint8Array;

beforeAll(async () => {
  // Built before the service starts: making the bomb blocks this process for seconds, long enough
  // for the server to close an idle keep-alive connection under a client that cannot notice.
  contract = await contractPdf({
    title: "SUPPLY AGREEMENT",
    pages: [{ paragraphs: fillerClauses(1, 4, "Supply") }, { paragraphs: fillerClauses(2, 4, "Delivery") }],
  });
  const encrypted = await contractPdf({
    title: "LOCKED",
    pages: [{ paragraphs: fillerClauses(1, 2, "Secret") }],
    userPassword: "hunter2",
  });
  const realDocx = docxFile([{ text: "Heading", style: "Heading1" }, { text: "Body text of the memo." }]);
  files = {
    "truncated.pdf": [contract.subarray(0, Math.floor(contract.length * 0.45)), "pdf_invalid"],
    "encrypted.pdf": [encrypted, "pdf_encrypted"],
    "garbage.pdf": [garbagePdf(256 * 1024, 7), "pdf_invalid"],
    "million-pages.pdf": [millionPagePdf(), "too_many_pages"],
    "bomb.docx": [docxBomb(256 * 1024 * 1024), "archive_bomb"],
    "truncated.docx": [realDocx.subarray(0, Math.floor(realDocx.length / 2)), /unreadable|type_mismatch/],
    "random.xlsx": [
      garbagePdf(4096, 3).map((b, i) => (i < 4 ? [0x50, 0x4b, 3, 4][i]! : b)),
      /type_mismatch|unreadable/,
    ],
    "noise.bin": [garbagePdf(64 * 1024, 11).subarray(64), "unsupported_type"],
    "empty.txt": [new Uint8Array(0), "empty_file"],
  };
  service = await startService({
    JUDGE_MODEL: "none",
    UPLOAD_MAX_BYTES: String(MAX_UPLOAD),
    MAX_EXPANDED_BYTES: String(64 * 1024 * 1024),
    MAX_PAGES: "5000",
    WORKER_CONCURRENCY: "2",
  });
}, 300_000);

afterAll(async () => {
  await service?.stop();
});

/** Peak and current resident memory of a process, in bytes, from /proc. */
function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { peak: kb("VmHWM"), now: kb("VmRSS") };
}

type View = { id: string; status: string; error?: string; error_code?: string; pages: number | null };

test("hostile files are refused with their reasons; the worker survives with bounded memory", async () => {
  const baseline = memoryOf(service.workerPid()!);

  const res = await upload(service, Object.fromEntries(Object.entries(files).map(([n, [b]]) => [n, b])));
  expect(res.status).toBe(202);
  const accepted = (await res.json()) as { documents: { id: string; name: string }[] };
  expect(accepted.documents).toHaveLength(Object.keys(files).length);

  // Odd but harmless: a PDF whose page count lies (pdf.js counts the real page) and HTML nested 100,000 deep.
  const odd = await upload(service, {
    "lying-count.pdf": lyingCountPdf(),
    "nested.html": nestedHtml(100_000, "The deep sentence survives the nesting."),
  });
  const oddIds = ((await odd.json()) as { documents: { id: string }[] }).documents.map((d) => d.id);

  // Over the size cap: refused before it is stored, with the reason.
  const big = await upload(service, { "big.txt": new Uint8Array(MAX_UPLOAD + 1).fill(0x61) });
  expect(big.status).toBe(413);
  const bigBody = (await big.json()) as { error: { code: string; message: string } };
  expect(bigBody.error.code).toBe("file_too_large");
  expect(bigBody.error.message).toMatch(/UPLOAD_MAX_BYTES/);

  const done = (await waitForDocuments(
    service,
    accepted.documents.map((d) => d.id),
    300_000,
  )) as unknown as View[];
  const byName = new Map(accepted.documents.map((d, i) => [d.name, done[i]!]));
  for (const [name, [, code]] of Object.entries(files)) {
    const view = byName.get(name)!;
    expect({ name, status: view.status }).toEqual({ name, status: "failed" });
    if (typeof code === "string") expect({ name, code: view.error_code }).toEqual({ name, code });
    else expect(view.error_code).toMatch(code);
    // A reason in plain words, never a path or a stack.
    expect(view.error).toMatch(/:/);
    expect(view.error).not.toMatch(/\/tmp\/|\/work\/|node_modules|\bat \S+ \(/);
  }
  expect(byName.get("million-pages.pdf")!.error).toMatch(/1,000,000 pages/);

  const [lying, nested] = (await waitForDocuments(service, oddIds, 300_000)) as unknown as View[];
  expect(lying).toMatchObject({ status: "ready", pages: 1 });
  expect(nested!.status).toBe("ready");
  const page = (await (await service.request(`/v1/documents/${nested!.id}/pages/1`)).json()) as {
    text: string;
  };
  expect(page.text).toMatch(/The deep sentence survives the nesting\./);

  // The worker is the same process, still up, and still ingests.
  expect(service.workerAlive()).toBe(true);
  const after = await upload(service, { "after.pdf": contract });
  const afterId = ((await after.json()) as { documents: { id: string }[] }).documents[0]!.id;
  const [afterView] = (await waitForDocuments(service, [afterId], 300_000)) as unknown as View[];
  expect(afterView!.status).toBe("ready");
  expect((await service.request("/healthz")).status).toBe(200);

  const memory = memoryOf(service.workerPid()!);
  process.stderr.write(
    `hostile batch: worker peak RSS ${(memory.peak / 1024 ** 2).toFixed(0)} MB (after start-up ${(baseline.peak / 1024 ** 2).toFixed(0)} MB, now ${(memory.now / 1024 ** 2).toFixed(0)} MB)\n`,
  );
  expect(memory.peak).toBeLessThan(RSS_LIMIT);
}, 900_000);
