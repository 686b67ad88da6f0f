// Review templates: the shipped ones (cuad, essentials, summary) and users' own, in JSON or YAML,
// validated with one clear message per bad field.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ReviewTemplate } from "../../schemas/review.js";

/** Names of the templates Cited ships. */
export const SHIPPED_TEMPLATES = ["cuad", "essentials", "summary"] as const;

/** A template that cannot be used: the message names each wrong field and what to fix. */
export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(
    message: string,
    /** The problems, one per bad field or setting. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

/** Where a zod issue is, in words: `fields[2] ("Term").type`. */
function issuePath(issue: z.core.$ZodIssue, input: unknown): string {
  const parts: string[] = [];
  let at: unknown = input;
  for (const key of issue.path) {
    if (typeof key === "number") {
      const name = (at as { name?: unknown }[] | undefined)?.[key]?.name;
      parts.push(`[${key}]${typeof name === "string" ? ` ("${name}")` : ""}`);
    } else parts.push(`${parts.length ? "." : ""}${String(key)}`);
    at = (at as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  }
  return parts.join("") || "template";
}

/** Validate a template object; TemplateError lists every problem with the field it is in. */
export function validateTemplate(input: unknown): ReviewTemplate {
  const parsed = ReviewTemplate.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${issuePath(i, input)}: ${i.message}`);
  throw new TemplateError(`the template is not valid: ${problems.join("; ")}`, problems);
}

/** Parse a user's template from JSON or YAML text (by file name, or JSON when it starts with "{"). */
export function parseTemplate(text: string, fileName = ""): ReviewTemplate {
  const yaml = /\.ya?ml$/i.test(fileName) || (!fileName && !text.trimStart().startsWith("{"));
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TemplateError(
      `the template is not valid ${yaml ? "YAML" : "JSON"}: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return validateTemplate(value);
}

const cache = new Map<string, ReviewTemplate>();

/** A shipped template by name; TemplateError names the ones there are. */
export function shippedTemplate(name: string): ReviewTemplate {
  if (!(SHIPPED_TEMPLATES as readonly string[]).includes(name)) {
    throw new TemplateError(
      `no template named "${name}": use one of ${SHIPPED_TEMPLATES.join(", ")}, or give the template itself`,
    );
  }
  let template = cache.get(name);
  if (!template) {
    const file = new URL(`./templates/${name}.json`, import.meta.url);
    template = validateTemplate(JSON.parse(readFileSync(file, "utf8")));
    cache.set(name, template);
  }
  return template;
}

/** A template by name or given inline (already shaped by the request schema, validated again here). */
export function resolveTemplate(template: string | unknown): ReviewTemplate {
  return typeof template === "string" ? shippedTemplate(template) : validateTemplate(template);
}
