// Support: how sure Cited is that the cited words answer the question. The judge model's yes/no
// probability is the main signal; whether the closest passages use the vocabulary of the clause the
// question asks about moves it (a small judge says "yes" to related but wrong clauses).

/** Log-odds that full coverage of the clause vocabulary adds to the judge's (and none takes away). */
export const COVERAGE_WEIGHT = 2;

const logit = (p: number) => Math.log(Math.max(p, 1e-6) / Math.max(1 - p, 1e-6));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Log-odds per unit of clause vocabulary in the quoted sentences themselves, around QUOTE_COVERAGE_CENTRE
 * (a review cell's quote: a related clause the judge calls "yes" seldom uses the asked clause's words).
 * Chosen on eval/tuning.json's first 8 contracts (README, Contract review).
 */
export const QUOTE_COVERAGE_WEIGHT = 4;
export const QUOTE_COVERAGE_CENTRE = 0.35;

/**
 * Weight of a clause's prevalence (its prior log-odds) around PREVALENCE_CENTRE, the log-odds of a
 * prevalence of about 0.38: the judge's "yes" to a clause most contracts lack (a source code escrow)
 * is more often a neighbouring clause. Chosen on eval/tuning.json (README, Contract review).
 */
export const PREVALENCE_WEIGHT = 0.75;
export const PREVALENCE_CENTRE = -0.5;

/** What a review cell adds to an answer's support. */
export interface CellEvidence {
  /** Clause vocabulary coverage (0…1) of the quotes themselves. */
  quoteCoverage?: number | null;
  /** Share of contracts that hold the asked clause (0…1). */
  prevalence?: number;
}

/**
 * The support of an answer (0…1): the judge's probability, moved by vocabulary coverage of the passages
 * and of a review cell's quotes (0…1, or null when the question asks about no known concept, which
 * leaves the judge's word as it is) and by the asked clause's prevalence.
 */
export function combineSupport(judged: number, coverage: number | null, cell: CellEvidence = {}): number {
  const { quoteCoverage = null, prevalence } = cell;
  const passages = coverage === null ? 0 : COVERAGE_WEIGHT * (coverage - 0.5);
  const quoted =
    coverage === null || quoteCoverage === null
      ? 0
      : QUOTE_COVERAGE_WEIGHT * (quoteCoverage - QUOTE_COVERAGE_CENTRE);
  const prior = prevalence === undefined ? 0 : PREVALENCE_WEIGHT * (logit(prevalence) - PREVALENCE_CENTRE);
  return sigmoid(logit(judged) + passages + quoted + prior);
}
