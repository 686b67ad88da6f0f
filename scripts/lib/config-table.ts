import { type ConfigKey, ConfigSchema, describeSetting } from "../../schemas/config.js";

/** The README's configuration table, from schemas/config.ts (the one source of the settings). */
export function configTable(): string {
  const rows = (Object.keys(ConfigSchema.shape) as ConfigKey[]).map((key) => {
    const parsed = ConfigSchema.shape[key].safeParse(undefined);
    const value = parsed.success ? parsed.data : undefined;
    const empty = value === undefined || String(value) === "";
    const shown = empty ? "—" : `\`${String(value)}\``;
    return `| \`${key}\` | ${shown} | ${describeSetting(key).doc} |`;
  });
  return ["| Variable | Default | What it sets |", "|---|---|---|", ...rows].join("\n");
}
