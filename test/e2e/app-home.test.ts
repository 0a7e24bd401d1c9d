import { modelsFor } from '../../src/db/models/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { ids, jobActionsBlockId, releaseBlockId, requestActionsBlockId } from '../../src/slack/ids.js';
import type { KnownBlock } from '../../src/slack/views/blocks.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { bulkInSlack, changeInSlack } from '../support/slack-flows.js';
import { appHomeOpenedEvent } from '../support/slack-requests.js';
import { allButtons, blockById, buttonsOf, texts } from '../unit/views/block-queries.js';

const ADMIN_LEAD = 'UADMIN2';
const LEAD = 'ULEAD1';
const LEARNER = 'ULEARN1';
const STRANGER = 'USTRANGE';
const WINDOW_MS = 1_500;

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E(
    {
      LICENSE_ADMINS: `${ADMIN},${ADMIN_LEAD}`,
      LICENSE_APPROVERS: `${LEAD},${ADMIN_LEAD}`,
      APPROVAL_CHANNEL_ID: 'CAPPROVALS',
      BULK_APPROVAL_THRESHOLD: '50',
      JOB_PROCESS_EVERY: '100 milliseconds',
    },
    { homeWindowMs: WINDOW_MS, bulkBatchSize: 10, progressIntervalMs: 50 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'coach', name: 'Coaching', capacity: 100 },
  ]);
  await givenLearners(e2e.running.db, [
    { email: 'ana@example.com', name: 'Ana Lima', licenseTypes: ['pro'], groups: ['Sales'] },
    ...Array.from({ length: 8 }, (_, i) => ({ email: `pro${i}@example.com`, name: `Pro ${i}`, licenseTypes: ['pro'], groups: ['Sales'] })),
    ...Array.from({ length: 30 }, (_, i) => ({
      email: `core${i}@example.com`,
      name: `Core ${i}`,
      licenseTypes: ['core'],
      groups: ['Ops'],
    })),
  ]);
  e2e.slack.addUser({ id: LEARNER, email: 'ana@example.com' });
  e2e.slack.addUser({ id: STRANGER, email: 'someone.else@example.com' });
});
afterEach(async () => {
  await e2e.stop();
});

const publishesTo = (user: string) => e2e.slack.callsTo('views.publish').filter((c) => c.body.user_id === user);

/** Opens the user's Home and returns the blocks published for them. */
async function openHome(user: string): Promise<KnownBlock[]> {
  const before = publishesTo(user).length;
  const res = await e2e.event(appHomeOpenedEvent(user));
  expect(res.status).toBe(200);
  const call = await e2e.slack.waitFor('views.publish', (c) => c.body.user_id === user && publishesTo(user).indexOf(c) >= before, 10_000);
  return viewBlocks(call);
}

function viewBlocks(call: SlackCall): KnownBlock[] {
  const view = call.body.view as { type: string; blocks: KnownBlock[] };
  expect(view.type).toBe('home');
  return view.blocks;
}

async function pendingBulkRequest() {
  const { request } = await submitBulkRequest(
    { ...e2e.running.deps, bulkApprovalThreshold: 5 },
    { userId: ADMIN, source: 'slack', channelId: 'COPS' },
    { selection: { groups: ['Ops'] }, change: { kind: 'reassign', from: 'core', to: 'coach' }, reason: 'coaching pilot' },
  );
  return request;
}

