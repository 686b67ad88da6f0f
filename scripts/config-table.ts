// Prints the README's configuration table. Usage: npx tsx scripts/config-table.ts
import { configTable } from "./lib/config-table.js";

console.log(configTable());
