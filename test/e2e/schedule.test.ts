import type { ViewOutput } from '@slack/bolt';
import { JOBS_COLLECTION } from '../../src/jobs/agenda.js';
import { BULK_REASSIGN_JOB, GRANT_END_JOB } from '../../src/jobs/index.js';
import { wallTimeIn, zonedTimeToUtc } from '../../src/licensing/schedule/time.js';
import { ids } from '../../src/slack/ids.js';
import { NOTICE_EVENT_TYPE } from '../../src/slack/notifiers/notice-sender.js';
import { nativeDb, waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { grantUntil } from '../support/schedule-fixtures.js';
import { bulkFormInSlack, bulkInSlack, buttonsOf } from '../support/slack-flows.js';
import { blockActionsPayload, stateValue, viewSubmissionPayload } from '../support/slack-requests.js';

const LEAD = 'ULEAD1';
const LEAD2 = 'ULEAD2';
const APPROVALS = 'CAPPROVALS';
const NEW_YORK = 'America/New_York';
const DAY = 24 * 3_600_000;
const t = ids.timing;

let e2e: E2E;

async function boot(env: Record<string, string> = {}, options: Parameters<typeof bootE2E>[1] = {}) {
  e2e = await bootE2E(
    {
      LICENSE_APPROVERS: LEAD,
      APPROVAL_CHANNEL_ID: APPROVALS,
      BULK_APPROVAL_THRESHOLD: '5',
      JOB_PROCESS_EVERY: '100 milliseconds',
      ...env,
    },
    { progressIntervalMs: 50, bulkBatchSize: 50, lockLifetimeMs: 10_000, ...options },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
}

afterEach(async () => {
  await e2e.stop();
});

type Modal = { private_metadata: string; blocks: { block_id?: string; type: string; elements?: { text?: string }[] }[] };

const text = (call: SlackCall) => `${String(call.body.text)} ${JSON.stringify(call.body.blocks ?? '')}`;

/** Date and time pickers' values for an instant, as the admin sees it in `timeZone`. */
function picked(instant: Date, timeZone: string, dateBlock: string, dateAction: string, timeBlock: string, timeAction: string) {
  const wall = wallTimeIn(instant, timeZone);
  return {
    [dateBlock]: { [dateAction]: stateValue.date(wall.date) },
    [timeBlock]: { [timeAction]: { type: 'timepicker' as const, selected_time: wall.time } },
  };
}

const untilPicked = (instant: Date, timeZone: string) =>
  picked(instant, timeZone, t.untilDateBlock, t.untilDate, t.untilTimeBlock, t.untilTime);
const applyPicked = (instant: Date, timeZone: string) =>
  picked(instant, timeZone, t.applyDateBlock, t.applyDate, t.applyTimeBlock, t.applyTime);

function click(user: string, action: { action_id: string; value?: string; block_id?: string }, channel = APPROVALS, ts?: string) {
  const responseUrl = e2e.slack.responseUrl();
  return e2e
    .interact(
      blockActionsPayload({
        user_id: user,
        response_url: responseUrl,
        channel_id: channel,
        ...(ts ? { message: { ts } } : {}),
        actions: [
          { action_id: action.action_id, block_id: action.block_id ?? 'actions', ...(action.value ? { value: action.value } : {}) },
        ],
      }),
    )
    .then((res) => ({ res, responseUrl }));
}

/** `/license reassign <email>`: the modal Slack opened. */
async function openReassign(email: string): Promise<Modal> {
  const before = e2e.slack.callsTo('views.open').length;
  await e2e.command(`reassign ${email}`);
  const opened = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > before);
  return opened.body.view as Modal;
}

async function submitChange(view: Modal, values: Record<string, Record<string, unknown>>) {
  return e2e.interact(
    viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: ids.changeModal.callback,
      view: { private_metadata: view.private_metadata, blocks: view.blocks as ViewOutput['blocks'] },
      values: values as ViewOutput['state']['values'],
    }),
  );
}

