// How long finished jobs stay in Redis: the one retention rule of every queue.
import type { JobsOptions } from "bullmq";

const DAY_S = 24 * 3600;

/** Completed jobs stay a week (their status is asked for), failed ones a month (someone must look). */
export const JOB_RETENTION = {
  removeOnComplete: { age: 7 * DAY_S },
  removeOnFail: { age: 30 * DAY_S },
} as const satisfies JobsOptions;
