// The Answerer of each tenant: the server's, or one built for the tenant's settings (its chat model,
// its threshold, its framed wording wishes), kept while the settings stay the same.
import type { SearchFilters } from "../../../schemas/api.js";
import type { Answerer } from "../../answer/answerer.js";
import type { Config } from "../../config/index.js";
import { createGenerator, type JsonGenerator } from "../../models/index.js";
import { storeLocation } from "../../store/location.js";
import type { AnswererVariant, Answering } from "../answering.js";
import { FramedGenerator, filtersFor, instructionFrame, TenantSettingsStore } from "./settings.js";

/** What routes ask of tenancy: the Answerer and the filters of a tenant. */
export interface TenantPolicy {
  /** The Answerer for the tenant's settings (all share one line in front of the models). */
  answerer(tenant: string): Promise<Answerer>;
  /** The request's filters, or the tenant's defaults when it names none. */
  filters(tenant: string, requested: SearchFilters | undefined): Promise<SearchFilters | undefined>;
}

/** Builds and caches per-tenant Answerers; chat models other than the server's are loaded on first use. */
export class TenantAnswerers implements TenantPolicy {
  private readonly answerers = new Map<string, { key: string; answerer: Answerer }>();
  private readonly generators = new Map<string, Promise<JsonGenerator>>();

  constructor(
    private readonly config: Config,
    private readonly settings: TenantSettingsStore,
    private readonly base: { answerer: Answerer; generator: JsonGenerator },
    private readonly variant: (v: AnswererVariant) => Answerer,
  ) {}

  private generator(model: string): Promise<JsonGenerator> {
    if (model === this.base.generator.modelId) return Promise.resolve(this.base.generator);
    let loading = this.generators.get(model);
    if (!loading) {
      loading = createGenerator({ ...this.config, CHAT_MODEL: model });
      this.generators.set(model, loading);
    }
    return loading;
  }

  async answerer(tenant: string): Promise<Answerer> {
    const s = await this.settings.get(tenant);
    const frame = instructionFrame(s);
    if (!frame && s.support_threshold === null && s.chat_model === null) return this.base.answerer;
    const key = JSON.stringify([frame, s.support_threshold, s.chat_model]);
    const cached = this.answerers.get(tenant);
    if (cached?.key === key) return cached.answerer;
    const model = await this.generator(s.chat_model ?? this.base.generator.modelId);
    const answerer = this.variant({
      generator: frame ? new FramedGenerator(model, frame) : model,
      supportThreshold: s.support_threshold ?? this.config.SUPPORT_THRESHOLD,
    });
    this.answerers.set(tenant, { key, answerer });
    return answerer;
  }

  async filters(tenant: string, requested: SearchFilters | undefined): Promise<SearchFilters | undefined> {
    return filtersFor(await this.settings.get(tenant), requested);
  }
}

/** Every tenant's Answerer over the server's answer path, with the tenants' settings in the store. */
export function createTenantAnswering(config: Config, answering: Answering) {
  const settings = new TenantSettingsStore(storeLocation(config), { dataDir: config.DATA_DIR });
  const tenants = new TenantAnswerers(config, settings, answering, answering.variant);
  return { settings, tenants };
}
