// No Docker engine runs here, so the compose file is checked by reading it: the services exist,
// they are wired to each other and to the volumes, and every setting they pass is a real one.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ConfigSchema } from "../../schemas/config.js";

type Service = {
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[];
  container_name?: string;
  profiles?: string[];
};
const compose = parse(readFileSync("docker-compose.yml", "utf8"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe("docker-compose.yml", () => {
  test("has redis, api, worker and a models provisioning service", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["api", "models", "redis", "worker"]);
    expect(compose.services.api!.command).toEqual(["npm", "run", "api"]);
    expect(compose.services.worker!.command).toEqual(["npm", "run", "worker"]);
    expect(compose.services.models!.command).toEqual(["npm", "run", "models"]);
  });

  test.each(["api", "worker"])(
    "%s reaches Redis by its service name and shares the data and models volumes",
    (name) => {
      const s = compose.services[name]!;
      expect(s.environment!.REDIS_URL).toBe("redis://redis:6379");
      expect(s.depends_on).toContain("redis");
      expect(s.environment!.DATA_DIR).toBe("/data");
      expect(s.environment!.MODELS_DIR).toBe("/models");
      expect(s.volumes).toEqual(expect.arrayContaining(["data:/data", "models:/models:ro"]));
    },
  );

  test("the worker can be scaled: no fixed name, no published port", () => {
    const worker = compose.services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
  });

  test("the API listens on all interfaces inside its container and is published on loopback", () => {
    const api = compose.services.api!;
    expect(api.environment!.HOST).toBe("0.0.0.0");
    expect(api.ports).toEqual([`127.0.0.1:8080:${api.environment!.PORT}`]);
    expect(api.environment!.OPEN_MODE).toBeUndefined();
  });

  test("every environment variable is a Cited setting and every named volume is declared", () => {
    const settings = new Set(Object.keys(ConfigSchema.shape));
    for (const [name, s] of Object.entries(compose.services)) {
      if (name === "redis") continue;
      for (const key of Object.keys(s.environment ?? {}))
        expect(settings.has(key) ? key : `${name}:${key}`).toBe(key);
      for (const v of s.volumes ?? []) expect(Object.keys(compose.volumes)).toContain(v.split(":")[0]);
    }
    expect(compose.services.models!.volumes).toContain("models:/models");
  });
});
