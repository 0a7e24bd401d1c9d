import { webApi } from '@slack/bolt';
import type { GrantNotice } from '../../src/licensing/schedule/ports.js';
import { createSlackExpiryNotifier } from '../../src/slack/notifiers/expiry-notifier.js';
import { quietLogger } from '../support/bulk-fixtures.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let slack: FakeSlack;
beforeEach(async () => {
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
});

function notice(key: string, to: GrantNotice['to'], audience: GrantNotice['audience'] = 'learner'): GrantNotice {
  return {
    key,
    kind: 'ending',
    audience,
    to,
    endsAt: new Date('2026-12-10T14:00:00Z'),
    taken: ['Learning Pro'],
    returned: [],
    learners: [{ name: 'Ada', email: 'ada@example.com' }],
    count: 1,
    target: { grantId: `${'a'.repeat(24)}:${'b'.repeat(24)}` },
  };
}

describe('grant notices as Slack DMs', () => {
  it('finds learners by Slack id or email, reports those without a Slack account, and waits out a 429', async () => {
    slack.addUser({ id: 'UBO', email: 'bo@example.com' });
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
    const notifier = createSlackExpiryNotifier({ client, logger: quietLogger(), concurrency: 1 });
    const started = Date.now();
    const outcomes = await notifier.send([
      notice('with-id', { learnerEmail: 'ada@example.com', slackUserId: 'UADA' }),
      notice('by-email', { learnerEmail: 'Bo@Example.com' }),
      notice('nobody', { learnerEmail: 'nobody@example.com' }),
      notice('admin', { userId: 'UADMIN1' }, 'admin'),
    ]);
    expect(outcomes).toEqual([
      { key: 'with-id', outcome: 'sent' },
      { key: 'by-email', outcome: 'sent' },
      { key: 'nobody', outcome: 'no_slack_user' },
      { key: 'admin', outcome: 'sent' },
    ]);
    const posts = slack.callsTo('chat.postMessage');
    // The first post was answered 429 and sent again after Retry-After (1 s).
    expect(posts.map((c) => [c.body.channel, c.status])).toEqual([
      ['UADA', 429],
      ['UADA', 200],
      ['UBO', 200],
      ['UADMIN1', 200],
    ]);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.body.email)).toEqual(['bo@example.com', 'nobody@example.com']);
  });

  it('reports a notice Slack refused as failed and goes on with the rest', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
    const notifier = createSlackExpiryNotifier({ client, logger: quietLogger(), concurrency: 1 });
    const outcomes = await notifier.send([notice('a', { userId: 'UGONE' }, 'admin'), notice('b', { userId: 'UADMIN1' }, 'admin')]);
    expect(outcomes).toEqual([
      { key: 'a', outcome: 'failed' },
      { key: 'b', outcome: 'sent' },
    ]);
  });
});
