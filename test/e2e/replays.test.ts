import type { ViewOutput } from '@slack/bolt';
import { ids } from '../../src/slack/ids.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { buttonsOf } from '../support/slack-flows.js';
import { blockActionsPayload, stateValue, viewOutput, viewSubmissionPayload } from '../support/slack-requests.js';

/**
 * A validly signed request captured and sent again within Slack's five minutes (or a client that
 * retries) must do what the first one did, once.
 */
const LEAD = 'ULEAD1';
const APPROVALS = 'CAPPROVALS';
const b = ids.bulkModal;
type Modal = { private_metadata: string; blocks: unknown[] };

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E(
    { LICENSE_APPROVERS: LEAD, APPROVAL_CHANNEL_ID: APPROVALS, BULK_APPROVAL_THRESHOLD: '5', JOB_PROCESS_EVERY: '100 milliseconds' },
    { progressIntervalMs: 50, bulkBatchSize: 50, lockLifetimeMs: 10_000 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await e2e.stop();
});

/** Sends the same signed body `times` times: half one after the other, half at once. */
async function replay(payload: Parameters<E2E['interact']>[0], times: number) {
  const first = await e2e.interact(payload);
  const sequential = [];
  for (let i = 1; i < times / 2; i += 1) sequential.push(await e2e.interact(payload));
  const concurrent = await Promise.all(Array.from({ length: times - 1 - sequential.length }, () => e2e.interact(payload)));
  return [first, ...sequential, ...concurrent];
}

const sent = (method: string, predicate: (call: SlackCall) => boolean) => e2e.slack.callsTo(method).filter(predicate);
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('a replayed view submission', () => {
  it('makes one review of a single change, however often the change modal is submitted', async () => {
    const [ada] = await givenLearners(e2e.running.db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const m = ids.changeModal;
    const payload = viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: m.callback,
      private_metadata: JSON.stringify({ mode: 'reassign', channelId: 'C0GENERAL' }),
      view: viewOutput({ id: 'VREPLAY01' }),
      values: {
        [m.learnerBlock]: { [m.learnerSelect]: stateValue.option(ada!, 'Ada', 'external_select') },
        [m.typeBlock]: { [m.typeSelect]: stateValue.option('pro') },
        [m.reasonBlock]: { [m.reasonInput]: stateValue.text('Promotion') },
      },
    });
    const answers = await replay(payload, 10);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.map((a) => a.body)).toEqual(Array(10).fill(''));
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN);
    await settle();
    expect(await e2e.models.ChangeRequest.countDocuments({})).toBe(1);
    expect(sent('chat.postMessage', (c) => c.body.channel === ADMIN)).toHaveLength(1);
  });

  async function bulkPreview(groupSize: number): Promise<Modal> {
    await givenLearners(
      e2e.running.db,
      Array.from({ length: groupSize }, (_, i) => ({
        email: `s${i}@example.com`,
        name: `Sales ${i}`,
        groups: ['Sales'],
        licenseTypes: ['core'],
      })),
    );
    await e2e.command('bulk', ADMIN, { channel: 'CSALES' });
    const opened = await e2e.slack.waitFor('views.open');
    const form = opened.body.view as Modal;
    const filters = await e2e.interact(
      viewSubmissionPayload({
        user_id: ADMIN,
        callback_id: b.callback,
        view: { private_metadata: form.private_metadata, blocks: form.blocks as ViewOutput['blocks'] },
        values: {
          [b.groupsBlock]: { [b.groupsSelect]: stateValue.options(['Sales']) },
          [b.typesBlock]: { [b.typesSelect]: stateValue.options(['core']) },
          [b.statusBlock]: { [b.statusSelect]: stateValue.option('active') },
          [b.textBlock]: { [b.textInput]: stateValue.text(null) },
          [b.emailsBlock]: { [b.emailsInput]: stateValue.text(null) },
          [b.actionBlock]: { [b.actionSelect]: stateValue.option('reassign') },
          [b.targetBlock]: { [b.targetSelect]: stateValue.option('pro') },
          [b.reasonBlock]: { [b.reasonInput]: stateValue.text('Sales moves to Pro') },
        },
      }),
    );
    return (filters.json as { view: Modal }).view;
  }

  function previewSubmission(preview: Modal) {
    return viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: ids.bulkPreview.callback,
      view: viewOutput({ id: 'VREPLAY02', private_metadata: preview.private_metadata, blocks: preview.blocks as ViewOutput['blocks'] }),
      values: {
        [ids.bulkPreview.excludeBlock]: { [ids.bulkPreview.excludeSelect]: stateValue.options([], 'multi_external_select') },
        [ids.bulkPreview.excludeEmailsBlock]: { [ids.bulkPreview.excludeEmailsInput]: stateValue.text(null) },
      },
    });
  }

  it('makes one bulk request and one approval message above the threshold', async () => {
    const preview = await bulkPreview(10);
    const answers = await replay(previewSubmission(preview), 10);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === APPROVALS);
    await settle();
    expect(await e2e.models.BulkRequest.countDocuments({})).toBe(1);
    expect(sent('chat.postMessage', (c) => c.body.channel === APPROVALS)).toHaveLength(1);
    expect(sent('chat.postMessage', (c) => c.body.channel === ADMIN)).toHaveLength(1);
    expect(await e2e.models.Audit.countDocuments({ action: 'bulk.submit', outcome: 'applied' })).toBe(1);
  });

  it('makes one job, one progress message and one notice at or under the threshold', async () => {
    const preview = await bulkPreview(4);
    await replay(previewSubmission(preview), 10);
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    await settle();
    expect(await e2e.models.BulkRequest.countDocuments({})).toBe(1);
    expect(sent('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change: 0 of'))).toHaveLength(1);
    expect(sent('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'))).toHaveLength(1);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(4);
    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'pro' })).toBe(4);
    await expectSeatInvariant(e2e.running.db);
  });
});

