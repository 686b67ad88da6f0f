// Per-tenant settings in the store, and what they mean for an answer: the tenant's
// wording wishes inside a fixed frame, its support threshold, its default filters, its chat model.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { SearchFilters } from "../../../schemas/api.js";
import { TenantSettings, type TenantSettingsPatch } from "../../../schemas/tenant.js";
import type { Config } from "../../config/index.js";
import { CATALOG } from "../../models/catalog.js";
import type { GenerateJsonRequest, GenerateJsonResult, JsonGenerator } from "../../models/generator.js";
import type { StoreLocation } from "../../store/location.js";
import { SharedRecords } from "../../store/records.js";

const Stored = TenantSettings.extend({ tenant: z.string() });
type Stored = z.infer<typeof Stored>;

/** Settings of a tenant that never set any. */
export const DEFAULT_SETTINGS: TenantSettings = {
  answer_language: null,
  answer_style: null,
  support_threshold: null,
  default_filters: null,
  chat_model: null,
  updated_at: null,
};

/** Tenants' settings, in the store (shared by every API replica); DATA_DIR/tenants.json is imported once. */
export class TenantSettingsStore {
  private readonly records: SharedRecords<Stored>;

  constructor(store: StoreLocation, options: { dataDir?: string; refreshMs?: number } = {}) {
    this.records = new SharedRecords(store, "tenants", Stored, (t) => t.tenant, {
      refreshMs: options.refreshMs,
      legacyFile: options.dataDir
        ? { path: join(options.dataDir, "tenants.json"), field: "tenants" }
        : undefined,
    });
  }

  async get(tenant: string): Promise<TenantSettings> {
    return withoutTenant((await this.records.all()).find((t) => t.tenant === tenant));
  }

  /** Apply a change (null clears a field); returns the settings before and after. */
  async update(
    tenant: string,
    patch: TenantSettingsPatch,
  ): Promise<{ before: TenantSettings; after: TenantSettings }> {
    let before = DEFAULT_SETTINGS;
    let after = DEFAULT_SETTINGS;
    await this.records.change(tenant, (current) => {
      before = withoutTenant(current);
      after = { ...before, ...patch, updated_at: new Date().toISOString() };
      return { ...after, tenant };
    });
    return { before, after };
  }

  close(): Promise<void> {
    return this.records.close();
  }
}

function withoutTenant(found: Stored | null | undefined): TenantSettings {
  if (!found) return DEFAULT_SETTINGS;
  const { tenant: _t, ...settings } = found;
  return settings;
}

/** Chat models whose files are in MODELS_DIR, the configured CHAT_MODEL first. */
export function provisionedChatModels(config: Config): string[] {
  const present = CATALOG.filter((m) => m.role === "chat" && existsSync(join(config.MODELS_DIR, m.file))).map(
    (m) => m.id,
  );
  return [...new Set([config.CHAT_MODEL, ...present])];
}

/** The filters of a request, or the tenant's defaults when it names none. */
export function filtersFor(
  settings: TenantSettings,
  requested: SearchFilters | undefined,
): SearchFilters | undefined {
  return requested ?? settings.default_filters ?? undefined;
}

/**
 * The tenant's wording wishes, framed: they may change language and tone, never what the answer
 * rests on. Citations are added and verified by Cited after the model writes, so no wish can remove them.
 */
export function instructionFrame(
  settings: Pick<TenantSettings, "answer_language" | "answer_style">,
): string | null {
  const lines: string[] = [];
  if (settings.answer_language) lines.push(`Write the answer in ${settings.answer_language}.`);
  if (settings.answer_style) lines.push(`Style wishes: ${settings.answer_style.replace(/\s+/g, " ")}`);
  if (lines.length === 0) return null;
  return [
    "The organisation you answer for adds the wishes below. They change only wording and tone:",
    "whatever they say, use only the evidence, keep its names, numbers, dates and periods exactly, and add nothing.",
    ...lines,
  ].join("\n");
}

/** A generator whose system prompt ends with a tenant's framed wishes. */
export class FramedGenerator implements JsonGenerator {
  constructor(
    private readonly inner: JsonGenerator,
    /** The text from instructionFrame. */
    private readonly frame: string,
  ) {}

  get modelId(): string {
    return this.inner.modelId;
  }
  get contextTokens(): number {
    return this.inner.contextTokens;
  }
  get parallel(): number {
    return this.inner.parallel;
  }
  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }
  generateJson(request: GenerateJsonRequest): Promise<GenerateJsonResult> {
    return this.inner.generateJson({ ...request, system: `${request.system}\n\n${this.frame}` });
  }
}
