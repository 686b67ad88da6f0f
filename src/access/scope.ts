import { DEFAULT_TENANT, PUBLIC_GROUP } from "../../schemas/document.js";
import { sqlString } from "../lib/sql.js";

/**
 * What a caller may read: one tenant, and within it the documents whose ACL shares a group with the
 * caller. Every read of documents, pages, chunks, jobs and sources takes one; there is no way around it.
 */
export interface AccessScope {
  /** The caller's tenant. */
  readonly tenant: string;
  /** The caller's groups; `public` is always added. */
  readonly groups: readonly string[];
  /** Admins of a tenant see every document in it, whatever its ACL. */
  readonly allGroups: boolean;
}

/** Build a scope; `public` is always one of the groups. */
export function accessScope(tenant: string, groups: readonly string[], allGroups = false): AccessScope {
  return { tenant, groups: [...new Set([...groups, PUBLIC_GROUP])], allGroups };
}

/** The scope of the open single-user mode and of the tools that run on the server itself: the default tenant, everything in it. */
export const LOCAL_SCOPE: AccessScope = accessScope(DEFAULT_TENANT, [], true);

/**
 * The SQL filter (LanceDB `where`) that limits rows with `tenant` and `acl` columns to the scope.
 * This is the one place where that filter is written; LanceDB applies it inside the query
 * (prefilter), never to results after the fact.
 */
export function scopeFilter(scope: AccessScope): string {
  // The type already demands a scope; this stops a caller that got around it (a cast, plain JavaScript).
  if (!scope || typeof scope.tenant !== "string" || !Array.isArray(scope.groups))
    throw new Error("a query without an access scope was refused");
  const tenant = `tenant = ${sqlString(scope.tenant)}`;
  if (scope.allGroups) return tenant;
  return `${tenant} AND array_has_any(acl, [${scope.groups.map(sqlString).join(", ")}])`;
}

/**
 * The same rule as scopeFilter, for things that are not LanceDB rows (queue jobs, sources): the
 * caller's tenant, and an ACL that shares a group with the caller (admins: any ACL).
 */
export function canRead(scope: AccessScope, owner: { tenant: string; acl: readonly string[] }): boolean {
  if (owner.tenant !== scope.tenant || !Array.isArray(owner.acl)) return false;
  return scope.allGroups || owner.acl.some((g) => scope.groups.includes(g));
}

/**
 * Whether a caller may give documents to these groups (uploads, sources): editors only to their own
 * groups and `public`, admins to any group of their tenant. The first group it may not, or null.
 */
export function mayShareWith(role: string, scope: AccessScope, groups: readonly string[]): string | null {
  if (role === "admin" || scope.allGroups) return null;
  return groups.find((g) => g !== PUBLIC_GROUP && !scope.groups.includes(g)) ?? null;
}

/** A caller tried to give documents to a group of which they are not a member. */
export class ShareForbiddenError extends Error {
  override name = "ShareForbiddenError";
  constructor(readonly group: string) {
    super(`you are not in group "${group}": share documents only with your own groups`);
  }
}

/** Throws ShareForbiddenError unless the caller may give documents to all these groups (see mayShareWith). */
export function assertMayShareWith(role: string, scope: AccessScope, groups: readonly string[]): void {
  const outside = mayShareWith(role, scope, groups);
  if (outside !== null) throw new ShareForbiddenError(outside);
}

/** Who registers a folder source: a role and a scope; absent for the operator's command line. */
export interface Registrar {
  role: string;
  scope: AccessScope;
}

/**
 * The ACL of a new folder source in a share that belongs to some groups (SOURCE_ROOTS): only their
 * members (or admins) register there, only to those groups; unnamed, the share's groups the registrar
 * is in (admins: all of them). Outside such a share: the named groups, else public. The ACL, or why not.
 */
export function sourceAcl(
  share: readonly string[],
  requested: readonly string[] | null,
  registrar: Registrar | undefined,
): { acl: string[] } | { refused: string } {
  const named = requested?.length ? [...requested] : null;
  if (share.length > 0 && registrar) {
    const admin = registrar.role === "admin" || registrar.scope.allGroups;
    const s = share.length > 1 ? "s" : "";
    if (!admin && !share.some((g) => registrar.scope.groups.includes(g)))
      return {
        refused: `this share belongs to group${s} ${share.join(", ")}: only their members register folders in it`,
      };
    const outside = named?.find((g) => !share.includes(g));
    if (outside)
      return {
        refused: `this share belongs to ${share.join(", ")}: its documents cannot be given to group "${outside}"`,
      };
    if (!named) return { acl: admin ? [...share] : share.filter((g) => registrar.scope.groups.includes(g)) };
  }
  return { acl: named ?? (share.length ? [...share] : [PUBLIC_GROUP]) };
}
