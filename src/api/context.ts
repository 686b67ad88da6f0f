import type { Response } from "express";
import type { AccessScope } from "../access/scope.js";

/** What the auth middleware establishes about the caller of a request. */
export interface Caller {
  scope: AccessScope;
  /** Key id, or "open" in open single-user mode. */
  keyId: string;
  role: "reader" | "editor" | "admin";
}

/** The caller of the request being handled (set by the auth middleware before any route). */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error("route mounted without the auth middleware");
  return caller;
}
