// Per-tenant settings: stored per tenant in the store (a real LanceDB folder), cleared by null; wording wishes framed so they cannot
// change what an answer rests on; default filters only when a request names none.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenerateJsonRequest, JsonGenerator } from "../../src/models/generator.js";
import { storeIn } from "../../src/store/location.js";
import {
  DEFAULT_SETTINGS,
  FramedGenerator,
  filtersFor,
  instructionFrame,
  TenantSettingsStore,
} from "../../src/usecases/tenants/settings.js";

const dir = mkdtempSync(join(tmpdir(), "cited-tenants-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("settings store", () => {
  test("settings are per tenant; null restores the default; fields not named stay; another process sees them", async () => {
    const store = new TenantSettingsStore(storeIn(join(dir, "a")));
    expect(await store.get("legal")).toEqual(DEFAULT_SETTINGS);
    await store.update("legal", { support_threshold: 0.8, answer_language: "Spanish" });
    await store.update("acme", { default_filters: { tags: ["deals"] } });
    const { before, after } = await store.update("legal", { answer_language: null });
    expect(before.answer_language).toBe("Spanish");
    expect(after).toMatchObject({ support_threshold: 0.8, answer_language: null, default_filters: null });
    // Another process (a second connection to the same store) sees the same.
    const again = new TenantSettingsStore(storeIn(join(dir, "a")));
    expect((await again.get("acme")).default_filters).toEqual({ tags: ["deals"] });
    expect((await again.get("legal")).support_threshold).toBe(0.8);
    await Promise.all([store.close(), again.close()]);
  });

  test("a tenants.json of an earlier version is imported into the store once, and renamed", async () => {
    const dataDir = join(dir, "b");
    mkdirSync(dataDir);
    const legacy = { tenants: [{ ...DEFAULT_SETTINGS, tenant: "legal", support_threshold: 0.9 }] };
    writeFileSync(join(dataDir, "tenants.json"), JSON.stringify(legacy));
    const store = new TenantSettingsStore(storeIn(dataDir), { dataDir });
    expect((await store.get("legal")).support_threshold).toBe(0.9);
    expect(existsSync(join(dataDir, "tenants.json"))).toBe(false);
    expect(existsSync(join(dataDir, "tenants.json.imported"))).toBe(true);
    await store.close();
  });
});

describe("framing", () => {
  test("no wishes, no frame; wishes come inside a frame that keeps the evidence exact", () => {
    expect(instructionFrame(DEFAULT_SETTINGS)).toBeNull();
    const frame = instructionFrame({ answer_language: "Spanish", answer_style: "Formal,\n  one sentence." })!;
    expect(frame).toMatch(/use only the evidence, keep its names, numbers, dates and periods exactly/);
    expect(frame).toContain("Write the answer in Spanish.");
    expect(frame).toContain("Style wishes: Formal, one sentence.");
  });

  test("the framed generator adds the frame after the system prompt and changes nothing else", async () => {
    const seen: GenerateJsonRequest[] = [];
    const inner: JsonGenerator = {
      modelId: "m",
      contextTokens: 100,
      parallel: 1,
      countTokens: (t) => t.length,
      generateJson: async (r) => {
        seen.push(r);
        return {
          value: {},
          text: "{}",
          promptTokens: 1,
          outputTokens: 1,
          timeToFirstTokenMs: 1,
          generationMs: 1,
        };
      },
    };
    const framed = new FramedGenerator(inner, "FRAME");
    await framed.generateJson({
      system: "SYSTEM",
      prompt: "P",
      schema: { type: "object" } as never,
      maxTokens: 5,
    });
    expect(seen[0]).toMatchObject({ system: "SYSTEM\n\nFRAME", prompt: "P", maxTokens: 5 });
    expect(framed.modelId).toBe("m");
  });
});

describe("default filters", () => {
  test("used only when the request names none", () => {
    const settings = { ...DEFAULT_SETTINGS, default_filters: { tags: ["deals"] } };
    expect(filtersFor(settings, undefined)).toEqual({ tags: ["deals"] });
    expect(filtersFor(settings, { document_ids: ["d1"] })).toEqual({ document_ids: ["d1"] });
    expect(filtersFor(DEFAULT_SETTINGS, undefined)).toBeUndefined();
  });
});
