// Per-tenant settings in DATA_DIR/tenants.json, and what they mean for an answer: the tenant's
// wording wishes inside a fixed frame, its support threshold, its default filters, its chat model.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { SearchFilters } from "../../../schemas/api.js";
import { TenantSettings, type TenantSettingsPatch } from "../../../schemas/tenant.js";
import { LockedJsonFile } from "../../access/locked-json.js";
import type { Config } from "../../config/index.js";
import { CATALOG } from "../../models/catalog.js";
import type { GenerateJsonRequest, GenerateJsonResult, JsonGenerator } from "../../models/generator.js";

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

/** Tenants' settings, changed under a file lock (the API of several hosts may share DATA_DIR). */
export class TenantSettingsStore {
  private readonly file: LockedJsonFile<Stored>;

  constructor(path: string) {
    this.file = new LockedJsonFile(path, "tenants", Stored);
  }

  get(tenant: string): TenantSettings {
    const found = this.file.read().find((t) => t.tenant === tenant);
    if (!found) return DEFAULT_SETTINGS;
    const { tenant: _t, ...settings } = found;
    return settings;
  }

  /** Apply a change (null clears a field); returns the settings before and after. */
  update(tenant: string, patch: TenantSettingsPatch): { before: TenantSettings; after: TenantSettings } {
    return this.file.change((items) => {
      const before = this.get(tenant);
      const after: TenantSettings = { ...before, ...patch, updated_at: new Date().toISOString() };
      const rest = items.filter((t) => t.tenant !== tenant);
      return { items: [...rest, { ...after, tenant }], result: { before, after } };
    });
  }
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
