// Webhook signing and the SSRF guard: which addresses a webhook may never reach unless allowed.
import {
  checkedAddress,
  isNonPublicAddress,
  WebhookAddressError,
} from "../../src/usecases/webhooks/deliver.js";
import { signature, verifySignature } from "../../src/usecases/webhooks/sign.js";

describe("signatures", () => {
  const body = '{"id":"evt_1","event":"document.ready"}';

  test("the signature is HMAC-SHA256 of timestamp.body, checked with the secret and a fresh timestamp", () => {
    const sig = signature("whsec_a", 1_700_000_000, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    const headers = { timestamp: "1700000000", signature: sig };
    expect(verifySignature("whsec_a", headers, body, 300, 1_700_000_100)).toBe(true);
    expect(verifySignature("whsec_b", headers, body, 300, 1_700_000_100)).toBe(false);
    expect(verifySignature("whsec_a", headers, `${body} `, 300, 1_700_000_100)).toBe(false);
    // Replayed later than the tolerance: refused even with the right signature.
    expect(verifySignature("whsec_a", headers, body, 300, 1_700_001_000)).toBe(false);
    expect(verifySignature("whsec_a", { timestamp: undefined, signature: sig }, body)).toBe(false);
  });
});

describe("SSRF guard", () => {
  test.each([
    "127.0.0.1",
    "127.9.9.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::10.0.0.1",
    "not-an-address",
  ])("%s is not public", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  test.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );

  test("a URL naming or resolving to loopback is refused with what to set, unless allowed", async () => {
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://localhost:9/x",
      "http://[::1]:9/x",
      "http://169.254.169.254/latest",
    ]) {
      await expect(checkedAddress(new URL(url), false)).rejects.toThrow(WebhookAddressError);
      await expect(checkedAddress(new URL(url), false)).rejects.toThrow(/WEBHOOK_ALLOW_PRIVATE=true/);
    }
    await expect(checkedAddress(new URL("http://127.0.0.1:9/x"), true)).resolves.toEqual({
      address: "127.0.0.1",
      family: 4,
    });
  });
});
