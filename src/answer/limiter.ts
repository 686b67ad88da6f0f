/** The waiting line is full: the caller should retry after `retryAfterSeconds`. */
export class BusyError extends Error {
  override name = "BusyError";
  constructor(readonly retryAfterSeconds: number) {
    super(`every answer slot is busy and the waiting line is full: retry in about ${retryAfterSeconds} s`);
  }
}

/** A place in the line for the model: wait for `ready`, then always `release()`. */
export interface Ticket {
  /** Resolves when a slot is yours; rejects if the signal aborts first. */
  readonly ready: Promise<void>;
  /** Give the slot (or the place in line) back. Safe to call more than once. */
  release(): void;
}

/**
 * A bounded queue in front of the model: at most `parallel` generations run, at most `maxWaiting`
 * wait; beyond that, `enter` throws BusyError at once (before any response is started). A waiter
 * whose signal aborts leaves the line; a slot is handed on the moment its holder releases it, so a
 * slow or crashed generation never blocks the others for longer than its own timeout.
 */
export class GenerationLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private recentMs: number[] = [];

  constructor(
    readonly parallel: number,
    readonly maxWaiting: number,
  ) {}

  /** Generations running now and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private retryAfter(): number {
    const avg = this.recentMs.length
      ? this.recentMs.reduce((a, b) => a + b, 0) / this.recentMs.length
      : 10_000;
    return Math.max(1, Math.ceil(((this.waiting.length + 1) * avg) / this.parallel / 1000));
  }

  /** Take a place: a slot now, or a place in line. Throws BusyError synchronously when the line is full. */
  enter(signal?: AbortSignal): Ticket {
    signal?.throwIfAborted();
    const entered = performance.now();
    let state: "waiting" | "running" | "done" = "waiting";
    let start!: () => void;
    const ready = new Promise<void>((resolve, reject) => {
      start = () => {
        state = "running";
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        if (state !== "waiting") return;
        state = "done";
        const i = this.waiting.indexOf(start);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    ready.catch(() => {});
    if (this.running < this.parallel) {
      this.running++;
      start();
    } else if (this.waiting.length < this.maxWaiting) {
      this.waiting.push(start);
    } else {
      throw new BusyError(this.retryAfter());
    }
    return {
      ready,
      release: () => {
        if (state !== "running") {
          if (state === "waiting") {
            const i = this.waiting.indexOf(start);
            if (i >= 0) this.waiting.splice(i, 1);
          }
          state = "done";
          return;
        }
        state = "done";
        this.recentMs = [...this.recentMs.slice(-19), performance.now() - entered];
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      },
    };
  }

  /** Run a task in a slot (enter, wait, run, release). */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const ticket = this.enter(signal);
    try {
      await ticket.ready;
      return await task();
    } finally {
      ticket.release();
    }
  }
}
