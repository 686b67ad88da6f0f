// The llama.cpp runtime of the process: one per process, on the backend LLAMA_GPU asks for, and the
// model files loaded into it once each.
import { availableParallelism } from "node:os";
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type LlamaOptions } from "node-llama-cpp";
import { type Config, ConfigError } from "../config/index.js";
import type { Logger } from "../lib/logger.js";
import { recordModelLoad } from "../lib/metrics.js";

/** A LLAMA_GPU value. */
export type GpuSetting = Config["LLAMA_GPU"];

/** How the runtime is loaded. */
export interface RuntimeSettings {
  /** The backend asked for (LLAMA_GPU). */
  gpu: GpuSetting;
  /** Where the backend in use is said once it is loaded; nothing is logged without one. */
  log?: Logger;
}

let settings: RuntimeSettings = { gpu: "auto" };
let llamaPromise: Promise<Llama> | undefined;
const models = new Map<string, Promise<LlamaModel>>();

/** Set the backend and logger of the runtime; they apply from its next load (first use, or after disposeRuntime). */
export function configureRuntime(next: RuntimeSettings): void {
  settings = next;
}

/** getLlama's options for a LLAMA_GPU value: prebuilt binaries only (never built or downloaded); "off" is the CPU. */
export function llamaOptions(gpu: GpuSetting): LlamaOptions {
  return {
    gpu: gpu === "off" ? false : gpu,
    build: "never",
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
  };
}

/** The start-up error when the GPU backend LLAMA_GPU names explicitly cannot be loaded. */
export function gpuUnavailable(gpu: "cuda" | "vulkan", cause: unknown): ConfigError {
  const need =
    gpu === "cuda"
      ? "an NVIDIA GPU with its driver and CUDA runtime (see nvidia-smi)"
      : "a GPU with a Vulkan driver (see vulkaninfo)";
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(
    "LLAMA_GPU",
    `LLAMA_GPU=${gpu}: the ${gpu} backend of llama.cpp cannot be loaded on this machine (${why}); it needs ${need}. Install the driver, or set LLAMA_GPU=auto (a GPU when one loads, else the CPU) or LLAMA_GPU=off (the CPU)`,
  );
}

/** Load llama.cpp on the configured backend and say which one it runs on. */
async function loadRuntime({ gpu, log }: RuntimeSettings): Promise<Llama> {
  let llama: Llama;
  try {
    llama = await getLlama(llamaOptions(gpu));
  } catch (error) {
    throw gpu === "cuda" || gpu === "vulkan" ? gpuUnavailable(gpu, error) : error;
  }
  const backend = llama.gpu || "cpu";
  log?.info({ LLAMA_GPU: gpu, backend }, `llama.cpp runs on ${backend} (LLAMA_GPU=${gpu})`);
  return llama;
}

/** The llama.cpp runtime, loaded once per process on the backend of configureRuntime (default "auto"). */
export function getRuntime(): Promise<Llama> {
  llamaPromise ??= loadRuntime(settings);
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
