// Commits that race with other processes' commits to the same table.

/**
 * Run a commit again when another process committed a change that conflicts with it (LanceDB
 * rebases compatible commits itself; two updates of the same rows can still fail).
 */
export async function withCommitRetry<T>(commit: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await commit();
    } catch (error) {
      if (attempt >= attempts || !isCommitConflict(error)) throw error;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
    }
  }
}

/** Whether a commit failed because another process committed a conflicting change first. */
export function isCommitConflict(error: unknown): boolean {
  return /conflict|concurrent|retry/i.test(String(error));
}
