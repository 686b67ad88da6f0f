// The language an answer is written in: the question's own (English or Spanish), told apart by the
// small words every sentence of each language has. Quotes stay in the document's language, verbatim.

/** A language Cited writes answers in. */
export type AnswerLanguage = "en" | "es";

/** Words frequent in Spanish and rare in English (and the other way round). */
const SPANISH =
  /^(el|la|los|las|del|al|que|qué|cuál|cuáles|cuánto|cuánta|cuántos|cuántas|cuándo|dónde|quién|quiénes|cómo|puede|pueden|debe|deben|contrato|acuerdo|parte|partes|para|con|una|por|se|es|son|está|están|sus|su|y|lo|le|les|hay|sobre|entre|sin|tras|plazo|cláusula|según|ley|años?|días?|meses|mes)$/;
const ENGLISH =
  /^(the|of|and|to|is|are|be|which|what|when|who|how|may|shall|must|this|that|with|for|by|agreement|party|parties|will|any|does|do|can|its|their|under|after|year|years|days?|months?|law)$/;

/** Whether a text is Spanish or English, by its function words (and "¿" or "ñ", which only Spanish writes). */
export function languageOf(text: string): AnswerLanguage {
  const words = text.toLowerCase().split(/[^\p{L}]+/u);
  let spanish = /[¿¡ñ]/.test(text) ? 2 : 0;
  let english = 0;
  for (const w of words) {
    if (SPANISH.test(w)) spanish++;
    else if (ENGLISH.test(w)) english++;
  }
  return spanish > english ? "es" : "en";
}

/** The language's name as a model is told it. */
export const LANGUAGE_NAME: Record<AnswerLanguage, string> = { en: "English", es: "Spanish" };