describe('a license until a date', () => {
  it('is given in the admin’s Slack time zone, shown back in it, stored in UTC and shown on the learner card', async () => {
    await boot();
    e2e.slack.addUser({ id: ADMIN, tz: NEW_YORK });
    const [ada] = await givenLearners(e2e.running.db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const view = await openReassign('ada@example.com');
    expect(JSON.parse(view.private_metadata)).toMatchObject({ timeZone: NEW_YORK, learnerId: ada });
    expect(view.blocks.map((b) => b.block_id)).toEqual(
      expect.arrayContaining([t.applyDateBlock, t.applyTimeBlock, t.untilDateBlock, t.untilTimeBlock]),
    );
    expect(JSON.stringify(view.blocks)).toContain(`Times are in ${NEW_YORK}, your Slack time zone.`);

    // 09:00 in New York, 40 days from now (times across a daylight-saving change: test/unit/schedule/time.test.ts).
    const wall = wallTimeIn(new Date(Date.now() + 40 * DAY), NEW_YORK);
    const until = zonedTimeToUtc(wall.date, '09:00', NEW_YORK)!;
    const ack = await submitChange(view, {
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      [ids.changeModal.reasonBlock]: { [ids.changeModal.reasonInput]: stateValue.text('contract ends') },
      ...untilPicked(until, NEW_YORK),
    });
    expect(ack.body).toBe('');
    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).startsWith('Move'));
    expect(String(review.body.text)).toContain(`, 09:00 (${NEW_YORK}): then they lose Learning Pro and get Learning Core back.`);

    const confirm = buttonsOf(review).find((b) => b.action_id === ids.review.confirm)!;
    await click(ADMIN, { ...confirm, block_id: ids.review.actionsBlock }, `D${ADMIN}`);
    // The outcome replaces the review message in place.
    const outcome = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === (review.response as { ts: string }).ts);
    expect(text(outcome)).toContain('Moved');
    expect(text(outcome)).toContain(`09:00 (${NEW_YORK})`);

    const grant = await e2e.models.Grant.findOne({ learnerId: ada }).lean();
    expect(grant).toMatchObject({ status: 'active', endsAt: until, added: ['pro'], removed: ['core'], timeZone: NEW_YORK });
    const job = await nativeDb(e2e.running.db)
      .collection(JOBS_COLLECTION)
      .findOne({ name: GRANT_END_JOB, 'data.key': `grant:${grant?._id}` });
    expect(job?.nextRunAt).toEqual(until);

    const show = await e2e.command('show ada@example.com');
    const card = await e2e.slack.waitFor('response_url', (c) => c.url === show.responseUrl);
    expect(text(card)).toContain('Learning Pro until <!date^');
    expect(text(card)).toContain('then back to Learning Core');
    expect(buttonsOf(card).map((b) => b.action_id)).toContain(ids.grant.extend);
  });

  it('refuses a schedule in the past and an end before it with a sentence next to the field', async () => {
    await boot();
    await givenLearners(e2e.running.db, [{ email: 'bo@example.com', name: 'Bo', licenseTypes: ['core'] }]);
    const view = await openReassign('bo@example.com');
    const yesterday = new Date(Date.now() - DAY);
    const past = await submitChange(view, {
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      ...applyPicked(yesterday, 'UTC'),
    });
    expect(past.json).toEqual({
      response_action: 'errors',
      errors: { [t.applyDateBlock]: 'That time has already passed; pick a moment in the future to apply the change.' },
    });
    const half = await submitChange(view, {
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      [t.untilDateBlock]: { [t.untilDate]: stateValue.date('2099-01-01') },
    });
    expect(half.json).toEqual({ response_action: 'errors', errors: { [t.untilTimeBlock]: 'Pick a time too.' } });
    expect(await e2e.models.ChangeRequest.countDocuments()).toBe(0);
  });

  it('is extended from the learner card; past MAX_GRANT_DAYS a lead approves it in the approvals channel', async () => {
    await boot({ MAX_GRANT_DAYS: '30' });
    const [cy] = await givenLearners(e2e.running.db, [{ email: 'cy@example.com', name: 'Cy', licenseTypes: ['core'] }]);
    const view = await openReassign('cy@example.com');
    const until = zonedTimeToUtc(wallTimeIn(new Date(Date.now() + 10 * DAY), 'UTC').date, '12:00', 'UTC')!;
    await submitChange(view, {
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      ...untilPicked(until, 'UTC'),
    });
    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).startsWith('Move'));
    const confirm = buttonsOf(review).find((b) => b.action_id === ids.review.confirm)!;
    await click(ADMIN, { ...confirm, block_id: ids.review.actionsBlock }, `D${ADMIN}`);
    const grant = await waitForGrant(cy!);

    const show = await e2e.command('show cy@example.com');
    const card = await e2e.slack.waitFor('response_url', (c) => c.url === show.responseUrl);
    const extend = buttonsOf(card).find((b) => b.action_id === ids.grant.extend)!;
    const opensBefore = e2e.slack.callsTo('views.open').length;
    await click(ADMIN, extend, 'C0GENERAL');
    const opened = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > opensBefore);
    const modal = opened.body.view as Modal & { callback_id: string };
    expect(modal.callback_id).toBe(ids.extendModal.callback);
    expect(JSON.stringify(modal.blocks)).toContain(`"initial_date":"${wallTimeIn(until, 'UTC').date}"`);

    const farEnd = new Date(until.getTime() + 40 * DAY);
    const ack = await e2e.interact(
      viewSubmissionPayload({
        user_id: ADMIN,
        callback_id: ids.extendModal.callback,
        view: { private_metadata: modal.private_metadata, blocks: modal.blocks as ViewOutput['blocks'] },
        values: {
          ...untilPicked(farEnd, 'UTC'),
          [ids.extendModal.reasonBlock]: { [ids.extendModal.reasonInput]: stateValue.text('project late') },
        },
      }),
    );
    expect(ack.body).toBe('');
    const asked = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === APPROVALS && String(c.body.text).includes('Extension'),
    );
    expect(text(asked)).toContain('project late');
    expect((await e2e.models.Grant.findById(grant._id).lean())?.endsAt).toEqual(until);

    const approve = buttonsOf(asked).find((b) => b.action_id === ids.extension.approve)!;
    await click(ADMIN, approve, APPROVALS, (asked.response as { ts: string }).ts).then(({ responseUrl }) =>
      e2e.slack.waitFor('response_url', (c) => c.url === responseUrl),
    );
    expect((await e2e.models.Grant.findById(grant._id).lean())?.endsAt).toEqual(until);
    await click(LEAD, approve, APPROVALS, (asked.response as { ts: string }).ts);
    await e2e.slack.waitFor('chat.update', (c) => c.body.channel === APPROVALS && text(c).includes(`Approved by <@${LEAD}>`));
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).includes('approved your extension'));
    expect((await e2e.models.Grant.findById(grant._id).lean())?.endsAt).toEqual(farEnd);
  });
});

