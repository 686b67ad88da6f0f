import { BusyError, GenerationLimiter } from "../../src/answer/limiter.js";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

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
});
