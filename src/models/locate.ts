import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { type CatalogModel, findCatalogModel } from "./catalog.js";

/** Where a model reference (EMBED_MODEL, CHAT_MODEL, JUDGE_MODEL) points. */
export type ModelRefKind = "catalog" | "hf" | "file";

/** A model's file is not in MODELS_DIR; the message says which command provisions it. */
export class ModelNotProvisionedError extends Error {
  override name = "ModelNotProvisionedError";
}

/** Classify a model reference without touching the disk. */
export function classifyModelRef(ref: string): { kind: ModelRefKind; catalog?: CatalogModel } {
  const catalog = findCatalogModel(ref);
  if (catalog) return { kind: "catalog", catalog };
  if (/^(hf:|https?:\/\/)/.test(ref)) return { kind: "hf" };
  return { kind: "file" };
}

/**
 * The local .gguf path of a model reference. Never downloads: a model that `npm run models` has not
 * provisioned yet is a ModelNotProvisionedError telling the operator to run it.
 */
export async function locateModel(ref: string, modelsDir: string): Promise<string> {
  const { kind, catalog } = classifyModelRef(ref);
  const missing = (what: string) =>
    new ModelNotProvisionedError(`${what} is not in ${modelsDir}; run \`npm run models\` to provision it`);
  if (kind === "catalog") {
    const path = join(modelsDir, catalog!.file);
    if (!existsSync(path)) throw missing(`model ${ref} (${catalog!.file})`);
    return path;
  }
  if (kind === "hf") {
    try {
      return await resolveModelFile(ref, { directory: modelsDir, download: false, cli: false });
    } catch {
      throw missing(`model ${ref}`);
    }
  }
  const path = isAbsolute(ref) ? ref : existsSync(resolve(ref)) ? resolve(ref) : join(modelsDir, ref);
  if (!existsSync(path))
    throw new ModelNotProvisionedError(`model file ${ref} does not exist (looked at ${path})`);
  return path;
}
