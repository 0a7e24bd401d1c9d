import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of the bot's webhooks, the way Slack and Stripe sign theirs:
 *
 *   X-License-Bot-Timestamp: <unix seconds>
 *   X-License-Bot-Signature: v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<raw body>")>[,v1=…]
 *
 * Signing the timestamp with the body lets a receiver refuse a captured request replayed later.
 * Several `v1=` values are sent while a secret is being rotated (one per secret), so receivers can
 * switch secrets at their own pace.
 *
 * This file imports nothing but node:crypto, so a customer can copy it into their receiver.
 */

/** Header carrying the signing time, in seconds since the epoch. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-License-Bot-Timestamp';
/** Header carrying one or more `v1=<hex>` signatures, comma-separated. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-License-Bot-Signature';
/** How far (seconds) a timestamp may be from the receiver's clock, either way, by default. */
export const DEFAULT_TOLERANCE_SEC = 300;

const SCHEME = 'v1';
// SHA-256 is 32 bytes; anything else cannot be one of our signatures.
const HEX_SIGNATURE = /^[0-9a-f]{64}$/i;

/** Why a request's signature was refused. */
export type WebhookSignatureFailure =
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch';

/** One sentence per failure, for a receiver's logs or its 401 body. */
export const WEBHOOK_SIGNATURE_FAILURES: Readonly<Record<WebhookSignatureFailure, string>> = Object.freeze({
  missing_timestamp: `The ${WEBHOOK_TIMESTAMP_HEADER} header is missing.`,
  malformed_timestamp: `The ${WEBHOOK_TIMESTAMP_HEADER} header is not a number of seconds since the epoch.`,
  stale_timestamp: 'The request was signed too long ago (a replay, or a clock that is behind).',
  future_timestamp: 'The request was signed too far in the future (a clock that is ahead).',
  missing_signature: `The ${WEBHOOK_SIGNATURE_HEADER} header is missing.`,
  malformed_signature: `The ${WEBHOOK_SIGNATURE_HEADER} header holds no v1=<64 hex digits> value.`,
  signature_mismatch: 'No signature matches the body with this secret.',
});

/** The verdict on one request. */
export type WebhookVerification = { ok: true } | { ok: false; reason: WebhookSignatureFailure };

/** The hex HMAC-SHA256 of `v1:<timestamp>:<raw body>` under `secret`. */
export function computeWebhookSignature(rawBody: string | Uint8Array, secret: string, timestamp: number): string {
  // Feeding the body separately keeps a Buffer's bytes as they are (no decode and re-encode).
  return createHmac('sha256', secret).update(`${SCHEME}:${timestamp}:`).update(rawBody).digest('hex');
}

/**
 * The two headers to send with `rawBody`: one `v1=` value per secret (several only while rotating).
 * `timestamp` is in seconds since the epoch.
 */
export function signWebhook(
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  timestamp: number,
): { [WEBHOOK_TIMESTAMP_HEADER]: string; [WEBHOOK_SIGNATURE_HEADER]: string } {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0 || secrets.some((one) => one.length === 0)) throw new Error('A webhook secret must not be empty.');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('A webhook timestamp is whole seconds since the epoch.');
  return {
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
    [WEBHOOK_SIGNATURE_HEADER]: secrets.map((one) => `${SCHEME}=${computeWebhookSignature(rawBody, one, timestamp)}`).join(','),
  };
}

/** What `verifyWebhookSignature` needs: the body exactly as received, and the two header values. */
export interface VerifyWebhookSignatureInput {
  /** The bytes as they arrived; a body parsed and serialized again will not match. */
  rawBody: string | Uint8Array;
  /** The `X-License-Bot-Timestamp` header value. */
  timestamp: string | number | null | undefined;
  /** The `X-License-Bot-Signature` header value. */
  signature: string | null | undefined;
  /** The shared secret; several while the receiver rotates its own (any one may match). */
  secret: string | readonly string[];
  /** Seconds the timestamp may be off, in the past or the future; 300 by default. */
  toleranceSec?: number;
  /** The receiver's clock; now by default. */
  now?: Date;
}

/**
 * Checks that a request was signed with `secret` within `toleranceSec` of `now`. Compares in
 * constant time and accepts any of several `v1=` values; values of other schemes are ignored, so a
 * future scheme can be sent beside v1.
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): WebhookVerification {
  const { rawBody, toleranceSec = DEFAULT_TOLERANCE_SEC, now = new Date() } = input;
  const secrets = (typeof input.secret === 'string' ? [input.secret] : input.secret).filter((one) => one.length > 0);
  // An empty secret would let anyone sign; refuse to verify with one rather than accept.
  if (secrets.length === 0) throw new Error('A webhook secret must not be empty.');

  const timestampText = input.timestamp === null || input.timestamp === undefined ? '' : String(input.timestamp).trim();
  if (!timestampText) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,15}$/.test(timestampText)) return { ok: false, reason: 'malformed_timestamp' };
  const signatureText = input.signature?.trim() ?? '';
  if (!signatureText) return { ok: false, reason: 'missing_signature' };

  const candidates = signatureText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SCHEME}=`))
    .map((part) => part.slice(SCHEME.length + 1))
    .filter((hex) => HEX_SIGNATURE.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (candidates.length === 0) return { ok: false, reason: 'malformed_signature' };

  const timestamp = Number(timestampText);
  const nowSec = Math.floor(now.getTime() / 1000);
  if (nowSec - timestamp > toleranceSec) return { ok: false, reason: 'stale_timestamp' };
  if (timestamp - nowSec > toleranceSec) return { ok: false, reason: 'future_timestamp' };

  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeWebhookSignature(rawBody, secret, timestamp), 'hex');
    // Every candidate is compared (no early exit), each in constant time; all are 32 bytes by now.
    for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature_mismatch' };
}
