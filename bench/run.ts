// npm run bench — every benchmark in turn; each writes its own file in bench/results/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

for (const name of ["ingest", "ask", "sync", "embed"]) {
  const script = `bench/${name}.ts`;
  if (!existsSync(script)) continue;
  console.log(`\n=== bench:${name}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", script, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