describe('a replayed Confirm', () => {
  it('applies once and shows the outcome on the review message, leaving the response_url’s five posts unspent', async () => {
    const [ada] = await givenLearners(e2e.running.db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const m = ids.changeModal;
    await e2e.interact(
      viewSubmissionPayload({
        user_id: ADMIN,
        callback_id: m.callback,
        private_metadata: JSON.stringify({ mode: 'reassign', channelId: 'C0GENERAL' }),
        values: {
          [m.learnerBlock]: { [m.learnerSelect]: stateValue.option(ada!, 'Ada', 'external_select') },
          [m.typeBlock]: { [m.typeSelect]: stateValue.option('pro') },
        },
      }),
    );
    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN);
    const reviewTs = (review.response as { ts: string }).ts;
    const confirm = buttonsOf(review).find((el) => el.action_id === ids.review.confirm)!;
    const responseUrl = e2e.slack.responseUrl();
    const click = blockActionsPayload({
      user_id: ADMIN,
      channel_id: `D${ADMIN}`,
      response_url: responseUrl,
      message: { ts: reviewTs },
      actions: [{ action_id: confirm.action_id, block_id: ids.review.actionsBlock, value: confirm.value! }],
    });
    await Promise.all(Array.from({ length: 20 }, () => e2e.interact(click)));
    const outcome = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === reviewTs && String(c.body.text).includes('Moved Ada'));
    expect(outcome.body.channel).toBe(review.response && (review.response as { channel: string }).channel);
    await settle();
    expect(sent('response_url', (c) => c.url === responseUrl).length).toBeLessThanOrEqual(1);
    expect((await e2e.models.Learner.findById(ada).lean())?.licenseTypes).toEqual(['pro']);
    expect(await e2e.models.Assignment.countDocuments({ learnerId: ada, licenseType: 'pro' })).toBe(1);
    await expectSeatInvariant(e2e.running.db);
  });
});
