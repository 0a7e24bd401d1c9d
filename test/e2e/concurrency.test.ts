import { ids } from '../../src/slack/ids.js';
import { waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { blockActionsPayload, stateValue, viewSubmissionPayload } from '../support/slack-requests.js';

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E();
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await e2e.stop();
});

/** Submits the reassign modal for one learner and returns the Confirm button's value from the review. */
async function reviewFor(learnerId: string): Promise<string> {
  const metadata = JSON.stringify({ mode: 'reassign', channelId: 'C0GENERAL' });
  const res = await e2e.interact(
    viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: ids.changeModal.callback,
      private_metadata: metadata,
      values: {
        [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(learnerId, learnerId, 'external_select') },
        [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      },
    }),
  );
  expect(res.status).toBe(200);
  return JSON.stringify({ requestId: await requestIdFor(learnerId) });
}

async function requestIdFor(learnerId: string): Promise<string> {
  for (let i = 0; i < 50; i += 1) {
    const doc = await e2e.models.ChangeRequest.findOne({ learnerId }).lean();
    if (doc) return String(doc._id);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no change request for ${learnerId}`);
}

const click = (value: string, responseUrl: string, headers?: Record<string, string>) =>
  e2e.interact(
    blockActionsPayload({
      user_id: ADMIN,
      response_url: responseUrl,
      actions: [{ action_id: ids.review.confirm, block_id: 'review_actions', value }],
    }),
    headers ? { headers } : {},
  );

describe('concurrent confirmations', () => {
  it('applies exactly as many of 50 simultaneous Confirms as there are free seats and tells the rest why', async () => {
    const learners = await givenLearners(
      e2e.running.db,
      Array.from({ length: 50 }, (_, i) => ({ email: `learner${i}@example.com`, name: `Learner ${i}`, licenseTypes: ['core'] })),
    );
    const values = [];
    for (const id of learners) values.push(await reviewFor(id));
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(50);

    const urls = values.map(() => e2e.slack.responseUrl());
    const answers = await Promise.all(values.map((value, i) => click(value, urls[i]!)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Each outcome replaces its own review message, found by the ts it was posted with.
    const reviewTs = new Set(e2e.slack.callsTo('chat.postMessage').map((c) => (c.response as { ts: string }).ts));
    const outcomes = await waitFor(async () => {
      const updates = e2e.slack.callsTo('chat.update').filter((c) => reviewTs.has(String(c.body.ts)));
      return updates.length >= 50 && updates;
    });
    expect(new Set(outcomes.map((c) => c.body.ts)).size).toBe(50);
    const texts = outcomes.map((c) => String(c.body.text));
    expect(texts.filter((t) => t.startsWith('Done: Moved'))).toHaveLength(10);
    expect(texts.filter((t) => t === 'Not changed: No seats are left on that license type.')).toHaveLength(40);

    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(10);
    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'pro' })).toBe(10);
    expect((await e2e.models.LicenseType.findOne({ key: 'pro' }).lean())?.seatsInUse).toBe(10);
    await expectSeatInvariant(e2e.running.db);
  });

  it('makes one change for a Confirm clicked twice at once and redelivered by Slack', async () => {
    const [id] = await givenLearners(e2e.running.db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const value = await reviewFor(id!);
    const urls = [e2e.slack.responseUrl(), e2e.slack.responseUrl(), e2e.slack.responseUrl()];
    await Promise.all([
      click(value, urls[0]!),
      click(value, urls[1]!),
      click(value, urls[2]!, { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' }),
    ]);
    // The outcome replaces the review message; the two other clicks are told it is (being) handled.
    const outcome = await e2e.slack.waitFor('chat.update', (c) => String(c.body.text).startsWith('Done: Moved'));
    expect(e2e.slack.callsTo('chat.update').filter((c) => c.body.ts === outcome.body.ts)).toHaveLength(1);
    const others = await waitFor(async () => {
      const replies = e2e.slack.callsTo('response_url').filter((c) => urls.includes(c.url));
      return replies.length >= 2 && replies;
    });
    expect(others.filter((r) => /already (applied|being applied)|being applied right now/.test(String(r.body.text)))).toHaveLength(2);
    expect(await e2e.models.Assignment.countDocuments({ learnerId: id })).toBe(1);
    expect(await e2e.models.Audit.countDocuments({ learnerId: id, outcome: 'applied' })).toBe(1);
    expect((await e2e.models.Learner.findById(id).lean())?.licenseTypes).toEqual(['pro']);
    await expectSeatInvariant(e2e.running.db);
  });
});
