import type { Table } from "@lancedb/lancedb";

/** Arrow list vectors and typed arrays → plain arrays, BigInt → number: rows as the zod schemas describe them. */
export function plainRow<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === null || value === undefined) out[key] = value ?? null;
    else if (typeof value === "bigint") out[key] = Number(value);
    else if (typeof value === "object" && typeof (value as { toArray?: unknown }).toArray === "function") {
      out[key] = Array.from((value as { toArray(): ArrayLike<unknown> }).toArray());
    } else if (ArrayBuffer.isView(value)) out[key] = Array.from(value as unknown as ArrayLike<number>);
    else out[key] = value;
  }
  return out as T;
}

/** Rows matching `where`, as plain objects, without the vector column unless asked for. */
export async function selectRows<T>(
  table: Table,
  where: string,
  options: { columns?: string[]; limit?: number; offset?: number } = {},
): Promise<T[]> {
  let query = table.query().where(where);
  if (options.columns) query = query.select(options.columns);
  if (options.limit !== undefined) query = query.limit(options.limit);
  if (options.offset !== undefined) query = query.offset(options.offset);
  const rows = (await query.toArray()) as Record<string, unknown>[];
  return rows.map((r) => plainRow<T>(r));
}
