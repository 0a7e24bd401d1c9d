import { modelsFor } from '../../src/db/models/index.js';
import { scheduleBulkJob } from '../../src/jobs/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { importUsage } from '../../src/licensing/usage/usage-import.js';
import {
  askExtendBlockId,
  extendBlockId,
  ids,
  jobActionsBlockId,
  releaseBlockId,
  requestActionsBlockId,
  undoJobBlockId,
} from '../../src/slack/ids.js';
import type { KnownBlock } from '../../src/slack/views/blocks.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { grantUntil } from '../support/schedule-fixtures.js';
import { bulkInSlack, changeInSlack, buttonsOf as messageButtons } from '../support/slack-flows.js';
import { appHomeOpenedEvent, blockActionsPayload, homeBlockActionsPayload } from '../support/slack-requests.js';
import { accessoryButton, allButtons, blockById, blockIds, buttonsOf, sectionText, texts } from '../unit/views/block-queries.js';

const ADMIN_LEAD = 'UADMIN2';
const LEAD = 'ULEAD1';
const LEARNER = 'ULEARN1';
const STRANGER = 'USTRANGE';
const WINDOW_MS = 1_500;
const DAY = 86_400_000;

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E(
    {
      LICENSE_ADMINS: `${ADMIN},${ADMIN_LEAD}`,
      LICENSE_APPROVERS: `${LEAD},${ADMIN_LEAD}`,
      APPROVAL_CHANNEL_ID: 'CAPPROVALS',
      BULK_APPROVAL_THRESHOLD: '50',
      JOB_PROCESS_EVERY: '100 milliseconds',
      SEAT_PRICE_PRO: '420',
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

/** Opens the admin's Home and waits for it to show the idle seats, counted in the background after the first publish. */
async function openCountedHome(user: string): Promise<KnownBlock[]> {
  const first = await openHome(user);
  expect(sectionText(blockById(first, ids.home.reclaimBlock, 'section'))).toBe(
    '*Idle seats*: counting… This Home is updated when the count is ready.',
  );
  const counted = await e2e.slack.waitFor(
    'views.publish',
    (c) => c.body.user_id === user && !JSON.stringify(c.body.view).includes('counting…'),
    10_000,
  );
  return viewBlocks(counted);
}

/** The user's Home as last published. */
function lastHome(user: string): KnownBlock[] {
  const last = publishesTo(user).at(-1);
  if (!last) throw new Error(`no Home was published for ${user}`);
  return viewBlocks(last);
}

/** A click on a button of the user's Home as last published (no response_url: the answer goes to their DM). */
async function clickOnHome(user: string, action: { action_id: string; block_id: string; value?: string }, blocks = lastHome(user)) {
  const res = await e2e.interact(homeBlockActionsPayload({ user_id: user, actions: [action], blocks }));
  expect(res.status).toBe(200);
}

/** The next DM to `user` whose text contains `part`. */
function dmTo(user: string, part: string): Promise<SlackCall> {
  return e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === user && String(c.body.text).includes(part), 10_000);
}

/** A publish of the user's Home after the `before`th that satisfies `test`. */
function publishAfter(user: string, before: number, test: (blocks: KnownBlock[]) => boolean): Promise<SlackCall> {
  return e2e.slack.waitFor(
    'views.publish',
    (c) => c.body.user_id === user && publishesTo(user).indexOf(c) >= before && test(viewBlocks(c)),
    10_000,
  );
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
    await openCountedHome(ADMIN);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
    const opened = publishesTo(ADMIN).length;

    // One learner changed: one more publish, showing it (the idle seats counted a moment ago are not counted again).
    await changeInSlack(e2e, { mode: 'reassign', email: 'core1@example.com', learnerId: await learnerId('core1@example.com'), to: 'pro' });
    const refreshed = await e2e.slack.waitFor(
      'views.publish',
      (c) => c.body.user_id === ADMIN && publishesTo(ADMIN).indexOf(c) === opened,
      10_000,
    );
    expect(texts(viewBlocks(refreshed)).join('\n')).toContain('core1@example.com: from Learning Core to Learning Pro');
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    expect(publishesTo(ADMIN)).toHaveLength(opened + 1);

    // 29 learners in 3 batches, each reported as it settles: the Home is published at most once per window.
    const startedAt = Date.now();
    await bulkInSlack(e2e, { groups: ['Ops'], types: ['core'], action: 'revoke', reason: 'pilot over', channel: 'COPS' });
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    const during = publishesTo(ADMIN).slice(opened + 1);
    const windows = Math.ceil((Date.now() - startedAt) / WINDOW_MS);
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.length).toBeLessThanOrEqual(windows);
    // Publishes are claimed a window apart; they reach Slack after the Home is built, which takes
    // a varying few hundred ms on a busy machine.
    const gaps = during.slice(1).map((c, i) => c.at - (during[i]?.at ?? 0));
    expect(gaps.every((gap) => gap >= WINDOW_MS - 400)).toBe(true);
    expect(texts(viewBlocks(during.at(-1)!)).join('\n')).toContain('*Learning Core* — 0 in use · unlimited');
  });

  it('shows an admin scheduled changes, licenses ending this week and finished jobs, whose Cancel, Extend and Undo work from the Home', async () => {
    const actor = { userId: ADMIN, source: 'slack' as const, channelId: 'COPS' };
    // A bulk change run to the end (Undo offered), one scheduled in two days, and a license ending in three.
    await bulkInSlack(e2e, {
      groups: ['Ops'],
      types: ['core'],
      action: 'reassign',
      target: 'coach',
      reason: 'coaching pilot',
      channel: 'COPS',
    });
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    const finished = await e2e.models.BulkRequest.findOne({ status: 'completed' }).lean();
    const applyAt = new Date(Date.now() + 2 * DAY);
    const { request: scheduled } = await submitBulkRequest(e2e.running.deps, actor, {
      selection: { groups: ['Sales'] },
      change: { kind: 'add', to: 'core' },
      reason: 'core for sales next month',
      timing: { applyAt, timeZone: 'UTC' },
    });
    await scheduleBulkJob(e2e.running.agenda, scheduled.id, applyAt);
    const ends = new Date(Date.now() + 3 * DAY);
    const grantId = await grantUntil(e2e.running.deps, await learnerId('pro0@example.com'), { kind: 'add', to: 'core' }, ends);

    const blocks = await openCountedHome(ADMIN);

    expect(sectionText(blockById(blocks, ids.home.scheduledBlock, 'section'))).toBe('*Scheduled* (1)');
    const cancel = buttonsOf(blockById(blocks, jobActionsBlockId(scheduled.id), 'actions'));
    expect(cancel.map((b) => [b.action_id, b.value])).toEqual([[ids.bulkRequest.cancelJob, JSON.stringify({ requestId: scheduled.id })]]);
    const all = texts(blocks).join('\n');
    expect(all).toContain(':calendar: *scheduled* · 9 learners, add Learning Core');
    // Scheduled, not running.
    expect(all).toContain('*Running* (0)');
    const ending = blockById(blocks, extendBlockId({ grantId }), 'section');
    expect(sectionText(ending)).toBe(
      `*pro0@example.com*: Learning Core until <!date^${Math.floor(ends.getTime() / 1000)}^{date_short_pretty} {time}|${ends.toISOString()}> (granted by <@${ADMIN}>)`,
    );
    expect([accessoryButton(ending).action_id, accessoryButton(ending).value]).toEqual([ids.grant.extend, JSON.stringify({ grantId })]);
    const finishedId = String(finished?._id);
    const undo = blockById(blocks, undoJobBlockId(finishedId), 'section');
    expect(sectionText(undo)).toMatch(/^• \*completed\*: from Learning Core to Coaching — 30 \/ 30 \(30 changed, 0 failed\)/);
    expect([accessoryButton(undo).action_id, accessoryButton(undo).value]).toEqual([
      ids.undo.job,
      JSON.stringify({ requestId: finishedId }),
    ]);

    // Cancel, from the Home: answered in the admin's DM, and the Home no longer lists it.
    let before = publishesTo(ADMIN).length;
    await clickOnHome(ADMIN, { action_id: ids.bulkRequest.cancelJob, block_id: jobActionsBlockId(scheduled.id), value: cancel[0]?.value });
    await dmTo(ADMIN, 'Cancelled before it started; nothing was changed.');
    expect((await e2e.models.BulkRequest.findById(scheduled.id).lean())?.status).toBe('cancelled');
    await publishAfter(ADMIN, before, (home) => !blockIds(home).includes(ids.home.scheduledBlock));

    // Extend, from the Home: the extend modal, at the current end.
    const opened = e2e.slack.callsTo('views.open').length;
    await clickOnHome(ADMIN, {
      action_id: ids.grant.extend,
      block_id: extendBlockId({ grantId }),
      value: JSON.stringify({ grantId }),
    });
    const modal = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > opened);
    expect((modal.body.view as { callback_id: string }).callback_id).toBe(ids.extendModal.callback);

    // Undo, from the Home: submitted (30 learners: under the threshold, it runs now), told in a DM, no second Undo.
    before = publishesTo(ADMIN).length;
    await clickOnHome(ADMIN, {
      action_id: ids.undo.job,
      block_id: undoJobBlockId(finishedId),
      value: JSON.stringify({ requestId: finishedId }),
    });
    await dmTo(ADMIN, 'Undo submitted for 30 learners');
    expect(await e2e.models.BulkRequest.countDocuments({ 'undo.of': finishedId })).toBe(1);
    await publishAfter(ADMIN, before, (home) => !blockIds(home).includes(undoJobBlockId(finishedId)));
    // Nothing was answered through a response_url (a Home click has none).
    expect(e2e.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('counts the idle seats in the background and shows them per type with Reclaim, which works from the Home', async () => {
    const header = ['Email', 'Last Active Date', 'Hours Viewed'];
    const recent = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
    const rows = [header, ['ana@example.com', recent, '2:00:00'], ['pro0@example.com', recent, '1:00:00']];
    await importUsage(
      e2e.running.deps,
      {
        fileName: 'learner-detail.csv',
        rows: async function* () {
          for (const [i, values] of rows.entries()) yield { line: i + 1, values };
        },
      },
      { actor: { userId: ADMIN, source: 'slack' } },
    );

    const blocks = await openCountedHome(ADMIN);

    // Pro: 9 holders, 2 of them active lately; the other 7 never started. Core: 30 never started.
    expect(sectionText(blockById(blocks, ids.home.reclaimBlock, 'section'))).toBe(
      '*Idle seats* — holders idle more than 60 days or who never started\n*37* seats · *2,940* a year',
    );
    const pro = blockById(blocks, `${ids.reclaim.start}_pro`, 'section');
    expect(sectionText(pro)).toBe('*Learning Pro*: 7 idle of 9 in use (7 never started) · 2,940 a year');
    expect([accessoryButton(pro).action_id, accessoryButton(pro).value]).toEqual([ids.reclaim.start, JSON.stringify({ type: 'pro' })]);
    expect(sectionText(blockById(blocks, `${ids.reclaim.start}_core`, 'section'))).toBe(
      '*Learning Core*: 30 idle of 30 in use (30 never started)',
    );
    expect(texts(blocks).join('\n')).toMatch(/Counted <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+> · usage imported <!date/);

    // Reclaim, from the Home: a bulk request of the 7 (above nobody's threshold here: it runs), told in a DM.
    await clickOnHome(ADMIN, {
      action_id: ids.reclaim.start,
      block_id: `${ids.reclaim.start}_pro`,
      value: JSON.stringify({ type: 'pro' }),
    });
    await dmTo(ADMIN, 'Reclaim of 7 idle seats submitted; it runs now');
    expect(await e2e.models.BulkRequest.findOne({ 'reclaim.type': 'pro' }).lean()).toMatchObject({ change: { kind: 'revoke' } });
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(2);
  });

  it('shows a learner when a time-bound license ends, and Ask for more time from the Home asks the admin who granted it', async () => {
    const ends = new Date(Date.now() + 10 * DAY);
    const grantId = await grantUntil(e2e.running.deps, await learnerId('ana@example.com'), { kind: 'add', to: 'coach' }, ends, ADMIN_LEAD);

    const blocks = await openHome(LEARNER);

    expect(sectionText(blockById(blocks, releaseBlockId('coach'), 'section'))).toMatch(
      new RegExp(
        `\\n:hourglass: Ends <!date\\^${Math.floor(ends.getTime() / 1000)}\\^\\{date_short_pretty\\} \\{time\\}\\|${ends.toISOString()}>\\.$`,
      ),
    );
    // Pro is not time-bound: no end, nothing to ask for.
    expect(sectionText(blockById(blocks, releaseBlockId('pro'), 'section'))).not.toContain('Ends');
    const ask = buttonsOf(blockById(blocks, askExtendBlockId(grantId), 'actions'));
    expect(ask.map((b) => [b.action_id, b.value])).toEqual([[ids.grant.askExtend, JSON.stringify({ grantId })]]);

    await clickOnHome(LEARNER, {
      action_id: ids.grant.askExtend,
      block_id: askExtendBlockId(grantId),
      value: JSON.stringify({ grantId }),
    });
    const asked = await dmTo(ADMIN_LEAD, 'asks for more time');
    expect(String(asked.body.text)).toContain('Ana Lima (ana@example.com) asks for more time on the Coaching you granted');
    await dmTo(LEARNER, `I asked ${ADMIN_LEAD}, who granted it, for more time.`);
    // Someone else sending the same click is refused, in their DM.
    await clickOnHome(
      STRANGER,
      { action_id: ids.grant.askExtend, block_id: askExtendBlockId(grantId), value: JSON.stringify({ grantId }) },
      blocks,
    );
    await dmTo(STRANGER, 'Only the learner who holds this license can ask for more time.');
    expect(await e2e.models.Audit.countDocuments({ action: 'grant.extend.ask', outcome: 'applied' })).toBe(1);
  });
  it('refreshes, once, the Homes of the learners a bulk job changed, and only of those who opened one', async () => {
    // 54 learners in Sales (over the threshold of 50): approval, then 6 batches of 10.
    await givenLearners(
      e2e.running.db,
      Array.from({ length: 45 }, (_, i) => ({
        email: `late${i}@example.com`,
        name: `Late ${i}`,
        licenseTypes: ['core'],
        groups: ['Sales'],
      })),
    );
    const LATE = 'ULATE44';
    const NEVER_OPENED = 'UPRO0';
    e2e.slack.addUser({ id: LATE, email: 'late44@example.com' });
    e2e.slack.addUser({ id: NEVER_OPENED, email: 'pro0@example.com' });
    // Known to the bot (as the notice queue would know them), but with no Home.
    await e2e.running.deps.identities.rememberIdentity({ email: 'pro0@example.com', slackUserId: NEVER_OPENED, checkedAt: new Date() });
    // Ana is in the job's first batch, late44 in its last.
    for (const user of [LEARNER, LATE]) {
      const blocks = await openHome(user);
      expect(blockIds(blocks)).not.toContain(releaseBlockId('coach'));
    }
    // Out of the publish window, so the refresh is not merely deferred by it.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200));
    const opened: Record<string, number> = { [LEARNER]: publishesTo(LEARNER).length, [LATE]: publishesTo(LATE).length };

    await bulkInSlack(e2e, { groups: ['Sales'], types: ['pro', 'core'], action: 'add', target: 'coach', reason: 'coaching for Sales' });
    const approval = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === 'CAPPROVALS', 10_000);
    const approve = messageButtons(approval).find((b) => b.action_id === ids.bulkRequest.approve)!;
    const clicked = await e2e.interact(
      blockActionsPayload({
        user_id: LEAD,
        response_url: e2e.slack.responseUrl(),
        channel_id: 'CAPPROVALS',
        message: { ts: (approval.response as { ts: string }).ts },
        actions: [{ action_id: approve.action_id, block_id: approve.block_id ?? ids.bulkRequest.actionsBlock, value: approve.value ?? '' }],
      }),
    );
    expect(clicked.status).toBe(200);
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    expect(await e2e.models.Learner.countDocuments({ groups: 'Sales', licenseTypes: 'coach' })).toBe(54);

    for (const user of [LEARNER, LATE]) {
      const refreshed = await publishAfter(user, opened[user]!, (home) => blockIds(home).includes(releaseBlockId('coach')));
      expect(sectionText(blockById(viewBlocks(refreshed), releaseBlockId('coach'), 'section'))).toMatch(/^\*Coaching\* — since /);
    }
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    expect(publishesTo(LEARNER)).toHaveLength(opened[LEARNER]! + 1);
    expect(publishesTo(LATE)).toHaveLength(opened[LATE]! + 1);
    expect(publishesTo(NEVER_OPENED)).toHaveLength(0);
  });

  it('refreshes a learner’s Home once when their time-bound license ends', async () => {
    // Coaching for three seconds, given outside Slack (so nothing refreshes the Home but the expiry).
    await grantUntil(e2e.running.deps, await learnerId('ana@example.com'), { kind: 'add', to: 'coach' }, new Date(Date.now() + 3_000));
    const blocks = await openHome(LEARNER);
    expect(blockIds(blocks)).toContain(releaseBlockId('coach'));
    const opened = publishesTo(LEARNER).length;

    // The running bot's timer job ends the grant at its time.
    await publishAfter(LEARNER, opened, (home) => !blockIds(home).includes(releaseBlockId('coach')));
    expect((await e2e.models.Grant.findOne({ learnerId: await learnerId('ana@example.com') }).lean())?.status).toBe('ended');
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 500));
    expect(publishesTo(LEARNER)).toHaveLength(opened + 1);
    expect(blockIds(lastHome(LEARNER))).toContain(releaseBlockId('pro'));
  });
});

async function learnerId(email: string): Promise<string> {
  const learner = await e2e.running.deps.store.findLearnerByEmail(email);
  if (!learner) throw new Error(`no learner ${email}`);
  return learner.id;
}
