// Ingestion end to end with the real parts: API and worker processes, Redis, a LanceDB folder, the
// embedding model, and PDFs written by pdfkit.
import { contractPdf, fillerClauses } from "../support/pdfs.js";
import {
  postJson,
  startService,
  type TestService,
  upload,
  waitForDocuments,
  waitForIndex,
} from "../support/service.js";
import { startPrivateRedis } from "../support/sources.js";

let service: TestService;

beforeAll(async () => {
  service = await startService();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

const PAGE3_SENTENCE =
  "7.4 Audit Rights. The Licensee may audit the Licensor's royalty statements once in each calendar year on thirty days notice.";

function contract(n: number, withPage3Sentence = false) {
  return contractPdf({
    title: `LICENSE AGREEMENT NUMBER ${n}`,
    header: `License Agreement ${n} — Confidential`,
    pages: [
      {
        paragraphs: [
          `This License Agreement number ${n} is made between Northwind Traders and Contoso Ltd.`,
          "1. DEFINITIONS",
          ...fillerClauses(1, 3, "Definition"),
        ],
      },
      {
        paragraphs: ["2. FEES", ...fillerClauses(2, 2, "Payment")],
        table: [
          ["Annual fee", `USD ${n},000`],
          ["Royalty", `${n} percent`],
        ],
      },
      {
        paragraphs: [
          "7. RECORDS",
          ...(withPage3Sentence ? [PAGE3_SENTENCE] : []),
          ...fillerClauses(7, 2, "Records"),
        ],
      },
      { paragraphs: ["9. GENERAL", ...fillerClauses(9, 2, "General")] },
    ],
  });
}

type Chunk = {
  chunk_id: string;
  text: string;
  spans: { page: number; start: number; end: number; at: number }[];
  char_start: number;
};
type Doc = {
  id: string;
  status: string;
  pages: number | null;
  chunks: number | null;
  error?: string;
  error_code?: string;
};

async function search(query: string, documentIds?: string[]) {
  const res = await postJson(service, "/v1/search", {
    query,
    top_k: 10,
    ...(documentIds ? { filters: { document_ids: documentIds } } : {}),
  });
  expect(res.status).toBe(200);
  return (
    (await res.json()) as {
      passages: {
        chunk_id: string;
        document_id: string;
        page_start: number;
        page_end: number;
        text: string;
      }[];
    }
  ).passages;
}

describe("ingestion pipeline", () => {
  let readyIds: string[] = [];

  test("four multi-page PDFs become ready; a sentence on page 3 is found with its page and offsets", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let n = 1; n <= 4; n++) files[`license-${n}.pdf`] = await contract(n, n === 3);
    const res = await upload(service, files, { tags: "licenses,test" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { documents: { id: string; status: string; job_id: string }[] };
    expect(body.documents).toHaveLength(4);
    expect(body.documents.every((d) => d.status === "queued" && d.job_id)).toBe(true);
    readyIds = body.documents.map((d) => d.id);

    const docs = (await waitForDocuments(service, readyIds)) as Doc[];
    for (const d of docs) {
      expect(d.status).toBe("ready");
      expect(d.pages).toBe(4);
      expect(d.chunks).toBeGreaterThan(3);
    }

    await waitForIndex(service);
    const hits = await search("How often may the Licensee audit the royalty statements?");
    const phrase = /once\s+in\s+each\s+calendar\s+year/;
    const hit = hits.find((h) => phrase.test(h.text));
    expect(hit).toBeDefined();
    expect(hit!.document_id).toBe(readyIds[2]);
    expect(hit!.page_start).toBe(3);

    // The chunk's spans point at the sentence in the stored page text.
    const page = (await (await service.request(`/v1/documents/${readyIds[2]}/pages/3`)).json()) as {
      text: string;
    };
    const { items } = (await (await service.request(`/v1/documents/${readyIds[2]}/chunks`)).json()) as {
      items: Chunk[];
    };
    const chunk = items.find((c) => c.chunk_id === hit!.chunk_id)!;
    const match = phrase.exec(chunk.text)!;
    const span = chunk.spans.filter((s) => s.at <= match.index).at(-1)!;
    expect(span.page).toBe(3);
    const onPage = span.start + (match.index - span.at);
    expect(page.text.slice(onPage, onPage + match[0].length)).toBe(match[0]);
    expect(chunk.char_start).toBeLessThanOrEqual(onPage);
  });

  test("job status reports the finished job with its progress", async () => {
    const doc = (await (await service.request(`/v1/documents/${readyIds[0]}`)).json()) as { job_id: string };
    const job = (await (await service.request(`/v1/jobs/${doc.job_id}`)).json()) as {
      state: string;
      progress: { percent: number };
      document_id: string;
    };
    expect(job.state).toBe("completed");
    expect(job.progress.percent).toBe(100);
    expect(job.document_id).toBe(readyIds[0]);
  });

  test("truncated, encrypted, empty and mislabelled files fail with reasons; the good file in the same upload is ready", async () => {
    const good = await contract(11);
    const res = await upload(service, {
      "good.pdf": good,
      "truncated.pdf": good.subarray(0, Math.floor(good.length / 3)),
      "encrypted.pdf": await contractPdf({
        title: "SECRET",
        pages: [{ paragraphs: ["Top secret terms."] }],
        userPassword: "s3cret",
      }),
      "empty.pdf": new Uint8Array(0),
      "notes.pdf": new TextEncoder().encode("These are meeting notes, not a PDF at all."),
    });
    expect(res.status).toBe(202);
    const { documents } = (await res.json()) as { documents: { id: string; name: string; status: string }[] };
    const byName = Object.fromEntries(documents.map((d) => [d.name, d.id]));
    const finals = (await waitForDocuments(
      service,
      documents.map((d) => d.id),
    )) as (Doc & { id: string })[];
    const status = (name: string) => finals.find((d) => d.id === byName[name])!;
    expect(status("good.pdf").status).toBe("ready");
    expect(status("truncated.pdf")).toMatchObject({ status: "failed", error_code: "pdf_invalid" });
    expect(status("encrypted.pdf")).toMatchObject({ status: "failed", error_code: "pdf_encrypted" });
    expect(status("encrypted.pdf").error).toMatch(/encrypted PDF.*without a password/);
    expect(status("empty.pdf")).toMatchObject({ status: "failed", error_code: "empty_file" });
    expect(status("notes.pdf")).toMatchObject({ status: "failed", error_code: "type_mismatch" });
    expect(status("notes.pdf").error).toMatch(/named \.pdf but is not a PDF/);
    expect(service.workerAlive()).toBe(true);
  });

  test("the same file twice gives one set of chunks; deleting it removes its chunks from search", async () => {
    const bytes = await contract(21);
    const first = (await (await upload(service, { "dup.pdf": bytes })).json()) as {
      documents: { id: string }[];
    };
    const id = first.documents[0]!.id;
    await waitForDocuments(service, [id]);
    const second = (await (await upload(service, { "dup-again.pdf": bytes })).json()) as {
      documents: { id: string; duplicate_of: string | null }[];
    };
    expect(second.documents[0]!.duplicate_of).toBe(id);

    const list = (await (await service.request("/v1/documents?limit=500")).json()) as {
      items: { id: string; sha256: string }[];
    };
    const sha = list.items.find((d) => d.id === id)!.sha256;
    expect(list.items.filter((d) => d.sha256 === sha)).toHaveLength(1);
    const mine = (await search("License Agreement number 21 Northwind", [id])).filter(
      (h) => h.document_id === id,
    );
    expect(mine.length).toBeGreaterThan(0);

    expect((await service.request(`/v1/documents/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await service.request(`/v1/documents/${id}`)).status).toBe(404);
    const after = await search("License Agreement number 21 Northwind Traders Contoso");
    expect(after.some((h) => h.document_id === id)).toBe(false);
  });

  test("a worker killed in the middle of a file is replaced and the file completes without duplicate chunks", async () => {
    const pages = Array.from({ length: 40 }, (_, i) => ({
      paragraphs: [`${i + 1}. SECTION ${i + 1}`, ...fillerClauses(i + 1, 4, `Topic${i + 1}`)],
    }));
    const big = await contractPdf({ title: "LONG SUPPLY AGREEMENT", pages });
    const res = (await (await upload(service, { "long.pdf": big })).json()) as {
      documents: { id: string; job_id: string }[];
    };
    const { id, job_id } = res.documents[0]!;
    // Wait until the worker is embedding, then kill it.
    const until = Date.now() + 60_000;
    for (;;) {
      const job = (await (await service.request(`/v1/jobs/${job_id}`)).json()) as {
        state: string;
        progress: { stage: string; done?: number } | null;
      };
      if (job.progress?.stage === "embed" && (job.progress.done ?? 0) > 0) break;
      if (Date.now() > until) throw new Error(`the job never reached embedding: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await service.killWorker("SIGKILL");
    await service.startWorker();
    const [doc] = (await waitForDocuments(service, [id], 240_000)) as Doc[];
    expect(doc!.status).toBe("ready");
    const { items } = (await (await service.request(`/v1/documents/${id}/chunks`)).json()) as {
      items: Chunk[];
    };
    expect(items.length).toBe(doc!.chunks);
    expect(new Set(items.map((c) => c.chunk_id)).size).toBe(items.length);
    expect(new Set(items.map((c) => c.text)).size).toBe(items.length);
    expect(items.length).toBeGreaterThan(40);
  });
});

describe("crash safety: Redis restarted empty while uploads wait", () => {
  test("the worker queues again the uploads whose jobs Redis lost, and each is indexed once", async () => {
    const redis = await startPrivateRedis();
    const own = await startService({ REDIS_URL: redis.url });
    try {
      // No worker: the uploads wait in the queue, then Redis comes back with nothing.
      await own.killWorker("SIGTERM");
      const files = Object.fromEntries(
        ["lease", "supply", "licence"].map((name, i) => [
          `${name}.txt`,
          new TextEncoder().encode(`The ${name} agreement runs for ${i + 2} years from the effective date.`),
        ]),
      );
      const res = await upload(own, files);
      expect(res.status).toBe(202);
      const ids = ((await res.json()) as { documents: { id: string }[] }).documents.map((d) => d.id);
      await redis.kill();
      await redis.start();
      await own.startWorker();
      const docs = (await waitForDocuments(own, ids, 120_000)) as Doc[];
      expect(docs.map((d) => d.status)).toEqual(["ready", "ready", "ready"]);
      expect(own.logs()).toContain("queued again the uploads whose jobs Redis had lost");
      for (const doc of docs) {
        const { items } = (await (await own.request(`/v1/documents/${doc.id}/chunks`)).json()) as {
          items: Chunk[];
        };
        expect(items.length).toBe(doc.chunks);
      }
    } finally {
      await own.stop();
      await redis.kill();
    }
  }, 300_000);
});
