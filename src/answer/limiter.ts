// The bounded, fair line in front of the chat model: a few generations run, a few wait, the rest get
// 429 at once; when callers compete, the line is shared fairly between tenants and, within a tenant,
// between keys.
import { AsyncLocalStorage } from "node:async_hooks";

/** The waiting line is full: the caller should retry after `retryAfterSeconds`. */
export class BusyError extends Error {
  override name = "BusyError";
  constructor(readonly retryAfterSeconds: number) {
    super(`every answer slot is busy and the waiting line is full: retry in about ${retryAfterSeconds} s`);
  }
}

/** A place in the line for the model: wait for `ready`, then always `release()`. */
export interface Ticket {
  /** Resolves when a slot is yours; rejects if the signal aborts first, or with BusyError if a fairer claim takes your place. */
  readonly ready: Promise<void>;
  /** Give the slot (or the place in line) back. Safe to call more than once. */
  release(): void;
}

/** Whose question it is: the line is shared fairly between tenants, then between keys of a tenant. */
export interface Owner {
  tenant: string;
  key: string;
}

const ANONYMOUS: Owner = { tenant: "", key: "" };
const owners = new AsyncLocalStorage<Owner>();

/**
 * Run `fn` with `owner` as the owner of the places it takes in any limiter (`enter` without an
 * owner). Lets the API name the caller without every layer between it and the limiter passing it on.
 */
export function asOwner<T>(owner: Owner, fn: () => T): T {
  return owners.run(owner, fn);
}

interface Waiter {
  owner: Owner;
  start: () => void;
  evict: (error: BusyError) => void;
}

/**
 * A bounded queue in front of the model: at most `parallel` generations run, at most `maxWaiting`
 * wait; beyond that, `enter` throws BusyError at once (before any response is started). Fairness,
 * by max-min shares: when the line is full, a caller whose tenant holds fewer places than the
 * heaviest tenant takes the newest place of that tenant (which gets BusyError → 429); within a
 * tenant the same holds between keys. Alone, a caller may use the whole line. A freed slot goes to
 * the tenant (then the key) served least recently. A waiter whose signal aborts leaves the line.
 */
export class GenerationLimiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private recentMs: number[] = [];
  /** When each tenant and each key was last given a slot (a counter, not a time). */
  private readonly served = new Map<string, number>();
  private tick = 0;

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

  /** The newest waiter of the group (tenant, or key within `tenant`) that holds the most places, if it holds more than `owner`'s plus one. */
  private victimFor(owner: Owner): Waiter | null {
    const pick = (pool: Waiter[], groupOf: (w: Waiter) => string, mine: string) => {
      const counts = new Map<string, number>();
      for (const w of pool) counts.set(groupOf(w), (counts.get(groupOf(w)) ?? 0) + 1);
      const [heaviest, most] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
      if (heaviest === mine || most <= (counts.get(mine) ?? 0) + 1) return null;
      return pool.filter((w) => groupOf(w) === heaviest).at(-1) ?? null;
    };
    return (
      pick(this.waiting, (w) => w.owner.tenant, owner.tenant) ??
      pick(
        this.waiting.filter((w) => w.owner.tenant === owner.tenant),
        (w) => w.owner.key,
        owner.key,
      )
    );
  }

  /** The waiter whose tenant, then key, was served least recently (the oldest such waiter). */
  private nextWaiter(): Waiter | undefined {
    const last = (name: string) => this.served.get(name) ?? -1;
    let best: Waiter | undefined;
    for (const w of this.waiting) {
      if (
        !best ||
        last(`t:${w.owner.tenant}`) < last(`t:${best.owner.tenant}`) ||
        (w.owner.tenant === best.owner.tenant && last(`k:${w.owner.key}`) < last(`k:${best.owner.key}`))
      )
        best = w;
    }
    return best;
  }

  private markServed(owner: Owner): void {
    this.tick++;
    this.served.set(`t:${owner.tenant}`, this.tick);
    this.served.set(`k:${owner.key}`, this.tick);
  }

  /**
   * Take a place: a slot now, or a place in line. Throws BusyError synchronously when the line is
   * full and no fairer share can be made; the owner defaults to the one set by `asOwner`.
   */
  enter(signal?: AbortSignal, owner: Owner = owners.getStore() ?? ANONYMOUS): Ticket {
    signal?.throwIfAborted();
    const entered = performance.now();
    let state: "waiting" | "running" | "done" = "waiting";
    const leaveLine = () => {
      const i = this.waiting.indexOf(waiter);
      if (i >= 0) this.waiting.splice(i, 1);
    };
    let waiter!: Waiter;
    const ready = new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        if (state !== "waiting") return;
        state = "done";
        leaveLine();
        reject(signal?.reason ?? new Error("aborted"));
      };
      waiter = {
        owner,
        start: () => {
          state = "running";
          signal?.removeEventListener("abort", onAbort);
          this.markServed(owner);
          resolve();
        },
        evict: (error) => {
          state = "done";
          signal?.removeEventListener("abort", onAbort);
          leaveLine();
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    ready.catch(() => {});
    this.admit(waiter);
    return {
      ready,
      release: () => {
        if (state !== "running") {
          if (state === "waiting") leaveLine();
          state = "done";
          return;
        }
        state = "done";
        this.freeSlot(performance.now() - entered);
      },
    };
  }

  /** Start the waiter in a free slot, else queue it, else take the place of a heavier owner's newest waiter, else refuse. */
  private admit(waiter: Waiter): void {
    if (this.running < this.parallel) {
      this.running++;
      waiter.start();
    } else if (this.waiting.length < this.maxWaiting) {
      this.waiting.push(waiter);
    } else {
      const victim = this.victimFor(waiter.owner);
      if (!victim) throw new BusyError(this.retryAfter());
      victim.evict(new BusyError(this.retryAfter()));
      this.waiting.push(waiter);
    }
  }

  /** A generation that took `ms` ended: its slot goes to the fairest waiter, or is freed. */
  private freeSlot(ms: number): void {
    this.recentMs = [...this.recentMs.slice(-19), ms];
    const next = this.nextWaiter();
    if (next) {
      this.waiting.splice(this.waiting.indexOf(next), 1);
      next.start();
    } else this.running--;
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
