// The process services of an eval run over its store of dataset documents (built once, then reused):
// `cited eval` and `cited eval --review` both start here.
import type { Config } from "../config/index.js";
import type { Dataset } from "../usecases/eval/dataset.js";
import { buildEvalStore, evalStoreDir, indexSettings } from "../usecases/eval/runner.js";
import { openServices } from "../usecases/services.js";
import { progressBar } from "./progress.js";

/** Where the eval store lives: a folder under `storeRoot` named by the index settings and documents, or `store`. */
export interface EvalStoreWhere {
  "store-root": string;
  store?: string | undefined;
}

/** Open the services, build (or reuse) the eval store of `docs` and adopt it as the services' store. */
export async function openEvalStore(config: Config, dataset: Dataset, docs: string[], where: EvalStoreWhere) {
  const settings = indexSettings(config);
  const storeDir = evalStoreDir(settings, dataset.dir, docs, where["store-root"], where.store);
  const progress = progressBar();
  const services = openServices(config);
  const embedder = await services.embedder();
  const built = await buildEvalStore(dataset, docs, storeDir, embedder, settings, progress);
  services.adoptStore(built.store);
  return { services, settings, progress, ...built };
}
