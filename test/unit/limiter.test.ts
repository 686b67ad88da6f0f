import { BusyError, GenerationLimiter } from "../../src/answer/limiter.js";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** The errors the tickets' `ready` rejected with so far (filled in as they settle). */
function refusals(tickets: { ready: Promise<void> }[]): unknown[] {
  const out: unknown[] = [];
  for (const t of tickets) t.ready.catch((e: unknown) => out.push(e));
  return out;
}

describe("GenerationLimiter", () => {
  test("runs at most `parallel` tasks, queues up to `maxWaiting`, refuses the rest at once", async () => {
    const limiter = new GenerationLimiter(1, 1);
    const first = deferred();
    const running = limiter.run(() => first.promise);
    const waiting = limiter.run(async () => "second");
    expect(limiter.load).toEqual({ running: 1, waiting: 1 });
    expect(() => limiter.enter()).toThrow(BusyError);
    first.resolve();
    await running;
    await expect(waiting).resolves.toBe("second");
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  test("a waiter whose signal aborts leaves the line and the next one moves up", async () => {
    const limiter = new GenerationLimiter(1, 2);
    const first = deferred();
    const running = limiter.run(() => first.promise);
    const controller = new AbortController();
    const abandoned = limiter.run(async () => "never", controller.signal);
    const patient = limiter.run(async () => "served");
    controller.abort(new Error("client went away"));
    await expect(abandoned).rejects.toThrow("client went away");
    expect(limiter.load.waiting).toBe(1);
    first.resolve();
    await running;
    await expect(patient).resolves.toBe("served");
  });

  test("a task that throws frees its slot", async () => {
    const limiter = new GenerationLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error("model crashed")))).rejects.toThrow(
      "model crashed",
    );
    await expect(limiter.run(async () => "next")).resolves.toBe("next");
  });

  test("BusyError carries a Retry-After of at least one second", () => {
    const limiter = new GenerationLimiter(1, 0);
    const t = limiter.enter();
    try {
      limiter.enter();
      throw new Error("not refused");
    } catch (e) {
      expect(e).toBeInstanceOf(BusyError);
      expect((e as BusyError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      t.release();
    }
  });

  test("one tenant cannot fill the line: another tenant still gets a place, and is served next (finding 10)", async () => {
    const limiter = new GenerationLimiter(1, 4);
    const a = { tenant: "a", key: "ka" };
    const running = limiter.enter(undefined, a);
    const waitingA = Array.from({ length: 4 }, () => limiter.enter(undefined, a));
    expect(limiter.load).toEqual({ running: 1, waiting: 4 });
    const refusedA = refusals(waitingA);
    const b = limiter.enter(undefined, { tenant: "b", key: "kb" });
    // One of a's waiters gave its place up (429 for it), and a's next question is refused.
    await new Promise((r) => setImmediate(r));
    expect(refusedA.filter((e) => e instanceof BusyError)).toHaveLength(1);
    expect(() => limiter.enter(undefined, a)).toThrow(BusyError);
    // When the slot frees, b is served before a's older waiters.
    const order: string[] = [];
    void b.ready.then(() => order.push("b"));
    for (const t of waitingA)
      void t.ready.then(
        () => order.push("a"),
        () => {},
      );
    running.release();
    await b.ready;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(["b"]);
    b.release();
    for (const t of waitingA) t.release();
  });

  test("within a tenant, one key cannot fill the line either (finding 10)", async () => {
    const limiter = new GenerationLimiter(1, 2);
    const k1 = { tenant: "t", key: "k1" };
    const running = limiter.enter(undefined, k1);
    const mine = [limiter.enter(undefined, k1), limiter.enter(undefined, k1)];
    const refused = refusals(mine);
    const other = limiter.enter(undefined, { tenant: "t", key: "k2" });
    await new Promise((r) => setImmediate(r));
    expect(refused.filter((e) => e instanceof BusyError)).toHaveLength(1);
    running.release();
    await other.ready;
    other.release();
    for (const t of mine) t.release();
  });

  test("alone, a caller may still use the whole line", () => {
    const limiter = new GenerationLimiter(1, 3);
    const tickets = Array.from({ length: 4 }, () => limiter.enter(undefined, { tenant: "t", key: "k" }));
    expect(limiter.load).toEqual({ running: 1, waiting: 3 });
    for (const t of tickets) t.release();
  });
});
