// GET /v1/tenant (any key: the tenant's settings and what answers use) and PATCH /v1/tenant (admins:
// change them; audited with what changed).
import { Router } from "express";
import { NoQuery } from "../../../schemas/api.js";
import type { TenantSettings } from "../../../schemas/tenant.js";
import { TenantSettingsPatch, type TenantView } from "../../../schemas/tenant.js";
import type { TenantSettingsStore } from "../../usecases/tenants/settings.js";
import type { AuditRecorder } from "../audit.js";
import { type Caller, callerOf } from "../context.js";
import { ApiError } from "../errors.js";
import { parseInput } from "../validate.js";

/** What the tenant routes need. */
export interface TenantRoutesDeps {
  /** The tenants' stored settings. */
  settings: TenantSettingsStore;
  /** Chat models provisioned on this server, the server's own first. */
  chatModels: string[];
  /** The server's SUPPORT_THRESHOLD. */
  supportThreshold: number;
  /** Records each change. */
  audit: AuditRecorder;
}

function view(deps: TenantRoutesDeps, caller: Caller, settings: TenantSettings): TenantView {
  return {
    tenant: caller.scope.tenant,
    role: caller.role,
    settings,
    effective: {
      support_threshold: settings.support_threshold ?? deps.supportThreshold,
      chat_model: settings.chat_model ?? deps.chatModels[0]!,
    },
    chat_models: deps.chatModels,
  };
}

export function tenantRoutes(deps: TenantRoutesDeps): Router {
  const router = Router();

  router.get("/v1/tenant", async (req, res) => {
    parseInput(NoQuery, req.query, "query");
    const caller = callerOf(res);
    res.json(view(deps, caller, await deps.settings.get(caller.scope.tenant)));
  });

  router.patch("/v1/tenant", async (req, res) => {
    const caller = callerOf(res);
    if (caller.role !== "admin")
      throw new ApiError(
        403,
        "forbidden",
        "only admin keys change tenant settings: ask an administrator of your tenant",
      );
    parseInput(NoQuery, req.query, "query");
    const patch = parseInput(TenantSettingsPatch, req.body, "body");
    if (patch.chat_model && !deps.chatModels.includes(patch.chat_model)) {
      throw new ApiError(
        400,
        "invalid_request",
        `chat_model "${patch.chat_model}" is not provisioned on this server: use one of ${deps.chatModels.join(", ")} (an operator adds more with \`npm run models\`)`,
      );
    }
    const { before, after } = await deps.settings.update(caller.scope.tenant, patch);
    const changed = Object.keys(patch) as (keyof TenantSettingsPatch)[];
    await deps.audit(req, res, "tenant.settings", {
      changed,
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
    res.json(view(deps, caller, after));
  });

  return router;
}
