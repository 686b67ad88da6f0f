// LLAMA_GPU: which llama.cpp backend each value asks node-llama-cpp for, and what a wrong value or an
// unavailable GPU tells the operator. No GPU is needed: nothing here loads a backend.
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { gpuUnavailable, llamaOptions } from "../../src/models/runtime.js";

describe("LLAMA_GPU", () => {
  test("defaults to auto; auto, cuda, vulkan and off are accepted", () => {
    expect(loadConfig({}).LLAMA_GPU).toBe("auto");
    for (const value of ["auto", "cuda", "vulkan", "off"] as const)
      expect(loadConfig({ LLAMA_GPU: value }).LLAMA_GPU).toBe(value);
  });

  test("any other value stops start-up with a line naming LLAMA_GPU and its values", () => {
    for (const value of ["metal", "gpu", "true", "CPU"]) {
      const error = (() => {
        try {
          loadConfig({ LLAMA_GPU: value });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error(`LLAMA_GPU=${value} was accepted`);
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.variable).toBe("LLAMA_GPU");
      expect(error.message).toContain(`got "${value}"`);
      expect(error.message).toMatch(/auto, cuda, vulkan, off/);
    }
  });

  test("each value maps to node-llama-cpp's gpu option, with prebuilt binaries only", () => {
    expect(llamaOptions("auto")).toMatchObject({ gpu: "auto", build: "never" });
    expect(llamaOptions("cuda")).toMatchObject({ gpu: "cuda", build: "never" });
    expect(llamaOptions("vulkan")).toMatchObject({ gpu: "vulkan", build: "never" });
    expect(llamaOptions("off")).toMatchObject({ gpu: false, build: "never" });
  });

  test("a GPU asked for by name that cannot load is a start-up error naming LLAMA_GPU and the fix", () => {
    const error = gpuUnavailable("cuda", new Error("NoBinaryFoundError"));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.variable).toBe("LLAMA_GPU");
    expect(error.message).toContain("LLAMA_GPU=cuda");
    expect(error.message).toContain("NoBinaryFoundError");
    expect(error.message).toMatch(/LLAMA_GPU=auto .*LLAMA_GPU=off/);
  });
});