describe('the App Home', () => {
  it('shows an admin the seats with utilisation, approvals, running jobs, the last changes and their buttons', async () => {
    const pending = await pendingBulkRequest();
    const { BulkRequest } = modelsFor(e2e.running.db.connection);
    const running = await BulkRequest.create({
      status: 'running',
      selection: { groups: ['Sales'] },
      change: { kind: 'add', to: 'core' },
      reason: 'core for sales',
      requestedBy: ADMIN,
      createdAt: new Date(),
      updatedAt: new Date(),
      preview: { matched: 9, alreadyOnTarget: 0, blocked: 0, toChange: 9, seatsNeeded: 0 },
      progress: { lastBatch: 1, lastLearnerId: null, total: 9, done: 4, skipped: 0, failed: 0 },
    });
    await changeInSlack(e2e, { mode: 'reassign', email: 'core0@example.com', learnerId: await learnerId('core0@example.com'), to: 'pro' });

    const blocks = await openHome(ADMIN);

    expect(buttonsOf(blockById(blocks, ids.home.adminActionsBlock, 'actions')).map((b) => b.action_id)).toEqual([
      ids.home.reassign,
      ids.home.bulk,
      ids.home.exportLearners,
    ]);
    const seats = texts([blockById(blocks, ids.home.seatsBlock, 'section')])[0] ?? '';
    // Pro: 9 of 10 before the change, 10 of 10 after it.
    expect(seats).toContain('*Learning Pro* `▰▰▰▰▰▰▰▰▰▰` 100% — 10 of 10 in use · 0 free :warning: *nearly full*');
    expect(seats).toContain('*Learning Core* — 29 in use · unlimited');
    expect(seats).toContain('*Coaching* `▱▱▱▱▱▱▱▱▱▱` 0% — 0 of 100 in use · 100 free');
    const all = texts(blocks).join('\n');
    expect(all).toContain('*Waiting for approval* (1)');
    expect(all).toContain(`<@${ADMIN}> asks to change *30* learners: from Learning Core to Coaching.`);
    // This admin is no lead: the request is shown without its buttons.
    expect(blocks.some((b) => b.block_id === requestActionsBlockId(pending.id))).toBe(false);
    expect(all).toContain('*Running* (1)');
    expect(buttonsOf(blockById(blocks, jobActionsBlockId(String(running._id)), 'actions')).map((b) => b.action_id)).toEqual([
      ids.bulkRequest.cancelJob,
    ]);
    expect(texts([blockById(blocks, ids.home.changesBlock, 'section')])[0]).toMatch(
      new RegExp(`^\\*Last changes\\*\\n• core0@example\\.com: from Learning Core to Learning Pro · by <@${ADMIN}> \\(slack\\)`),
    );
  });

  it('gives an admin who is also a lead the Approve and Reject buttons of the requests they may decide', async () => {
    const pending = await pendingBulkRequest();

    const blocks = await openHome(ADMIN_LEAD);

    expect(buttonsOf(blockById(blocks, requestActionsBlockId(pending.id), 'actions')).map((b) => [b.action_id, b.value])).toEqual([
      [ids.bulkRequest.approve, JSON.stringify({ requestId: pending.id })],
      [ids.bulkRequest.reject, JSON.stringify({ requestId: pending.id })],
    ]);
  });

  it('shows a team lead their approval queue with the buttons and the groups they lead', async () => {
    const pending = await pendingBulkRequest();

    const blocks = await openHome(LEAD);

    expect(texts([blockById(blocks, ids.home.leadBlock, 'section')])[0]).toContain('you approve bulk license changes for any group');
    expect(texts(blocks).join('\n')).toContain('*Your approval queue* (1)');
    expect(buttonsOf(blockById(blocks, requestActionsBlockId(pending.id), 'actions')).map((b) => b.action_id)).toEqual([
      ids.bulkRequest.approve,
      ids.bulkRequest.reject,
    ]);
    expect(blocks.some((b) => b.block_id === ids.home.adminActionsBlock)).toBe(false);
  });

  it('shows a learner their licenses since when, with Release my license and Request a license', async () => {
    await changeInSlack(e2e, { mode: 'add', email: 'ana@example.com', learnerId: await learnerId('ana@example.com'), to: 'coach' });

    const blocks = await openHome(LEARNER);

    expect(texts([blockById(blocks, ids.home.learnerBlock, 'section')])[0]).toBe(':mortar_board: *Your learning licenses*');
    const coach = blockById(blocks, releaseBlockId('coach'), 'section');
    expect(coach.text?.text).toMatch(/^\*Coaching\* — since <!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
    expect(coach.accessory).toMatchObject({ action_id: ids.home.releaseLicense, value: JSON.stringify({ licenseType: 'coach' }) });
    // Pro came with the data (no history row here), so it has no date.
    expect(blockById(blocks, releaseBlockId('pro'), 'section').text?.text).toBe('*Learning Pro*');
    expect(allButtons(blocks).map((b) => b.action_id)).toContain(ids.home.requestLicense);
    // users.info told the bot who the viewer is; it is remembered for next time.
    // (The admin's own users.info, for their time zone, is another matter.)
    expect(
      e2e.slack
        .callsTo('users.info')
        .filter((c) => c.body.user !== ADMIN)
        .map((c) => c.body.user),
    ).toEqual([LEARNER]);
    expect(await e2e.running.deps.identities.identityByUserId(LEARNER)).toMatchObject({ email: 'ana@example.com' });
  });

  it('tells anyone else what the bot is and who the admins are', async () => {
    const blocks = await openHome(STRANGER);

    expect(texts([blockById(blocks, ids.home.aboutBlock, 'section')])[0]).toContain('*Learning License Bot*');
    expect(texts(blocks).join('\n')).toContain(`*License admins:* <@${ADMIN}>, <@${ADMIN_LEAD}>`);
    expect(allButtons(blocks)).toHaveLength(0);
  });

  it('refreshes a viewer’s Home once after a change, not once per learner or per batch', async () => {
    await openHome(ADMIN);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));

    // One learner changed: one more publish, showing it.
    await changeInSlack(e2e, { mode: 'reassign', email: 'core1@example.com', learnerId: await learnerId('core1@example.com'), to: 'pro' });
    const refreshed = await e2e.slack.waitFor(
      'views.publish',
      (c) => c.body.user_id === ADMIN && publishesTo(ADMIN).indexOf(c) === 1,
      10_000,
    );
    expect(texts(viewBlocks(refreshed)).join('\n')).toContain('core1@example.com: from Learning Core to Learning Pro');
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    expect(publishesTo(ADMIN)).toHaveLength(2);

    // 29 learners in 3 batches, each reported as it settles: the Home is published at most once per window.
    const startedAt = Date.now();
    await bulkInSlack(e2e, { groups: ['Ops'], types: ['core'], action: 'revoke', reason: 'pilot over', channel: 'COPS' });
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    const during = publishesTo(ADMIN).slice(2);
    const windows = Math.ceil((Date.now() - startedAt) / WINDOW_MS);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.length).toBeLessThanOrEqual(windows);
    // Publishes are claimed a window apart; they reach Slack after the Home is built, which takes
    // a varying few hundred ms on a busy machine.
    const gaps = during.slice(1).map((c, i) => c.at - (during[i]?.at ?? 0));
    expect(gaps.every((gap) => gap >= WINDOW_MS - 400)).toBe(true);
    expect(texts(viewBlocks(during.at(-1)!)).join('\n')).toContain('*Learning Core* — 0 in use · unlimited');
  });
});

async function learnerId(email: string): Promise<string> {
  const learner = await e2e.running.deps.store.findLearnerByEmail(email);
  if (!learner) throw new Error(`no learner ${email}`);
  return learner.id;
}