async function waitForGrant(learnerId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const grant = await e2e.models.Grant.findOne({ learnerId }).lean();
    if (grant) return grant;
    if (Date.now() > deadline) throw new Error('no grant was recorded');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `/license bulk` for the Sales group, Core → Pro, with more fields (the timing pickers). */
const salesToPro = (extra: Record<string, Record<string, unknown>>): Parameters<typeof bulkInSlack>[1] => ({
  groups: ['Sales'],
  types: ['core'],
  action: 'reassign',
  target: 'pro',
  reason: 'new quarter',
  channel: 'CSALES',
  extra,
});

async function givenSales(count: number) {
  return givenLearners(
    e2e.running.db,
    Array.from({ length: count }, (_, i) => ({
      email: `sales${i}@example.com`,
      name: `Sales ${i}`,
      groups: ['Sales'],
      licenseTypes: ['core'],
    })),
  );
}

describe('a learner told their license ends', () => {
  it('is warned in a DM sent by the notice queue, and so is the admin who granted it, each with their button', async () => {
    await boot({ LEARNER_NOTICES: 'on', NOTICES_PER_MINUTE: '6000' }, { noticeEvery: '200 milliseconds' });
    e2e.slack.addUser({ id: 'UEVE', email: 'eve@example.com' });
    const [eve] = await givenLearners(e2e.running.db, [{ email: 'eve@example.com', name: 'Eve', licenseTypes: ['core'] }]);
    // Three seconds long: warned at half the time by the running bot's timer job, through its notice queue.
    const grantId = await grantUntil(e2e.running.deps, eve!, { kind: 'reassign', from: 'core', to: 'pro' }, new Date(Date.now() + 3_000));

    const toEve = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === 'UEVE' && String(c.body.text).includes('license ends'),
    );
    expect(String(toEve.body.text)).toContain('Your Learning Pro license ends');
    expect(buttonsOf(toEve)).toEqual([
      expect.objectContaining({ action_id: ids.grant.askExtend, block_id: ids.grant.actionsBlock, value: JSON.stringify({ grantId }) }),
    ]);
    expect(toEve.body.metadata).toMatchObject({ event_type: NOTICE_EVENT_TYPE });
    const toAdmin = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('you granted'),
    );
    expect(buttonsOf(toAdmin)).toEqual([expect.objectContaining({ action_id: ids.grant.extend, value: JSON.stringify({ grantId }) })]);
    // The grant ends at its time; nobody is warned twice.
    await waitFor(async () => (await e2e.models.Grant.findById(grantId).lean())?.status === 'ended' || null, 10_000, 'the grant to end');
    const warned = (c: SlackCall) => String(c.body.text).includes('license ends') || String(c.body.text).includes('you granted');
    expect(e2e.slack.callsTo('chat.postMessage').filter(warned)).toHaveLength(2);
  });

  it('asks the admin who granted it for more time, and only the learner may', async () => {
    await boot();
    const [dee] = await givenLearners(e2e.running.db, [
      { email: 'dee@example.com', name: 'Dee', licenseTypes: ['core'], slackUserId: 'UDEE' },
    ]);
    const view = await openReassign('dee@example.com');
    const until = zonedTimeToUtc(wallTimeIn(new Date(Date.now() + 5 * DAY), 'UTC').date, '12:00', 'UTC')!;
    await submitChange(view, {
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      ...untilPicked(until, 'UTC'),
    });
    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).startsWith('Move'));
    await click(
      ADMIN,
      { ...buttonsOf(review).find((b) => b.action_id === ids.review.confirm)!, block_id: ids.review.actionsBlock },
      `D${ADMIN}`,
    );
    const grant = await waitForGrant(dee!);
    const ask = { action_id: ids.grant.askExtend, block_id: ids.grant.actionsBlock, value: JSON.stringify({ grantId: grant._id }) };

    const stranger = await click('USTRANGER', ask, 'DUSTRANGER');
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === stranger.responseUrl))).toContain(
      'Only the learner who holds this license',
    );
    const asked = await click('UDEE', ask, 'DUDEE');
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === asked.responseUrl))).toContain(`I asked <@${ADMIN}>`);
    const toAdmin = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('asks for more time'),
    );
    expect(buttonsOf(toAdmin)).toEqual([
      expect.objectContaining({ action_id: ids.grant.extend, value: JSON.stringify({ grantId: grant._id }) }),
    ]);
    expect(await e2e.models.Audit.countDocuments({ action: 'grant.extend.ask' })).toBe(2);
  });
});

