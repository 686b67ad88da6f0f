/** Quote a string for a LanceDB (DataFusion SQL) filter. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `column IN (...)` for a list of strings; `false` for an empty list. */
export function sqlIn(column: string, values: readonly string[]): string {
  return values.length === 0 ? "false" : `${column} IN (${values.map(sqlString).join(", ")})`;
}
