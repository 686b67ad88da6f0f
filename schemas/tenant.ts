// Shapes of per-tenant settings (GET /v1/tenant, PATCH /v1/tenant): how a tenant's answers are
// worded, how sure they must be, what they search by default, and which provisioned chat model writes them.
import { z } from "zod";
import { KeyRole, SearchFilters } from "./api.js";

/** A change of settings (admins only): a field set to null goes back to the server's default; absent fields stay. */
export const TenantSettingsPatch = z
  .object({
    /** Language answers are worded in, e.g. "Spanish" (quotes stay as the documents have them). */
    answer_language: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[\p{L} ()-]+$/u, "answer_language is a language name, e.g. Spanish")
      .nullable()
      .optional(),
    /** Wording wishes added to the answer prompt inside a fixed frame (it cannot turn off citations). */
    answer_style: z.string().trim().min(1).max(500).nullable().optional(),
    /** The tenant's SUPPORT_THRESHOLD (0–1). */
    support_threshold: z.number().min(0).max(1).nullable().optional(),
    /** Filters used when a search or question names none. */
    default_filters: SearchFilters.nullable().optional(),
    /** A chat model among those provisioned (see `chat_models` in GET /v1/tenant). */
    chat_model: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict()
  .meta({ id: "TenantSettingsPatch" });
export type TenantSettingsPatch = z.infer<typeof TenantSettingsPatch>;

/** A tenant's stored settings; null means the server's default. */
export const TenantSettings = z
  .object({
    answer_language: z.string().nullable(),
    answer_style: z.string().nullable(),
    support_threshold: z.number().nullable(),
    default_filters: SearchFilters.nullable(),
    chat_model: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: "TenantSettings" });
export type TenantSettings = z.infer<typeof TenantSettings>;

export const TenantView = z
  .object({
    tenant: z.string(),
    /** The role of the key that asked. */
    role: KeyRole,
    settings: TenantSettings,
    /** What answers use now: the settings, or the server's defaults where they are null. */
    effective: z.object({ support_threshold: z.number(), chat_model: z.string() }),
    /** Chat models provisioned on this server (choices for chat_model). */
    chat_models: z.array(z.string()),
  })
  .meta({ id: "Tenant" });
export type TenantView = z.infer<typeof TenantView>;
