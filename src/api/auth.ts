import type { Request } from "express";
import type { KeyStore } from "../access/keys.js";
import { LOCAL_SCOPE } from "../access/scope.js";
import type { Caller } from "./context.js";
import { ApiError } from "./errors.js";

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(req: Request): string | null {
  const auth = req.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : auth.trim();
  }
  return req.get("x-api-key")?.trim() || null;
}

/**
 * Who is calling. In open single-user mode everyone is the local admin; otherwise a valid, unrevoked
 * key is required (401 without one).
 */
export function authenticator(options: { openMode: boolean; keys: KeyStore }) {
  return async (req: Request): Promise<Caller> => {
    if (options.openMode) return { scope: LOCAL_SCOPE, keyId: "open", role: "admin" };
    const key = presentedKey(req);
    if (!key) {
      throw new ApiError(
        401,
        "missing_key",
        "missing API key: send it as 'Authorization: Bearer <key>'; an operator creates keys with `npm run cited -- keys create`",
        { "WWW-Authenticate": 'Bearer realm="cited"' },
      );
    }
    const holder = await options.keys.authenticate(key);
    if (!holder) {
      throw new ApiError(401, "invalid_key", "unknown or revoked API key: ask the operator for a valid key", {
        "WWW-Authenticate": 'Bearer realm="cited", error="invalid_token"',
      });
    }
    return { scope: holder.scope, keyId: holder.keyId, role: holder.role };
  };
}