describe('a scheduled bulk change', () => {
  it('waits in /license jobs as scheduled with Cancel, and Cancel removes its job', async () => {
    await boot();
    await givenSales(4);
    const applyAt = zonedTimeToUtc(wallTimeIn(new Date(Date.now() + 2 * DAY), 'UTC').date, '09:00', 'UTC')!;
    const preview = await bulkInSlack(e2e, salesToPro(applyPicked(applyAt, 'UTC')));
    expect(JSON.stringify(preview?.blocks)).toContain(':calendar: Applies');

    const scheduled = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === 'CSALES' && String(c.body.text).startsWith('Bulk license change scheduled'),
    );
    expect(text(scheduled)).toContain('Bulk license change scheduled');
    const request = await e2e.models.BulkRequest.findOne({}).lean();
    expect(request).toMatchObject({ status: 'approved', applyAt });
    const job = await waitFor(
      () => nativeDb(e2e.running.db).collection(JOBS_COLLECTION).findOne({ name: BULK_REASSIGN_JOB }),
      5_000,
      'the job',
    );
    expect(job.nextRunAt).toEqual(applyAt);

    const jobs = await e2e.command('jobs');
    const list = await e2e.slack.waitFor('response_url', (c) => c.url === jobs.responseUrl);
    expect(text(list)).toContain('*scheduled*');
    const cancel = buttonsOf(list).find((b) => b.action_id === ids.bulkRequest.cancelJob)!;
    expect(cancel.block_id).toBe(`${ids.bulkRequest.jobActionsBlock}_${String(request?._id)}`);
    const { responseUrl } = await click(ADMIN, cancel, 'C0GENERAL');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body.text).toBe('Cancelled before it started; nothing was changed.');
    expect((await e2e.models.BulkRequest.findById(request?._id).lean())?.status).toBe('cancelled');
    expect(await nativeDb(e2e.running.db).collection(JOBS_COLLECTION).countDocuments({ name: BULK_REASSIGN_JOB })).toBe(0);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
  });

  it('refuses “apply at” in the past next to the field', async () => {
    await boot();
    await givenSales(4);
    const { errors } = await bulkFormInSlack(e2e, salesToPro(applyPicked(new Date(Date.now() - 3_600_000), 'UTC')));
    expect(errors).toEqual({ [t.applyDateBlock]: 'That time has already passed; pick a moment in the future to apply the change.' });
  });
});

