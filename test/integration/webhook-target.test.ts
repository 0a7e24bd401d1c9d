import { createServer } from 'node:net';
import type { LearnerSnapshot } from '../../src/licensing/sync/ports.js';
import { signWebhook, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '../../src/outbound/webhook/signature.js';
import { createWebhookTarget } from '../../src/outbound/webhook/webhook-target.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_test_secret';

function snapshot(overrides: Partial<LearnerSnapshot> = {}): LearnerSnapshot {
  return {
    learnerId: 'lrn_ada',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    status: 'active',
    groups: ['Engineering'],
    licenseTypes: ['pro', 'coaching'],
    platformLicenses: ['Learning Pro', 'Coaching 1:1'],
    version: 3,
    ...overrides,
  };
}

function learners(count: number): LearnerSnapshot[] {
  return Array.from({ length: count }, (_, i) =>
    snapshot({ learnerId: `lrn_${i}`, email: `learner${i}@example.com`, name: `Learner ${i}` }),
  );
}

// A port nobody listens on: bound, read, released.
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/licenses`;
}

describe('signed webhook target', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
  });
  afterEach(() => receiver.reset());
  afterAll(() => receiver.stop());

  it('posts one signed learner.licenses.changed event per learner, each verified and accepted by the receiver', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    const batch = [snapshot(), snapshot({ learnerId: 'lrn_grace', email: 'grace@example.com', name: 'Grace Hopper', version: 7 })];

    const results = await target.push(batch);

    expect(results).toEqual([{ kind: 'ok' }, { kind: 'ok' }]);
    expect(receiver.rejections).toEqual([]);
    const byId = new Map(receiver.deliveries.map((delivery) => [delivery.body.id, delivery]));
    expect(byId.get('lrn_ada:3')?.body).toEqual({
      id: 'lrn_ada:3',
      type: 'learner.licenses.changed',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      learner: {
        id: 'lrn_ada',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        status: 'active',
        groups: ['Engineering'],
        licenseTypes: [
          { key: 'pro', platformName: 'Learning Pro' },
          { key: 'coaching', platformName: 'Coaching 1:1' },
        ],
      },
      version: 3,
    });
    expect(byId.get('lrn_grace:7')?.body).toMatchObject({ id: 'lrn_grace:7', version: 7, learner: { name: 'Grace Hopper' } });
    expect(byId.get('lrn_ada:3')?.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'lrn_ada:3',
      'user-agent': 'learning-license-bot',
      'x-license-bot-timestamp': expect.stringMatching(/^\d+$/),
      'x-license-bot-signature': expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });
  });

  it('answers an empty batch with no results and sends nothing', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });

    expect(await target.push([])).toEqual([]);
    expect(receiver.deliveries).toEqual([]);
  });

  it('has a captured delivery refused when it is sent again as it was', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    await target.push([snapshot()]);
    const [captured] = receiver.deliveries;

    const replay = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_TIMESTAMP_HEADER]: String(captured?.headers['x-license-bot-timestamp']),
        [WEBHOOK_SIGNATURE_HEADER]: String(captured?.headers['x-license-bot-signature']),
      },
      body: captured?.rawBody ?? '',
    });

    expect(replay.status).toBe(409);
    expect(receiver.deliveries).toHaveLength(1);
    expect(receiver.rejections).toMatchObject([{ status: 409, reason: 'replayed_signature', id: 'lrn_ada:3' }]);
  });

  it('has the same event id refused even when it is signed again with a fresh timestamp', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    await target.push([snapshot()]);
    const rawBody = receiver.deliveries[0]?.rawBody ?? '';

    const resent = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook(rawBody, SECRET, Math.floor(Date.now() / 1000) + 1) },
      body: rawBody,
    });

    expect(resent.status).toBe(409);
    expect(receiver.deliveries).toHaveLength(1);
    expect(receiver.rejections).toMatchObject([{ status: 409, reason: 'duplicate_event_id', id: 'lrn_ada:3' }]);
  });

  it('has a delivery signed ten minutes ago refused as stale, which the target reports as unauthorized', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET, now: () => new Date(Date.now() - 10 * 60_000) });

    const [result] = await target.push([snapshot()]);

    expect(result).toMatchObject({ kind: 'unauthorized', status: 401, reason: expect.stringContaining('signed too long ago') });
    expect(receiver.deliveries).toEqual([]);
    expect(receiver.rejections).toMatchObject([{ status: 401, reason: 'stale_timestamp' }]);
  });

  it('has a delivery signed with the wrong secret refused, which the target reports as unauthorized', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: 'whsec_wrong' });

    const [result] = await target.push([snapshot()]);

    expect(result).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(receiver.deliveries).toEqual([]);
    expect(receiver.rejections).toMatchObject([{ status: 401, reason: 'signature_mismatch' }]);
  });

  it('is accepted by a receiver holding only the new secret while the target signs with the old and the new', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: ['whsec_old', SECRET] });

    expect(await target.push([snapshot()])).toEqual([{ kind: 'ok' }]);
    expect(receiver.deliveries[0]?.headers['x-license-bot-signature']).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  });

  it('delivers names with quotes, backslashes, newlines, emoji and </script> intact as JSON', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    const name = 'Zoë "Zed" O\'Brien \\ <b>\n\t</script><script>alert(1)</script> 🚀👩🏽‍💻 \u2028';
    const groups = ['R&D "core"', 'Line\nBreak', '{"json":true}'];

    const [result] = await target.push([
      snapshot({ name, groups, email: 'zoe+test@example.com', platformLicenses: ['Learning "Pro"', 'Coaching </script>'] }),
    ]);

    expect(result).toEqual({ kind: 'ok' });
    expect(receiver.rejections).toEqual([]);
    expect(receiver.deliveries[0]?.body.learner).toEqual({
      id: 'lrn_ada',
      email: 'zoe+test@example.com',
      name,
      status: 'active',
      groups,
      licenseTypes: [
        { key: 'pro', platformName: 'Learning "Pro"' },
        { key: 'coaching', platformName: 'Coaching </script>' },
      ],
    });
  });

  it('reports a 429 as a retry after the Retry-After the receiver gave, and delivers on the next push', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    receiver.failNext(1, { status: 429, retryAfterSec: 7, message: '{"error":"slow down"}' });

    const first = await target.push([snapshot()]);
    const second = await target.push([snapshot()]);

    expect(first).toEqual([{ kind: 'retry', reason: '{"error":"slow down"}', retryAfterMs: 7000 }]);
    expect(second).toEqual([{ kind: 'ok' }]);
    expect(receiver.rejections).toMatchObject([{ status: 429, reason: 'injected_fault', id: 'lrn_ada:3' }]);
    expect(receiver.deliveries.map((delivery) => delivery.body.id)).toEqual(['lrn_ada:3']);
  });

  it('reports a 500 as a retry for that learner only, in the batch order', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET, concurrency: 1 });
    receiver.failNext(1, { status: 500 });

    const results = await target.push(learners(3));

    expect(results).toEqual([{ kind: 'retry', reason: '{"error":"injected 500"}' }, { kind: 'ok' }, { kind: 'ok' }]);
    expect(receiver.deliveries.map((delivery) => delivery.body.id)).toEqual(['lrn_1:3', 'lrn_2:3']);
    expect(receiver.rejections).toMatchObject([{ status: 500, id: 'lrn_0:3' }]);
  });

  it('reports a 401 from the receiver as unauthorized', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    receiver.failAlways({ status: 401, message: 'Unknown signing secret' });

    const [result] = await target.push([snapshot()]);

    expect(result).toEqual({ kind: 'unauthorized', reason: 'Unknown signing secret', status: 401 });
    expect(receiver.deliveries).toEqual([]);
  });

  it('reports a 422 as rejected, quoting the receiver', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    receiver.failNext(1, { status: 422, message: '{"error":"No seats left for Learning Pro on the platform"}' });

    const [result] = await target.push([snapshot()]);

    expect(result).toEqual({ kind: 'rejected', reason: '{"error":"No seats left for Learning Pro on the platform"}', status: 422 });
    expect(receiver.deliveries).toEqual([]);
    expect(receiver.rejections).toMatchObject([{ status: 422, id: 'lrn_ada:3' }]);
  });

  it('reports a receiver that is not listening as a retry', async () => {
    const target = createWebhookTarget({ url: await closedPortUrl(), secret: SECRET });

    const [result] = await target.push([snapshot()]);

    expect(result).toMatchObject({ kind: 'retry', reason: expect.stringContaining('did not answer') });
  });

  it('reports a receiver slower than the timeout as a retry', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET, timeoutMs: 100 });
    receiver.setDelay(1_000);

    const [result] = await target.push([snapshot()]);

    expect(result).toMatchObject({ kind: 'retry', reason: expect.stringContaining('no answer within') });
  });

  it('never has more requests in flight at the receiver than the concurrency it was given', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET, concurrency: 3 });
    receiver.setDelay(50);

    const results = await target.push(learners(12));

    expect(results.every((result) => result.kind === 'ok')).toBe(true);
    expect(receiver.deliveries).toHaveLength(12);
    // Exactly 3: never more, and reaching 3 shows the requests do overlap.
    expect(receiver.maxInFlight).toBe(3);
  });

  it('sends four requests at a time by default', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });
    receiver.setDelay(50);

    await target.push(learners(10));

    expect(receiver.deliveries).toHaveLength(10);
    expect(receiver.maxInFlight).toBe(4);
  });

  it('probes with a signed ping that the receiver verifies and accepts', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: SECRET });

    expect(await target.probe()).toEqual({ kind: 'ok' });
    expect(receiver.pings.map((ping) => ping.body)).toEqual([{ type: 'ping' }]);
    expect(receiver.deliveries).toEqual([]);
  });

  it('reports a probe refused for its signature as unauthorized', async () => {
    const target = createWebhookTarget({ url: receiver.url, secret: 'whsec_wrong' });

    expect(await target.probe()).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(receiver.rejections).toMatchObject([{ status: 401, reason: 'signature_mismatch' }]);
  });

  it('describes itself by origin and path, without credentials or query', () => {
    const target = createWebhookTarget({ url: 'https://user:pa55@hooks.example.com/license-bot/events?token=abc#x', secret: SECRET });

    expect(target.describe()).toBe('signed webhooks to https://hooks.example.com/license-bot/events');
    expect(target.kind).toBe('webhook');
  });

  it('refuses a URL that is not http(s), an empty secret and a concurrency below one', () => {
    expect(() => createWebhookTarget({ url: 'ftp://hooks.example.com/', secret: SECRET })).toThrow('https://');
    expect(() => createWebhookTarget({ url: 'not a url', secret: SECRET })).toThrow('not a valid URL');
    expect(() => createWebhookTarget({ url: receiver.url, secret: '' })).toThrow('must not be empty');
    expect(() => createWebhookTarget({ url: receiver.url, secret: SECRET, concurrency: 0 })).toThrow('at least 1');
  });
});
