import { createHmac } from 'node:crypto';
import {
  computeWebhookSignature,
  signWebhook,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../src/outbound/webhook/signature.js';

const SECRET = 'whsec_current';
const OLD_SECRET = 'whsec_previous';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const NOW_SEC = Math.floor(NOW.getTime() / 1000);
const BODY = JSON.stringify({ id: 'l1:3', type: 'learner.licenses.changed', learner: { name: 'Zoë "Z" 🚀' } });

function signed(body: string = BODY, secret: string | string[] = SECRET, timestamp: number = NOW_SEC) {
  const headers = signWebhook(body, secret, timestamp);
  return { rawBody: body, timestamp: headers[WEBHOOK_TIMESTAMP_HEADER], signature: headers[WEBHOOK_SIGNATURE_HEADER], now: NOW };
}

describe('webhook signatures', () => {
  it('signs v1:<timestamp>:<raw body> with HMAC-SHA256 and sends it as v1=<hex>', () => {
    const headers = signWebhook(BODY, SECRET, NOW_SEC);
    const expected = createHmac('sha256', SECRET).update(`v1:${NOW_SEC}:${BODY}`).digest('hex');

    expect(headers).toEqual({ [WEBHOOK_TIMESTAMP_HEADER]: String(NOW_SEC), [WEBHOOK_SIGNATURE_HEADER]: `v1=${expected}` });
  });

  it('accepts a request signed with the secret within the tolerance', () => {
    expect(verifyWebhookSignature({ ...signed(), secret: SECRET })).toEqual({ ok: true });
  });

  it('accepts the raw body as a Buffer of the same bytes', () => {
    const request = signed();

    expect(verifyWebhookSignature({ ...request, rawBody: Buffer.from(BODY, 'utf8'), secret: SECRET })).toEqual({ ok: true });
  });

  it('refuses a body changed after signing, even by one character', () => {
    const request = signed();

    expect(verifyWebhookSignature({ ...request, rawBody: BODY.replace('l1:3', 'l1:4'), secret: SECRET })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses a body that was parsed and serialized again with other spacing', () => {
    const request = signed();
    const reserialized = JSON.stringify(JSON.parse(BODY), null, 2);

    expect(verifyWebhookSignature({ ...request, rawBody: reserialized, secret: SECRET })).toMatchObject({ ok: false });
  });

  it('refuses a request signed with another secret', () => {
    expect(verifyWebhookSignature({ ...signed(BODY, 'whsec_attacker'), secret: SECRET })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses a timestamp changed after signing, since the timestamp is part of what is signed', () => {
    const request = signed();

    expect(verifyWebhookSignature({ ...request, timestamp: String(NOW_SEC - 1), secret: SECRET })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses a request signed more than the tolerance ago and accepts one signed exactly at it', () => {
    expect(verifyWebhookSignature({ ...signed(BODY, SECRET, NOW_SEC - 301), secret: SECRET })).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyWebhookSignature({ ...signed(BODY, SECRET, NOW_SEC - 300), secret: SECRET })).toEqual({ ok: true });
  });

  it('refuses a request signed more than the tolerance in the future', () => {
    expect(verifyWebhookSignature({ ...signed(BODY, SECRET, NOW_SEC + 301), secret: SECRET })).toEqual({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(verifyWebhookSignature({ ...signed(BODY, SECRET, NOW_SEC + 300), secret: SECRET })).toEqual({ ok: true });
  });

  it('applies a tolerance given by the receiver', () => {
    const request = signed(BODY, SECRET, NOW_SEC - 61);

    expect(verifyWebhookSignature({ ...request, secret: SECRET, toleranceSec: 60 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhookSignature({ ...request, secret: SECRET, toleranceSec: 120 })).toEqual({ ok: true });
  });

  it('accepts any one of several v1 values, so the sender can rotate its secret', () => {
    const request = signed(BODY, [OLD_SECRET, SECRET]);

    expect(request.signature.split(',')).toHaveLength(2);
    expect(verifyWebhookSignature({ ...request, secret: SECRET })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ ...request, secret: OLD_SECRET })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ ...request, secret: 'whsec_other' })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts a request signed with any of the secrets the receiver holds while it rotates', () => {
    expect(verifyWebhookSignature({ ...signed(BODY, OLD_SECRET), secret: [SECRET, OLD_SECRET] })).toEqual({ ok: true });
  });

  it('ignores spaces around the values and values of other schemes', () => {
    const digest = computeWebhookSignature(BODY, SECRET, NOW_SEC);
    const signature = `v0=${'ab'.repeat(32)}, v2=whatever ,  v1=${digest.toUpperCase()}`;

    expect(verifyWebhookSignature({ rawBody: BODY, timestamp: ` ${NOW_SEC} `, signature, secret: SECRET, now: NOW })).toEqual({ ok: true });
  });

  it.each([
    ['no timestamp header', { timestamp: undefined }, 'missing_timestamp'],
    ['an empty timestamp header', { timestamp: '' }, 'missing_timestamp'],
    ['a timestamp that is not whole seconds', { timestamp: '1740830400.5' }, 'malformed_timestamp'],
    ['a timestamp that is a date', { timestamp: NOW.toISOString() }, 'malformed_timestamp'],
    ['no signature header', { signature: null }, 'missing_signature'],
    ['a signature without the v1= prefix', { signature: computeWebhookSignature(BODY, SECRET, NOW_SEC) }, 'malformed_signature'],
    ['a v1 signature that is not 64 hex digits', { signature: 'v1=abc123' }, 'malformed_signature'],
    ['a v1 signature of non-hex characters', { signature: `v1=${'zz'.repeat(32)}` }, 'malformed_signature'],
    ['only commas', { signature: ',,,' }, 'malformed_signature'],
  ] as const)('refuses a request with %s', (_label, change, reason) => {
    expect(verifyWebhookSignature({ ...signed(), ...change, secret: SECRET })).toEqual({ ok: false, reason });
  });

  it('refuses to verify with an empty secret rather than accept any signature', () => {
    expect(() => verifyWebhookSignature({ ...signed(), secret: '' })).toThrow('must not be empty');
    expect(() => signWebhook(BODY, '', NOW_SEC)).toThrow('must not be empty');
  });
});
