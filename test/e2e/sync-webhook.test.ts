import { ids } from '../../src/slack/ids.js';
import { waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { buttonsOf, changeInSlack } from '../support/slack-flows.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'webhook-secret-for-the-e2e-tests';

let e2e: E2E;
let receiver: WebhookReceiver;
let ada: string;

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET });
  e2e = await bootE2E(
    {
      SYNC_TARGET: 'webhook',
      SYNC_WEBHOOK_URL: receiver.url,
      SYNC_WEBHOOK_SECRET: SECRET,
      SYNC_EVERY: '200 milliseconds',
      JOB_PROCESS_EVERY: '100 milliseconds',
    },
    { syncOptions: { probeEveryMs: 200, leaseMs: 2_000 }, lockLifetimeMs: 5_000 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
  [ada] = (await givenLearners(e2e.running.db, [
    { email: 'ada@example.com', name: 'Ada "The Countess" Lovelace', licenseTypes: ['core'], groups: ['Research'] },
  ])) as [string];
});

afterEach(async () => {
  await e2e.stop();
  await receiver.stop();
});

const deliveriesFor = (learnerId: string) =>
  receiver.deliveries.filter((d) => (d.body.learner as { id?: string } | undefined)?.id === learnerId);

describe('sync to a signed webhook', () => {
  it('delivers a reassignment made in Slack as one signed event the receiver verifies', async () => {
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada@example.com', learnerId: ada, to: 'pro' });
    const [delivery] = await waitFor(async () => (deliveriesFor(ada).length ? deliveriesFor(ada) : null), 10_000, 'the webhook delivery');
    expect(delivery?.body).toMatchObject({
      type: 'learner.licenses.changed',
      learner: {
        id: ada,
        email: 'ada@example.com',
        name: 'Ada "The Countess" Lovelace',
        status: 'active',
        groups: ['Research'],
        licenseTypes: [{ key: 'pro', platformName: 'Learning Pro' }],
      },
    });
    expect(delivery?.headers['idempotency-key']).toBe(`${ada}:1`);
    expect(receiver.rejections).toEqual([]);
    const state = await waitFor(async () => {
      const s = await e2e.running.deps.syncStates.getState(ada);
      return s?.status === 'synced' ? s : null;
    });
    expect(state.pushedVersion).toBe(1);

    // The same request again, as an attacker who captured it would send it: the receiver refuses it.
    const replay = await fetch(receiver.url, {
      method: 'POST',
      headers: delivery?.headers as Record<string, string>,
      body: delivery?.rawBody ?? '',
    });
    expect(replay.status).toBe(409);
    expect(deliveriesFor(ada)).toHaveLength(1);

    // The learner card says the platform has it.
    await e2e.command('show ada@example.com');
    const card = await e2e.slack.waitFor('response_url', (c) => String(c.body.text ?? '').startsWith('Ada'));
    expect(JSON.stringify(card.body.blocks)).toContain('*Platform:* in sync');
  });

  it('waits out a 429 with Retry-After and delivers once it is allowed', async () => {
    receiver.failNext(2, { status: 429, retryAfterSec: 1 });
    await changeInSlack(e2e, { mode: 'revoke', email: 'ada@example.com', learnerId: ada });
    const [delivery] = await waitFor(
      async () => (deliveriesFor(ada).length ? deliveriesFor(ada) : null),
      15_000,
      'the delivery after the 429s',
    );
    expect(delivery?.body).toMatchObject({ learner: { licenseTypes: [] } });
    const throttled = receiver.rejections.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    // Retry-After was honoured: the delivery came at least a second after the first 429.
    expect((delivery?.at ?? 0) - (throttled[0]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    await expectSeatInvariant(e2e.running.db);
  });

  it('pauses on 401, tells each admin once, and resumes by itself when the receiver accepts again', async () => {
    receiver.failAlways({ status: 401, message: '{"error":"bad signature key"}' });
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada@example.com', learnerId: ada, to: 'pro' });
    const paused = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('is paused'),
      10_000,
    );
    expect(String(paused.body.text)).toContain('signed webhooks to');
    // More rounds while paused: no more notices, and the learner keeps waiting, uncounted.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('is paused'))).toHaveLength(1);
    expect(await e2e.running.deps.syncStates.getState(ada)).toMatchObject({ status: 'pending', attempts: 0 });

    const status = await e2e.command('sync');
    const overview = await e2e.slack.waitFor('response_url', (c) => c.url === status.responseUrl);
    expect(String(overview.body.text)).toContain('Sync paused');
    expect(buttonsOf(overview).map((b) => b.action_id)).toContain(ids.sync.pushNow);

    receiver.succeed();
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).includes('resumed'), 10_000);
    await waitFor(async () => (deliveriesFor(ada).length ? true : null), 10_000, 'the delivery after resuming');
    expect(deliveriesFor(ada)[0]?.body).toMatchObject({ learner: { licenseTypes: [{ key: 'pro' }] } });
  });

  it('keeps a refusal as a dead letter with the receiver’s words, shown on the card and retried on request', async () => {
    receiver.failNext(1, { status: 422, message: '{"error":"Unknown learner in the HR system"}' });
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada@example.com', learnerId: ada, to: 'pro' });
    const dead = await waitFor(async () => {
      const s = await e2e.running.deps.syncStates.getState(ada);
      return s?.status === 'dead' ? s : null;
    });
    expect(dead.lastError?.message).toContain('Unknown learner in the HR system');
    await e2e.command('show ada@example.com');
    const card = await e2e.slack.waitFor('response_url', (c) => String(c.body.text ?? '').startsWith('Ada'));
    expect(JSON.stringify(card.body.blocks)).toContain('Unknown learner in the HR system');

    const retry = await e2e.command('sync retry');
    const answer = await e2e.slack.waitFor('response_url', (c) => c.url === retry.responseUrl);
    expect(answer.body.text).toBe('1 refused change goes to the platform again.');
    await waitFor(async () => (deliveriesFor(ada).length ? true : null), 10_000, 'the retried delivery');
    expect(await waitFor(async () => ((await e2e.running.deps.syncStates.getState(ada))?.status === 'synced' ? true : null))).toBe(true);
    expect(await e2e.models.SyncState.countDocuments({ state: 'dead' })).toBe(0);
  });
});
