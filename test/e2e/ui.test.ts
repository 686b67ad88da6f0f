// The web UI in a real Chromium (Debian's, driven by playwright-core) against the real service: the
// API and worker processes, Redis, LanceDB and the real models. Screenshots of every step go to
// test-artifacts/ui/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { KEY_REFRESH_MS, KeyStore } from "../../src/access/keys.js";
import { servicesAgreementPdf } from "../support/pdfs.js";
import { startService, type TestService, waitForIndex } from "../support/service.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const ARTIFACTS = join(ROOT, "test-artifacts", "ui");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ANSWER_TIMEOUT = 150_000;

const normalize = (s: string) => s.replace(/\s+/g, " ").trim();
const squeeze = (s: string) => s.replace(/\s+/g, "");

interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and requests that left the service. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile and a browser language (navigator.languages; the UI speaks the
 * first it knows); records anything that would mean a broken or leaky page.
 */
async function openBrowser(service: TestService, locale = "en-US"): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "cited-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
    locale,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  // 401 before signing in, 404 from the not-yet-built /v1/sources and the staged 429 are expected.
  const expected = /Failed to load resource: the server responded with a status of (401|404|429)/;
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(service.url) && !/^(data|blob):/.test(url)) problems.push(`outside request: ${url}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Record the answer panel's states and whether draft text streamed in, from inside the page. */
async function recordAnswer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __answer: { states: string[]; draft: number } };
    w.__answer = { states: [], draft: 0 };
    const answer = document.querySelector("#answer")!;
    const draft = document.querySelector("#answer-draft")!;
    new MutationObserver(() => {
      const s = (answer as HTMLElement).dataset.state ?? "";
      if (w.__answer.states.at(-1) !== s) w.__answer.states.push(s);
      w.__answer.draft = Math.max(w.__answer.draft, draft.textContent?.length ?? 0);
    }).observe(answer, { attributes: true, childList: true, subtree: true, characterData: true });
  });
}

async function recorded(page: Page): Promise<{ states: string[]; draft: number }> {
  return page.evaluate(
    () => (window as unknown as { __answer: { states: string[]; draft: number } }).__answer,
  );
}

async function ask(page: Page, question: string): Promise<string> {
  await page.click('nav a[data-view-link="ask"]');
  await page.fill("#question", question);
  await recordAnswer(page);
  await page.focus("#question");
  await page.keyboard.press("Enter"); // Enter asks
  // A question no passage can answer is declined as soon as the passages arrive: "writing" may last
  // no longer than one frame, so only the end state is awaited.
  await page.waitForSelector(
    '#answer:is([data-state="done"], [data-state="abstained"], [data-state="error"])',
    {
      timeout: ANSWER_TIMEOUT,
    },
  );
  return (await page.getAttribute("#answer", "data-state"))!;
}

/** Upload through the file picker, or by dropping the file on the drop zone; returns the document id once ready. */
async function uploadThroughUi(
  page: Page,
  name: string,
  mimeType: string,
  buffer: Buffer,
  via: "picker" | "drop" = "picker",
): Promise<string> {
  await page.click('nav a[data-view-link="documents"]');
  if (via === "picker") {
    await page.setInputFiles("#file-input", { name, mimeType, buffer });
  } else {
    await page.evaluate(
      ({ name, mimeType, base64 }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mimeType }));
        const zone = document.querySelector("#dropzone")!;
        for (const type of ["dragenter", "dragover", "drop"]) {
          zone.dispatchEvent(
            new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
          );
        }
      },
      { name, mimeType, base64: buffer.toString("base64") },
    );
  }
  const row = `#upload-list li[data-file="${name}"]`;
  await page.waitForSelector(`${row}[data-state="ready"], ${row}[data-state="failed"]`, { timeout: 240_000 });
  const status = await page.textContent(`${row} .upload-status`);
  expect(await page.getAttribute(row, "data-state")).toBe("ready");
  expect(status).toMatch(/^Ready: /);
  const id = (await page.getAttribute(row, "data-document-id"))!;
  await page.waitForSelector(`#documents-body tr[data-document-id="${id}"][data-status="ready"]`);
  return id;
}

beforeAll(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
});

