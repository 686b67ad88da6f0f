// The import graph is layered, bottom to top:
//   schemas → src/lib, src/config → src/models, src/store, src/queue, src/access → ingestion, src/retrieval
//   → src/answer, src/review → src/usecases (intake, sync, review, eval, chat, tenants, webhooks) → workers, src/api, src/cli (entry points)
// `npm run check:layers` fails on a cycle or on an import that points up.
const layer = {
  schemas: "^schemas/",
  base: "^src/(lib|config)/",
  services: "^src/(models|store|queue|access)/",
  stages: "^(ingestion/|src/retrieval/)",
  answer: "^src/(answer|review)/",
  usecases: "^src/usecases/",
  top: "^(workers/|src/api/|src/cli/|src/ui/)",
};
const above = (...names) => names.map((n) => layer[n]).join("|");
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "schemas-at-bottom",
      severity: "error",
      from: { path: layer.schemas },
      to: { path: "^(src|ingestion|workers)/" },
    },
    {
      name: "base-layer",
      severity: "error",
      from: { path: layer.base },
      to: { path: above("services", "stages", "answer", "usecases", "top") },
    },
    {
      name: "services-layer",
      severity: "error",
      from: { path: layer.services },
      to: { path: above("stages", "answer", "usecases", "top") },
    },
    {
      name: "stages-layer",
      severity: "error",
      from: { path: layer.stages },
      to: { path: above("answer", "usecases", "top") },
    },
    {
      name: "answer-layer",
      severity: "error",
      from: { path: layer.answer },
      to: { path: above("usecases", "top") },
    },
    { name: "usecases-layer", severity: "error", from: { path: layer.usecases }, to: { path: layer.top } },
    {
      name: "entry-points-apart",
      severity: "error",
      from: { path: "^workers/" },
      to: { path: "^src/(api|cli|ui)/" },
    },
    {
      name: "api-not-cli",
      severity: "error",
      from: { path: "^src/api/" },
      to: { path: "^(src/cli/|workers/)" },
    },
    {
      name: "product-not-tooling",
      severity: "error",
      from: { path: "^(schemas|src|ingestion|workers)/" },
      to: { path: "^(test|bench|scripts|eval)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
