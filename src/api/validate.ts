import type { z } from "zod";
import { validationError } from "./errors.js";

/** Parse a request part with its schema from schemas/; a failure is a 400 that names each problem. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
