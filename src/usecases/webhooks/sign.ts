// Signing webhook deliveries: HMAC-SHA256 over "<timestamp>.<body>" with the hook's secret, so a
// receiver can check both who sent it and that it is fresh (not replayed later).
import { createHmac, timingSafeEqual } from "node:crypto";

/** Header with the Unix time (seconds) the attempt was signed at. */
export const TIMESTAMP_HEADER = "X-Cited-Timestamp";
/** Header with `sha256=<hex HMAC>`. */
export const SIGNATURE_HEADER = "X-Cited-Signature";

/** The signature header's value for a body signed at `timestamp` (Unix seconds). */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does (documented in the README, used by the tests): the signature matches and the
 * timestamp is within `toleranceS` of now.
 */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  toleranceS = 300,
  nowS = Math.floor(Date.now() / 1000),
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS || !headers.signature) return false;
  const expected = Buffer.from(signature(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
