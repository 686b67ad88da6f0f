import { availableParallelism } from "node:os";
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel } from "node-llama-cpp";
import { recordModelLoad } from "../lib/metrics.js";

let llamaPromise: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();

/** The llama.cpp runtime, loaded once per process (prebuilt CPU binary, never built or downloaded). */
export function getRuntime(): Promise<Llama> {
  llamaPromise ??= getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
  });
  return llamaPromise;
}

/** A model file loaded once per process, shared by every context that uses it. */
export function loadModelFile(path: string): Promise<LlamaModel> {
  let model = models.get(path);
  if (!model) {
    model = getRuntime().then(async (llama) => {
      const began = performance.now();
      const loaded = await llama.loadModel({ modelPath: path });
      recordModelLoad(path, (performance.now() - began) / 1000);
      return loaded;
    });
    models.set(path, model);
    model.catch(() => models.delete(path));
  }
  return model;
}

/** Unload every model and the runtime (tests and graceful shutdown). */
export async function disposeRuntime(): Promise<void> {
  const loaded = [...models.values()];
  models.clear();
  for (const m of loaded) await (await m.catch(() => null))?.dispose();
  const llama = llamaPromise;
  llamaPromise = undefined;
  await (await llama?.catch(() => null))?.dispose();
}

/**
 * CPU threads for a context: `requested`, or every core when 0. Never hand 0 to node-llama-cpp
 * 3.21: a context created with `threads: 0` waits forever on its first evaluation.
 */
export function resolveThreads(requested = 0): number {
  return requested > 0 ? requested : availableParallelism();
}