describe('the approval policy', () => {
  it('shows “1 of 2 approvals” until a second lead approves; the requester cannot count', async () => {
    await boot({ LICENSE_APPROVERS: `${LEAD},${LEAD2},${ADMIN}`, BULK_QUORUM_THRESHOLD: '5', BULK_QUORUM: '2' });
    await givenSales(10);
    await bulkInSlack(e2e, salesToPro({}));
    const approval = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === APPROVALS);
    const ts = (approval.response as { ts: string }).ts;
    const approve = buttonsOf(approval).find((b) => b.action_id === ids.bulkRequest.approve)!;

    const own = await click(ADMIN, approve, APPROVALS, ts);
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === own.responseUrl))).toContain('cannot decide your own');
    const first = await click(LEAD, approve, APPROVALS, ts);
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === first.responseUrl)).body.text).toBe(
      'Your approval is recorded; 1 more team lead must approve before it runs.',
    );
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts);
    expect(text(updated)).toContain(`1 of 2 approvals: <@${LEAD}>`);
    expect(buttonsOf(updated).map((b) => b.action_id)).toContain(ids.bulkRequest.approve);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);

    await click(LEAD2, approve, APPROVALS, ts);
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(10);
  });

  it('reminds the leads in the thread at half time, escalates to a channel at the deadline, then expires', async () => {
    // 0.001 h = 3.6 s: the reminder after 1.8 s, the escalation after 3.6 s, the expiry 3.6 s later.
    await boot({ APPROVAL_TTL_HOURS: '0.001', APPROVAL_ESCALATE_TO: 'CBOSSES' });
    await givenSales(10);
    await bulkInSlack(e2e, salesToPro({}));
    const approval = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === APPROVALS);
    const ts = (approval.response as { ts: string }).ts;

    const reminder = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.thread_ts === ts && String(c.body.text).includes('still waits'),
      10_000,
    );
    expect(reminder.body.channel).toBe(APPROVALS);
    expect(String(reminder.body.text)).toContain(LEAD);
    const escalated = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === 'CBOSSES', 10_000);
    expect(buttonsOf(escalated).map((b) => b.action_id)).toEqual([ids.bulkRequest.approve, ids.bulkRequest.reject]);
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === ts && String(c.body.text).includes('escalated to <#CBOSSES>'));
    const escalatedTs = (escalated.response as { ts: string }).ts;
    await e2e.slack.waitFor('chat.update', (c) => c.body.ts === escalatedTs && text(c).includes('Expired without a decision'), 15_000);
    await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts && text(c).includes('Expired without a decision'));
    expect(
      e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === ts && String(c.body.text).includes('still waits')),
    ).toHaveLength(1);
    const { Audit } = e2e.models;
    expect(await Audit.countDocuments({ action: 'bulk.remind' })).toBe(1);
    expect(await Audit.countDocuments({ action: 'bulk.escalate' })).toBe(1);
    expect(await Audit.countDocuments({ action: 'bulk.expire' })).toBe(1);
  }, 40_000);

  it('shows the policy to admins with /license policy and refuses others', async () => {
    await boot({ BULK_QUORUM_THRESHOLD: '500', BULK_QUORUM: '3', APPROVAL_ESCALATE_TO: 'UBOSS1,UBOSS2', MAX_GRANT_DAYS: '90' });
    const shown = await e2e.command('policy');
    const policy = await e2e.slack.waitFor('response_url', (c) => c.url === shown.responseUrl);
    expect(text(policy)).toContain('Above *500* learners, *3* different team leads must approve');
    expect(text(policy)).toContain('escalated to <@UBOSS1>, <@UBOSS2>');
    expect(text(policy)).toContain('*90 days*');
    const refused = await e2e.command('policy', 'USTRANGER');
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === refused.responseUrl))).toContain('Only license admins');
  });
});
