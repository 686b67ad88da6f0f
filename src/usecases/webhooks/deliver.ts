// One webhook attempt over HTTP(S), guarded against SSRF: the host name is resolved once, every
// address it resolves to must be public (unless WEBHOOK_ALLOW_PRIVATE), the connection goes to
// that checked address, and the address actually connected is checked again. Redirects are not followed.
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";

/** The URL may not be called: it names or resolves to a non-public address. */
export class WebhookAddressError extends Error {
  override name = "WebhookAddressError";
}

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

/** An IPv4 address carried in IPv6 (::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), or null. */
function embeddedV4(address: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [a, b] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** Loopback, private, link-local, shared, multicast or unspecified: not a public address. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4) return blocked.check(v4, "ipv4");
  }
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** The address a URL's host resolves to, checked; WebhookAddressError when it may not be called. */
export async function checkedAddress(
  url: URL,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  } catch {
    throw new WebhookAddressError(`the host ${host} of the webhook URL does not resolve`);
  }
  const bad = addresses.find((a) => isNonPublicAddress(a.address));
  if (bad && !allowPrivate) {
    throw new WebhookAddressError(
      `the webhook URL's host ${host} is (or resolves to) the non-public address ${bad.address}: use a public address, or an operator sets WEBHOOK_ALLOW_PRIVATE=true`,
    );
  }
  if (addresses.length === 0)
    throw new WebhookAddressError(`the host ${host} of the webhook URL does not resolve`);
  return addresses[0]!;
}

/** What one attempt got: the receiver's status, or the error before any status. */
export interface AttemptResult {
  /** The receiver's HTTP status, or null when none came. */
  status: number | null;
  /** Why the attempt failed (a non-2xx status too); null when delivered. */
  error: string | null;
  /** How long the attempt took. */
  durationMs: number;
}

/** Options of one attempt. */
export interface AttemptOptions {
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number;
}

/** POST `body` to `url` with `headers`, to the checked address only. Never throws: errors are in the result. */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: AttemptOptions,
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): AttemptResult => ({
    status,
    error,
    durationMs: performance.now() - started,
  });
  try {
    const target = new URL(url);
    const checked = await checkedAddress(target, options.allowPrivate);
    const status = await send(target, checked, body, headers, options.timeoutMs);
    return done(status, status >= 200 && status < 300 ? null : `the receiver answered HTTP ${status}`);
  } catch (error) {
    return done(null, (error as Error).message);
  }
}

/** The request itself, pinned to the checked address (TLS still checks the host name). */
function send(
  target: URL,
  checked: { address: string; family: number },
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<number> {
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all)
      (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [checked]);
    else cb(null, checked.address, checked.family);
  };
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: "POST",
        lookup: pinned,
        agent: false, // a fresh connection each time, so the address check always runs
        timeout: timeoutMs,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume(); // the receiver's body is not read
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("socket", (socket) => {
      socket.once("connect", () => {
        const remote = socket.remoteAddress ?? "";
        if (remote.replace(/^::ffff:/, "") !== checked.address.replace(/^::ffff:/, ""))
          req.destroy(
            new WebhookAddressError(`connected to ${remote}, not the checked address ${checked.address}`),
          );
      });
    });
    req.on("timeout", () =>
      req.destroy(new Error(`the receiver did not answer within ${timeoutMs} ms (WEBHOOK_TIMEOUT_MS)`)),
    );
    req.on("error", reject);
    req.end(body);
  });
}