describe("web UI in single-user mode", () => {
  let service: TestService;
  let browser: Browser;
  let page: Page;
  let documentId: string;

  beforeAll(async () => {
    service = await startService({ GENERATION_PARALLEL: "1", CHAT_CONTEXT_TOKENS: "3072" });
    browser = await openBrowser(service);
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  test("the UI and pdf.js are served from this server with a strict CSP, and nothing else is", async () => {
    const index = await service.request("/");
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = index.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
    const types: Record<string, RegExp> = {
      "/ui/app.js": /^text\/javascript/,
      "/ui/styles.css": /^text\/css/,
      "/ui/vendor/pdfjs/pdf.min.mjs": /^text\/javascript/,
      "/ui/vendor/pdfjs/pdf.worker.min.mjs": /^text\/javascript/,
      "/ui/vendor/pdfjs/standard_fonts/LiberationSans-Regular.ttf": /^font\/ttf/,
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await service.request(path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get("content-type")).toMatch(type);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      await res.arrayBuffer();
    }
    for (const path of [
      "/ui/",
      "/ui/vendor/",
      "/ui/vendor/pdfjs/",
      "/ui/..%2f..%2fpackage.json",
      "/ui/vendor/pdfjs/..%2f..%2f..%2fpackage.json",
      "/ui/vendor/pdfjs/../../../package.json",
      "/ui/%2e%2e/api/server.ts",
      "/ui/nope.js",
    ]) {
      const res = await service.request(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await res.text()).not.toMatch(/"name":\s*"cited"|import /);
    }
  });

  test("upload a contract PDF through the file picker and watch it become ready", async () => {
    await page.goto(`${service.url}/`);
    await page.waitForSelector("#view-ask:not([hidden])");
    expect(await page.isVisible("#main-nav")).toBe(true);
    expect(await page.isVisible("#sign-out")).toBe(false);
    await shot(page, "01-ask-empty");

    const pdf = await servicesAgreementPdf();
    documentId = await uploadThroughUi(page, "msa.pdf", "application/pdf", pdf);
    const row = `#documents-body tr[data-document-id="${documentId}"]`;
    expect(normalize((await page.textContent(`${row} td.pages`))!)).toBe("3");
    expect(Number(await page.textContent(`${row} td.chunks`))).toBeGreaterThan(0);
    expect(await page.getAttribute("#upload-list li progress", "value")).toBe("1");
    await shot(page, "02-documents-ready");
    await waitForIndex(service);
  }, 300_000);

  /** Click a citation chip; the source view must show its page with exactly its quote marked. */
  async function openAndCheck(chipIndex: number, screenshot: string) {
    const chip = page.locator("#answer-text .chip").nth(chipIndex);
    const n = await chip.getAttribute("data-n");
    const cited = {
      documentId: (await chip.getAttribute("data-document-id"))!,
      page: Number(await chip.getAttribute("data-page")),
    };
    const quote = (await page.textContent(`#citation-${n} blockquote`))!;
    await chip.click();
    await page.waitForSelector(`#source-page[data-state="ready"][data-page="${cited.page}"]`, {
      timeout: 60_000,
    });
    expect(await page.getAttribute("#source-page", "data-document-id")).toBe(cited.documentId);
    expect(await page.getAttribute("#source-page", "data-highlight")).toBe("found");
    // pdf.js drew the page (a canvas with ink on it) and laid its text layer over it.
    const canvas = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>("#source-page canvas")!;
      const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 128 && data[i + 3]! > 0) ink++;
      return { width: c.width, ink };
    });
    expect(canvas.width).toBeGreaterThan(300);
    expect(canvas.ink).toBeGreaterThan(1000);
    expect(await page.locator("#source-page .textLayer span").count()).toBeGreaterThan(3);
    // The highlighted words are the quote (spacing aside) ...
    expect(await page.getAttribute("#source-page", "data-highlight-text")).toBe(normalize(quote));
    const marks = await page.locator("#source-page .textLayer mark").allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    expect(squeeze(marks.join(""))).toBe(squeeze(quote));
    // ... and in view.
    const visible = await page.evaluate(() => {
      const r = document.querySelector("#source-page mark")!.getBoundingClientRect();
      return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(visible).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("source-title");
    await shot(page, screenshot);
    return { ...cited, quote, marks: marks.length };
  }

  test("ask with Enter: the answer streams in, and its first citation opens page 2 with the quote highlighted", async () => {
    const state = await ask(
      page,
      "How many days of notice are needed to terminate the agreement for convenience?",
    );
    const answerText = normalize((await page.textContent("#answer"))!);
    expect([state, answerText]).toEqual(["done", answerText]);
    const seen = await recorded(page);
    expect(seen.states.slice(0, 2)).toEqual(["searching", "writing"]);
    expect(seen.draft).toBeGreaterThan(0); // words arrived before the verified answer
    expect(await page.isVisible("#answer-draft")).toBe(false);
    // The notice period, however the model words it ("ninety (90) days" or "90 days").
    expect(await page.textContent("#answer-text")).toMatch(/\b(ninety \(90\)|90) days/);
    await shot(page, "03-answer");

    // The first citation: the answer is only on page 2, so that is the page shown.
    const first = await openAndCheck(0, "04-source-pdf-first-citation");
    expect(first.documentId).toBe(documentId);
    expect(first.page).toBe(2);
    expect(normalize((await page.textContent("#source-meta"))!)).toBe("Page 2 of 3");

    // The citation that holds the notice period (its sentence wraps over two lines of the page).
    const quotes = await page.locator("#citation-list blockquote").allTextContents();
    const notice = quotes.findIndex((q) => /ninety \(90\) days/.test(normalize(q)));
    expect(notice).toBeGreaterThanOrEqual(0);
    const n = Number(await page.getAttribute(`#citation-list li:nth-child(${notice + 1})`, "data-n"));
    const chips = await page
      .locator("#answer-text .chip")
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-n"))));
    const held = await openAndCheck(chips.indexOf(n), "05-source-pdf-notice-citation");
    expect(held.page).toBe(2);

    // Other pages are a click away; the highlight belongs to the cited page only.
    await page.click("#source-next");
    await page.waitForSelector('#source-page[data-state="ready"][data-page="3"]');
    expect(await page.locator("#source-page mark").count()).toBe(0);
    await page.click("#source-prev");
    await page.waitForSelector('#source-page[data-state="ready"][data-page="2"]');
    expect(await page.getAttribute("#source-page", "data-highlight-text")).toBe(normalize(held.quote));
    expect(browser.problems).toEqual([]);
  }, 300_000);

  test("a follow-up ticked as such is read with the conversation: the rewritten question is shown, the answer cited", async () => {
    // After the first answer the UI offers to continue the conversation; not ticked, a question stands alone.
    expect(await page.isVisible("#conversation")).toBe(true);
    expect(await page.isChecked("#follow-up")).toBe(false);
    expect(normalize((await page.textContent("#conversation"))!)).toMatch(
      /^Follow up on this conversation \(1 earlier question\)/,
    );
    await page.check("#follow-up");
    const state = await ask(page, "Which state's law governs it?");
    expect(state).toBe("done");
    const shown = normalize((await page.textContent("#answer-standalone"))!);
    expect(await page.isVisible("#answer-standalone")).toBe(true);
    expect(shown).toMatch(/^Answered as: “.*\bagreement\b.*”$/i);
    expect(await page.textContent("#answer-text")).toMatch(/Oregon/);
    expect(await page.locator("#citation-list li").count()).toBeGreaterThan(0);
    expect(normalize((await page.textContent("#conversation"))!)).toMatch(/\(2 earlier questions\)/);
    await shot(page, "05b-follow-up");
    await page.uncheck("#follow-up");
    expect(browser.problems).toEqual([]);
  }, 300_000);

  test("keyboard: visible focus, tab order through the form, Escape closes the source", async () => {
    await page.focus("#question");
    await page.keyboard.press("Tab");
    // After an answer the follow-up box comes next: it belongs to the question.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("follow-up");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("SUMMARY");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("ask-button");
    const chip = page.locator("#answer-text .chip").first();
    await chip.focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector('#source-page[data-state="ready"]');
    await page.keyboard.press("Escape");
    expect(await page.isVisible("#source")).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.classList.contains("chip"))).toBe(true);
  });

  test("a narrow window and 200% zoom keep everything on screen without sideways scrolling", async () => {
    await page.locator("#answer-text .chip").first().click();
    await page.waitForSelector('#source-page[data-state="ready"]');
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(600); // the page is redrawn for the new width
    await page.waitForSelector('#source-page[data-state="ready"]');
    expect(await overflow()).toBeLessThanOrEqual(1);
    await shot(page, "06-narrow-source");
    await page.click('nav a[data-view-link="documents"]');
    expect(await overflow()).toBeLessThanOrEqual(1);
    await shot(page, "07-narrow-documents");
    // A 1280-pixel window at 200% zoom lays out like 640 CSS pixels at twice the pixel density.
    const zoomed = await browser.context.newPage();
    await zoomed.setViewportSize({ width: 640, height: 450 });
    await zoomed.goto(`${service.url}/#documents`);
    await zoomed.waitForSelector(`#documents-body tr[data-document-id="${documentId}"]`);
    expect(
      await zoomed.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      ),
    ).toBeLessThanOrEqual(1);
    await shot(zoomed, "08-zoom-200-documents");
    await zoomed.close();
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  test("a question the documents do not answer is declined plainly, with the closest passages", async () => {
    const state = await ask(
      page,
      "What are Initech Corporation's obligations to Umbrella Health under the agreement?",
    );
    expect(state).toBe("abstained");
    expect(await page.textContent("#answer-status")).toMatch(/do not answer/);
    expect(await page.textContent("#answer-text")).toMatch(/^The documents do not say/);
    expect(await page.locator("#answer-text .chip").count()).toBe(0);
    const passages = page.locator("#answer-body .passages li");
    expect(await passages.count()).toBeGreaterThan(0);
    // The viewer may still hold the page an earlier test opened: forget its state, so that "ready"
    // below is this passage's page and not the last one.
    await page.evaluate(() => {
      delete document.querySelector<HTMLElement>("#source-page")!.dataset.state;
    });
    await passages.first().locator("button").click();
    await page.waitForSelector('#source-page[data-state="ready"]');
    expect(await page.getAttribute("#source-page", "data-highlight")).toBe("none");
    await shot(page, "09-abstained");
  }, 300_000);

  test("busy (429) and stream errors are told in plain words", async () => {
    await page.route("**/v1/ask", (route) =>
      route.fulfill({
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "7" },
        body: JSON.stringify({ error: { code: "busy", message: "busy" } }),
      }),
    );
    await page.fill("#question", "Anything?");
    await page.click("#ask-button");
    await page.waitForSelector('#answer[data-state="busy"]');
    expect(await page.textContent("#answer-status")).toMatch(/busy .*retry in [67] s/);
    await shot(page, "10-busy");
    await page.unroute("**/v1/ask");
    await page.route("**/v1/ask", (route) =>
      route.fulfill({
        status: 200,
        headers: { "content-type": "text/event-stream" },
        body: `event: passages\ndata: {"passages":[]}\n\nevent: error\ndata: ${JSON.stringify({
          error: { code: "timeout", message: "the answer took longer than ASK_TIMEOUT_MS allows" },
        })}\n\n`,
      }),
    );
    await page.click("#ask-button");
    await page.waitForSelector('#answer[data-state="error"]');
    expect(await page.textContent("#answer-status")).toBe(
      "Cited could not answer: the answer took longer than ASK_TIMEOUT_MS allows.",
    );
    await page.unroute("**/v1/ask");
  });

  test("Sources: the register form is ready and says no folder is registered yet", async () => {
    expect((await service.request("/v1/sources")).status).toBe(200);
    await page.click('nav a[data-view-link="sources"]');
    await page.waitForSelector("#sources-empty:not([hidden])");
    expect(await page.textContent("#sources-empty")).toBe("No folders registered yet.");
    expect(await page.isHidden("#sources-unavailable")).toBe(true);
    expect(await page.isDisabled("#source-path")).toBe(false);
    await shot(page, "11-sources");
  });

  test("Sources against the share-sync contract (endpoints staged in the browser): register, sync, live counts, report", async () => {
    const source = {
      id: "src_1",
      path: "/srv/shares/legal",
      include: ["**/*.pdf"],
      exclude: [],
      tags: ["legal"],
      last_sync: null as Record<string, unknown> | null,
    };
    const posted: unknown[] = [];
    let synced = false;
    let polls = 0;
    const seenStates: string[] = [];
    await page.route(/\/v1\/sources(\/.*)?$/, (route) => {
      const req = route.request();
      const path = new URL(req.url()).pathname;
      const reply = (status: number, body: unknown) =>
        route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
      if (path === "/v1/sources" && req.method() === "GET")
        return reply(200, { items: posted.length ? [source] : [] });
      if (path === "/v1/sources" && req.method() === "POST") {
        posted.push(req.postDataJSON());
        return reply(201, { id: source.id, path: source.path });
      }
      if (path === "/v1/sources/src_1/sync" && req.method() === "POST") {
        synced = true;
        return reply(202, { sync_id: "sync_1" });
      }
      if (path === "/v1/sources/src_1") {
        if (!synced) return reply(200, source);
        polls++;
        const done = polls >= 3;
        const state = done ? "done" : "running";
        seenStates.push(state);
        return reply(200, {
          ...source,
          last_sync: {
            id: "sync_1",
            state,
            counts: {
              discovered: 4,
              queued: done ? 0 : 4 - polls,
              done: done ? 3 : polls,
              skipped: 0,
              failed: done ? 1 : 0,
            },
            started_at: "2026-01-05T10:00:00Z",
            finished_at: done ? "2026-01-05T10:00:09Z" : null,
          },
        });
      }
      if (path === "/v1/sources/src_1/report") {
        return reply(200, {
          files: [
            {
              path: "msa.pdf",
              document_id: "doc_a",
              status: "ready",
              error: null,
              pages: [
                { page: 1, text_source: "text-layer", ocr_confidence: null },
                { page: 2, text_source: "ocr", ocr_confidence: 87.5 },
              ],
            },
            { path: "locked.pdf", document_id: null, status: "failed", error: "encrypted PDF", pages: [] },
          ],
          totals: { pages_text_layer: 1, pages_ocr: 1, pages_failed: 0, files_failed: 1 },
          failures: [{ path: "locked.pdf", reason: "encrypted PDF: it needs a password to open" }],
        });
      }
      return reply(404, { error: { code: "not_found", message: `${path} not found` } });
    });
    await page.click('nav a[data-view-link="ask"]');
    await page.click('nav a[data-view-link="sources"]');
    await page.waitForSelector("#sources-empty:not([hidden])");
    expect(await page.isVisible("#sources-unavailable")).toBe(false);
    await page.fill("#source-path", "/srv/shares/legal");
    await page.fill("#source-include", "**/*.pdf");
    await page.fill("#source-tags", "legal");
    await page.click('#source-form button[type="submit"]');
    await page.waitForSelector('#source-list li[data-source-id="src_1"]');
    expect(posted).toEqual([{ path: "/srv/shares/legal", include: ["**/*.pdf"], tags: ["legal"] }]);
    expect(await page.textContent("#source-form-status")).toMatch(/Registered \/srv\/shares\/legal/);

    await page.click('#source-list li[data-source-id="src_1"] button:has-text("Sync now")');
    await page.waitForSelector('#source-list [data-sync-state="done"]', { timeout: 20_000 });
    expect(seenStates).toEqual(["running", "running", "done"]);
    const count = (key: string) => page.textContent(`#source-list [data-count="${key}"] dd`);
    expect([await count("discovered"), await count("done"), await count("failed")]).toEqual(["4", "3", "1"]);

    await page.click('#source-list li[data-source-id="src_1"] button:has-text("Coverage report")');
    await page.waitForSelector("#source-report:not([hidden]) .report-files");
    expect(normalize((await page.textContent('#source-report [data-report="totals"]'))!)).toBe(
      "Pages with a text layer1Pages read by OCR1Pages that failed0Files that failed1",
    );
    expect(await page.textContent("#source-report .failures")).toMatch(/locked\.pdf: encrypted PDF/);
    expect(await page.locator("#source-report .report-files tbody tr").count()).toBe(2);
    await shot(page, "12-sources-contract");
    await page.unroute(/\/v1\/sources(\/.*)?$/);
  });

  test("a Spanish browser gets the UI in Spanish, every visible word; the switch goes back to English and is remembered", async () => {
    const spanish = await openBrowser(service, "es-ES");
    try {
      const p = spanish.page;
      await p.goto(`${service.url}/`);
      await p.waitForSelector("#view-ask:not([hidden])");
      expect(await p.getAttribute("html", "lang")).toBe("es");
      expect(await p.inputValue("#language")).toBe("es");
      expect(await p.textContent("#ask-title")).toBe("Pregunte a sus documentos");
      expect(await p.getAttribute("#question", "placeholder")).toBe(
        "¿Con cuánto preaviso se puede resolver el contrato sin causa?",
      );
      expect((await p.locator("#main-nav a").allTextContents()).map(normalize)).toEqual([
        "Preguntar",
        "Documentos",
        "Carpetas",
        "Revisión",
      ]);
      expect(await p.textContent("#mode")).toBe("Modo de un solo usuario (sin clave)");
      expect(await p.title()).toBe("Preguntar — Cited");
      /** Visible text of the page that is an English string of the UI with another Spanish one. */
      const english = () =>
        p.evaluate(async () => {
          const table = "/ui/i18n.js";
          const { MESSAGES } = (await import(table)) as {
            MESSAGES: Record<"en" | "es", Record<string, unknown>>;
          };
          const { en, es } = MESSAGES;
          const words = Object.keys(en)
            .filter((k) => typeof en[k] === "string" && en[k] !== es[k] && (en[k] as string).length > 3)
            .map((k) => en[k] as string);
          // biome-ignore lint/performance/useDomNodeTextContent: only what is shown counts, not hidden views
          const visible = (document.body as HTMLElement).innerText;
          const attributes = Array.from(document.querySelectorAll("[placeholder], [aria-label], [title]"))
            .filter((e) => (e as HTMLElement).offsetParent !== null)
            .flatMap((e) => ["placeholder", "aria-label", "title"].map((a) => e.getAttribute(a) ?? ""));
          // Whole words only: "Document" is not in "Documentos".
          const shown = (w: string) =>
            new RegExp(`(^|[^\\p{L}])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\p{L}])`, "u").test(
              visible,
            );
          return words.filter((w) => shown(w) || attributes.includes(w));
        });
      // Both tables have the same keys: no string falls back to English.
      const keys = await p.evaluate(async () => {
        const table = "/ui/i18n.js";
        const { MESSAGES } = (await import(table)) as { MESSAGES: Record<"en" | "es", object> };
        return [Object.keys(MESSAGES.en).sort(), Object.keys(MESSAGES.es).sort()];
      });
      expect(keys[1]).toEqual(keys[0]);
      await p.click("#filters summary");
      expect(await p.textContent("#filter-summary")).toBe("(ninguno: todos sus documentos)");
      expect(await english()).toEqual([]);
      await shot(p, "14-spanish-ask");

      await p.click('nav a[data-view-link="documents"]');
      const row = `#documents-body tr[data-document-id="${documentId}"]`;
      await p.waitForSelector(row);
      expect((await p.locator("#documents-table thead th").allTextContents()).map(normalize)).toEqual([
        "Nombre",
        "Estado",
        "Tipo",
        "Páginas",
        "Pasajes",
        "Etiquetas",
        "Añadido",
        "Acciones",
      ]);
      expect(normalize((await p.textContent(`${row} .badge`))!)).toBe("Listo");
      expect(await p.textContent(`${row} button.delete`)).toBe("Eliminar");
      expect(await english()).toEqual([]);
      await shot(p, "15-spanish-documents");

      await p.click('nav a[data-view-link="sources"]');
      await p.waitForSelector("#sources-empty:not([hidden])");
      expect(await p.textContent("#sources-empty")).toBe("Todavía no hay carpetas registradas.");
      expect(await english()).toEqual([]);
      await shot(p, "16-spanish-sources");

      // The switch in the header: English at once, and still English after a reload in this Spanish browser.
      await p.selectOption("#language", "en");
      expect(await p.textContent("#sources-title")).toBe("Sources");
      expect(await p.getAttribute("html", "lang")).toBe("en");
      await p.reload();
      await p.waitForSelector("#view-sources:not([hidden])");
      expect(await p.textContent("#sources-title")).toBe("Sources");
      expect(await p.inputValue("#language")).toBe("en");
      expect(spanish.problems).toEqual([]);
    } finally {
      await spanish.close();
    }
  }, 120_000);

  /** The source view shows a page with a quote marked; which page. */
  async function markedPage(): Promise<number> {
    await page.waitForSelector('#source-page[data-state="ready"][data-highlight="found"]', {
      timeout: 60_000,
    });
    return Number(await page.getAttribute("#source-page", "data-page"));
  }

  test("a ready document's cited summary: sentences with their pages, a citation opens its page marked", async () => {
    await page.click('nav a[data-view-link="documents"]');
    const row = `#documents-body tr[data-document-id="${documentId}"]`;
    await page.click(`${row} button:has-text("Summary")`);
    await page.waitForSelector("#summary-sentences li", { timeout: 60_000 });
    expect(await page.textContent("#summary-title")).toBe("Summary of msa.pdf");
    expect(await page.textContent("#summary-status")).toMatch(
      /sentences verified on their pages \(pages [\d, ]+\)/,
    );
    const first = page.locator("#summary-sentences li button.citation").first();
    const shownPage = Number(/p\. (\d+)/.exec((await first.textContent())!)![1]);
    await first.click();
    expect(await markedPage()).toBe(shownPage);
    await shot(page, "13-summary");
    expect(browser.problems).toEqual([]);
  }, 120_000);

  test("Review: the grid fills, a cell opens its clause, and a cell re-run in other words comes back", async () => {
    await page.click('nav a[data-view-link="reviews"]');
    await page.selectOption("#review-template", "essentials");
    await page.click("#review-form button[type=submit]");
    await page.waitForSelector("#review-grid table", { timeout: 60_000 });
    await page.waitForFunction(
      () => /^Review completed/.test(document.querySelector("#review-status")?.textContent ?? ""),
      null,
      {
        timeout: 600_000,
      },
    );
    const columns = await page.locator("#review-grid thead th").allTextContents();
    expect(columns).toContain("Governing Law");
    const lawColumn = columns.indexOf("Governing Law");
    const lawCell = page
      .locator("#review-grid tbody tr")
      .first()
      .locator("td")
      .nth(lawColumn - 1);
    expect(await lawCell.textContent()).toMatch(/Oregon \(p\. 3\)/);
    await lawCell.locator("button.link:not(.rerun)").click();
    expect(await markedPage()).toBe(3);
    await shot(page, "14-review");

    // Re-run the cell with the question in other words: the cell is filled again with that question
    // (the API says so), and the grid shows it again, not "re-running…".
    const question = "Under the laws of which state is this agreement construed?";
    page.once("dialog", (dialog) => void dialog.accept(question));
    const posted = page.waitForResponse((r) => /\/v1\/reviews\/[^/]+\/cells$/.test(r.url()));
    await lawCell.locator("button.rerun").click();
    const response = await posted;
    expect(response.status()).toBe(202);
    const id = /\/v1\/reviews\/([^/]+)\/cells$/.exec(response.url())![1]!;
    const refilled = async () => {
      const review = (await (await service.request(`/v1/reviews/${id}`)).json()) as {
        rows: { cells: { field: string; searched: { query: string } }[] }[];
      };
      return review.rows[0]!.cells.find((c) => c.field === "Governing Law")!.searched.query.includes(
        question,
      );
    };
    for (const until = Date.now() + 300_000; !(await refilled()); ) {
      if (Date.now() > until)
        throw new Error(`the cell was not filled again\n${service.logs().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await page.waitForFunction(
      (i) => {
        const text = document.querySelectorAll("#review-grid tbody tr:first-child td")[i]?.textContent ?? "";
        return /Oregon \(p\. 3\)/.test(text) && !/re-running/.test(text);
      },
      lawColumn - 1,
      { timeout: 60_000 },
    );
    expect(browser.problems).toEqual([]);
  }, 900_000);

  test("delete asks for confirmation, and Cancel keeps the document", async () => {
    await page.click('nav a[data-view-link="documents"]');
    const row = `#documents-body tr[data-document-id="${documentId}"]`;
    await page.click(`${row} button.delete`);
    await page.waitForSelector("#confirm-dialog[open]");
    expect(await page.textContent("#confirm-title")).toBe("Delete “msa.pdf”?");
    await shot(page, "15-delete-confirm");
    await page.click('#confirm-dialog button[value="cancel"]');
    expect(await page.isVisible(row)).toBe(true);
    await page.click(`${row} button.delete`);
    await page.click("#confirm-ok");
    await page.waitForSelector(row, { state: "detached" });
    expect(await page.textContent("#documents-status")).toBe("Deleted msa.pdf.");
    expect((await (await service.request(`/v1/documents/${documentId}`)).json()) as object).toMatchObject({
      error: { code: "not_found" },
    });
    expect(browser.problems).toEqual([]);
  });
});

describe("web UI with API keys", () => {
  let service: TestService;
  let browser: Browser;
  let page: Page;
  let keys: KeyStore;
  let key: string;
  let keyId: string;

  beforeAll(async () => {
    service = await startService({
      OPEN_MODE: "false",
      GENERATION_PARALLEL: "1",
      CHAT_CONTEXT_TOKENS: "3072",
    });
    keys = new KeyStore(service.dataDir);
    const created = await keys.create({
      tenant: "acme",
      groups: ["legal"],
      role: "editor",
      label: "ui test",
    });
    key = created.key;
    keyId = created.info.id;
    browser = await openBrowser(service);
    page = browser.page;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await keys?.close();
    await service?.stop();
  });

  test("the UI asks for a key, refuses a wrong one with the server's reason, and works with the right one", async () => {
    await page.goto(`${service.url}/`);
    await page.waitForSelector("#view-signin:not([hidden])");
    expect(await page.isVisible("#main-nav")).toBe(false);
    expect(await page.textContent("#signin-message")).toMatch(/missing API key/i);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("api-key");
    await shot(page, "20-keys-sign-in");

    await page.fill("#api-key", "cited_000000000000_wrongwrongwrongwrongwrongwrongwr");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#signin-message:has-text('did not accept')");
    expect(await page.textContent("#signin-message")).toMatch(/unknown or revoked API key/);
    await shot(page, "21-keys-refused");

    await page.fill("#api-key", key);
    await page.click('#signin-form button[type="submit"]');
    await page.waitForSelector("#view-ask:not([hidden])");
    expect(await page.isVisible("#sign-out")).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("cited.apiKey"))).toBe(key);
    await shot(page, "22-keys-signed-in");
  });

  test("with the key: drop a Markdown file on the page, ask, and see the cited span in the page text", async () => {
    const markdown = [
      "# Data Processing Addendum",
      "",
      "## 1. Scope",
      "",
      "This Addendum applies to personal data that the Processor handles for the Controller under the Agreement.",
      "",
      "## 2. Breach notification",
      "",
      "The Processor shall notify the Controller of a personal data breach within seventy-two (72) hours of becoming aware of it.",
      "",
      "## 3. Sub-processors",
      "",
      "The Processor may engage sub-processors only with the Controller's prior written consent.",
      "",
    ].join("\n");
    const id = await uploadThroughUi(page, "dpa.md", "text/markdown", Buffer.from(markdown), "drop");
    await waitForIndex(service);
    const state = await ask(
      page,
      "Within how many hours must the Processor notify the Controller of a personal data breach?",
    );
    expect([state, await page.textContent("#answer-status")]).toEqual([
      "done",
      expect.stringMatching(/^Answer ready/),
    ]);
    const chip = page.locator("#answer-text .chip").first();
    expect(await chip.getAttribute("data-document-id")).toBe(id);
    const n = await chip.getAttribute("data-n");
    const quote = (await page.textContent(`#citation-${n} blockquote`))!;
    await chip.click();
    await page.waitForSelector('#source-page[data-state="ready"]');
    expect(await page.getAttribute("#source-page", "data-page")).toBe(await chip.getAttribute("data-page"));
    expect(normalize((await page.locator("#source-page .page-text mark").textContent())!)).toBe(
      normalize(quote),
    );
    expect(await page.getAttribute("#source-page", "data-highlight-text")).toBe(normalize(quote));
    expect(normalize(quote)).toMatch(/seventy-two \(72\) hours/);
    await shot(page, "23-keys-text-source");
  }, 300_000);

  test("a revoked key sends the user back to the key prompt with the server's message", async () => {
    expect(await keys.revoke(keyId)).toBe(true);
    // The API is another process: it reads the key list again within KEY_REFRESH_MS.
    await new Promise((r) => setTimeout(r, KEY_REFRESH_MS + 200));
    await page.click('nav a[data-view-link="documents"]');
    await page.waitForSelector("#view-signin:not([hidden])");
    expect(await page.textContent("#signin-message")).toMatch(
      /did not accept the key: unknown or revoked API key/,
    );
    expect(await page.evaluate(() => sessionStorage.getItem("cited.apiKey"))).toBeNull();
    await shot(page, "24-keys-revoked");
    expect(browser.problems).toEqual([]);
  });
});
