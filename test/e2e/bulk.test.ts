import type { ViewOutput } from '@slack/bolt';
import { ids } from '../../src/slack/ids.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { blockActionsPayload, stateValue, viewSubmissionPayload } from '../support/slack-requests.js';

const LEAD = 'ULEAD1';
const APPROVALS = 'CAPPROVALS';
const b = ids.bulkModal;

let e2e: E2E;

async function boot(env: Record<string, string> = {}) {
  e2e = await bootE2E(
    {
      LICENSE_APPROVERS: LEAD,
      APPROVAL_CHANNEL_ID: APPROVALS,
      BULK_APPROVAL_THRESHOLD: '5',
      JOB_PROCESS_EVERY: '100 milliseconds',
      ...env,
    },
    { progressIntervalMs: 50, bulkBatchSize: 50, lockLifetimeMs: 10_000 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 1000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
}

afterEach(async () => {
  await e2e.stop();
});

async function givenSales(count: number, extra: Parameters<typeof givenLearners>[1] = []) {
  return givenLearners(e2e.running.db, [
    ...Array.from({ length: count }, (_, i) => ({
      email: `sales${i}@example.com`,
      name: `Sales Person${i}`,
      groups: ['Sales'],
      licenseTypes: ['core'],
    })),
    ...extra,
  ]);
}

type ModalView = { private_metadata: string; blocks: unknown[]; submit?: { text: string } };

/** `/license bulk` → filters → preview → submit, exactly as Slack delivers it; returns the preview shown. */
async function submitBulk(input: {
  status?: string;
  groups?: string[];
  types?: string[];
  emails?: string;
  action?: string;
  target?: string;
  reason?: string;
  excludeEmails?: string;
  user?: string;
}) {
  const user = input.user ?? ADMIN;
  const cmd = await e2e.command('bulk', user, { channel: 'CSALES' });
  expect(cmd.status).toBe(200);
  const opened = await e2e.slack.waitFor('views.open', (c) => (c.body.view as { callback_id?: string }).callback_id === b.callback);
  const form = opened.body.view as ModalView;
  const filters = await e2e.interact(
    viewSubmissionPayload({
      user_id: user,
      callback_id: b.callback,
      view: { private_metadata: form.private_metadata, blocks: form.blocks as ViewOutput['blocks'] },
      values: {
        [b.groupsBlock]: { [b.groupsSelect]: stateValue.options(input.groups ?? []) },
        [b.typesBlock]: { [b.typesSelect]: stateValue.options(input.types ?? []) },
        [b.statusBlock]: { [b.statusSelect]: stateValue.option(input.status ?? 'active') },
        [b.textBlock]: { [b.textInput]: stateValue.text(null) },
        [b.emailsBlock]: { [b.emailsInput]: stateValue.text(input.emails ?? null) },
        [b.actionBlock]: { [b.actionSelect]: stateValue.option(input.action ?? 'reassign') },
        [b.targetBlock]: { [b.targetSelect]: stateValue.option(input.target ?? 'pro') },
        [b.reasonBlock]: { [b.reasonInput]: stateValue.text(input.reason ?? 'Sales moves to Pro') },
      },
    }),
  );
  const answer = filters.json as { response_action: string; view?: ModalView; errors?: Record<string, string> };
  if (answer.response_action !== 'update' || !answer.view) return { preview: null, errors: answer.errors ?? {}, submitted: null };
  const preview = answer.view;
  const submitted = await e2e.interact(
    viewSubmissionPayload({
      user_id: user,
      callback_id: ids.bulkPreview.callback,
      view: { private_metadata: preview.private_metadata, blocks: preview.blocks as ViewOutput['blocks'] },
      values: {
        [ids.bulkPreview.excludeBlock]: { [ids.bulkPreview.excludeSelect]: stateValue.options([], 'multi_external_select') },
        [ids.bulkPreview.excludeEmailsBlock]: { [ids.bulkPreview.excludeEmailsInput]: stateValue.text(input.excludeEmails ?? null) },
      },
    }),
  );
  return { preview, errors: {}, submitted: submitted.json as { response_action?: string; errors?: Record<string, string> } | undefined };
}

function buttonsOf(call: SlackCall): { action_id: string; value: string }[] {
  return (call.body.blocks as { elements?: { action_id?: string; value: string }[] }[])
    .flatMap((block) => block.elements ?? [])
    .filter((el): el is { action_id: string; value: string } => typeof el.action_id === 'string');
}

async function approvalMessage() {
  const call = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === APPROVALS);
  const approve = buttonsOf(call).find((el) => el.action_id === ids.bulkRequest.approve)!;
  const reject = buttonsOf(call).find((el) => el.action_id === ids.bulkRequest.reject)!;
  return { call, approve, reject, ts: (call.response as { ts: string }).ts };
}

function click(user: string, action: { action_id: string; value: string }, where: { channel?: string; ts?: string } = {}) {
  const responseUrl = e2e.slack.responseUrl();
  return e2e
    .interact(
      blockActionsPayload({
        user_id: user,
        response_url: responseUrl,
        channel_id: where.channel ?? APPROVALS,
        ...(where.ts ? { message: { ts: where.ts } } : {}),
        actions: [{ action_id: action.action_id, block_id: 'bulk_request_actions', value: action.value }],
      }),
    )
    .then((res) => ({ res, responseUrl }));
}

const text = (call: SlackCall) => `${String(call.body.text)} ${JSON.stringify(call.body.blocks ?? '')}`;

describe('bulk changes with approval', () => {
  it('goes from /license bulk through a lead’s Approve to a completion notice in the channel', async () => {
    await boot();
    await givenSales(120, [
      { email: 'keep.me@example.com', name: 'Keep Me', groups: ['Sales'], licenseTypes: ['core'] },
      { email: 'eng@example.com', name: 'Eng Person', groups: ['Engineering'], licenseTypes: ['core'] },
      { email: 'already@example.com', name: 'Already Pro', groups: ['Sales'], licenseTypes: ['pro'] },
    ]);
    const { preview, submitted } = await submitBulk({ groups: ['Sales'], types: ['core'], excludeEmails: 'keep.me@example.com' });
    expect(JSON.stringify(preview?.blocks)).toContain('*121* learners match. *121* will change (from Learning Core to Learning Pro).');
    expect(preview?.submit?.text).toBe('Send for approval');
    expect(submitted).toBeUndefined();

    const approval = await approvalMessage();
    expect(approval.call.body.text).toBe(`Bulk license change by ${ADMIN} (120 learners): waiting for approval`);
    expect(text(approval.call)).toContain('Sales moves to Pro');
    expect(text(approval.call)).toContain('Seats of Learning Pro after: 879 free of 1,000.');
    // The requester hears it was sent.
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).includes('sent to the team leads'));
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(1);

    await click(LEAD, approval.approve, { ts: approval.ts });
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === approval.ts && c.body.channel === APPROVALS);
    expect(text(updated)).toContain(`Approved by <@${LEAD}>`);
    expect(buttonsOf(updated)).toHaveLength(0);
    await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('approved your bulk change'),
    );

    const progress = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === 'CSALES' && String(c.body.text).startsWith('Bulk license change: 0 of'),
    );
    const notice = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === 'CSALES' && String(c.body.text).startsWith('Bulk license change completed'),
      20_000,
    );
    expect(notice.body.text).toBe('Bulk license change completed: 120 changed, 0 skipped, 0 failed');
    const finalProgress = await e2e.slack.waitFor(
      'chat.update',
      (c) =>
        c.body.ts === (progress.response as { ts: string }).ts &&
        String(c.body.text).startsWith('Bulk license change completed: 120 of 120'),
    );
    expect(buttonsOf(finalProgress)).toHaveLength(0);
    // The approval message's thread keeps the record: who approved and when, then how the job ended.
    const thread = e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === APPROVALS && c.body.thread_ts === approval.ts);
    await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.thread_ts === approval.ts && String(c.body.text).startsWith('The job completed'),
    );
    expect(String(thread[0]?.body.text)).toMatch(
      new RegExp(`^Approved by ${LEAD} \\d{4}-\\d\\d-\\d\\dT.*The change of 120 learners is running\\.$`),
    );
    expect(
      e2e.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.body.thread_ts === approval.ts)
        .map((c) => String(c.body.text).split(' ')[0]),
    ).toEqual(['Approved', 'The']);

    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(121);
    expect((await e2e.models.Learner.findOne({ email: 'keep.me@example.com' }).lean())?.licenseTypes).toEqual(['core']);
    expect((await e2e.models.Learner.findOne({ email: 'eng@example.com' }).lean())?.licenseTypes).toEqual(['core']);
    const rows = await e2e.models.Assignment.find({ licenseType: 'pro' }).lean();
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((r) => r.learnerId)).size).toBe(120);
    expect(rows.every((r) => r.source.startsWith('bulk:') && r.reason === 'Sales moves to Pro')).toBe(true);
    expect(
      e2e.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Bulk license change completed')),
    ).toHaveLength(1);
    await expectSeatInvariant(e2e.running.db);
  });

  it('applies a change at or under the threshold on the admin’s own submit', async () => {
    await boot();
    await givenSales(4);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === APPROVALS)).toHaveLength(0);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(4);
  });

  it('refuses a submission short of seats and says by how many', async () => {
    await boot();
    await e2e.models.LicenseType.updateOne({ key: 'pro' }, { $set: { capacity: 3 } });
    await givenSales(10);
    const { submitted } = await submitBulk({ groups: ['Sales'], types: ['core'] });
    expect(submitted?.response_action).toBe('errors');
    expect(Object.values(submitted?.errors ?? {}).join(' ')).toContain('so it is 7 seats short');
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
  });

  it('rejects with a reason, tells the requester and changes nothing', async () => {
    await boot();
    await givenSales(10);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const approval = await approvalMessage();
    await click(LEAD, approval.reject, { ts: approval.ts });
    const modal = await e2e.slack.waitFor(
      'views.open',
      (c) => (c.body.view as { callback_id?: string }).callback_id === ids.bulkReject.callback,
    );
    const view = modal.body.view as ModalView;
    const empty = await e2e.interact(
      viewSubmissionPayload({ user_id: LEAD, callback_id: ids.bulkReject.callback, private_metadata: view.private_metadata, values: {} }),
    );
    expect(empty.json).toMatchObject({ response_action: 'errors' });
    const done = await e2e.interact(
      viewSubmissionPayload({
        user_id: LEAD,
        callback_id: ids.bulkReject.callback,
        private_metadata: view.private_metadata,
        values: { [ids.bulkReject.reasonBlock]: { [ids.bulkReject.reasonInput]: stateValue.text('Budget freeze until Q3') } },
      }),
    );
    expect(done.body).toBe('');
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === approval.ts);
    expect(text(updated)).toContain('Rejected by <@ULEAD1>');
    expect(text(updated)).toContain('Budget freeze until Q3');
    const told = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('rejected your bulk change'),
    );
    expect(told.body.text).toContain('Budget freeze until Q3');
    const reply = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === approval.ts);
    expect(String(reply.body.text)).toMatch(new RegExp(`^Rejected by ${LEAD} .*: “Budget freeze until Q3”\\. Nothing was changed\\.$`));
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
    expect(await e2e.models.Audit.countDocuments({ action: 'bulk.reject', outcome: 'applied', actor: LEAD })).toBe(1);
  });

  it('echoes a hostile rejection reason to the requester without live mentions, links or formatting', async () => {
    await boot();
    await givenSales(10);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const approval = await approvalMessage();
    await click(LEAD, approval.reject, { ts: approval.ts });
    const modal = await e2e.slack.waitFor(
      'views.open',
      (c) => (c.body.view as { callback_id?: string }).callback_id === ids.bulkReject.callback,
    );
    const hostile = '<!channel> ask <@U0BOSS1> at <https://evil.example/login|the HR portal> *now*';
    await e2e.interact(
      viewSubmissionPayload({
        user_id: LEAD,
        callback_id: ids.bulkReject.callback,
        private_metadata: (modal.body.view as ModalView).private_metadata,
        values: { [ids.bulkReject.reasonBlock]: { [ids.bulkReject.reasonInput]: stateValue.text(hostile) } },
      }),
    );
    const told = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && String(c.body.text).includes('rejected your bulk change'),
    );
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === approval.ts);
    for (const call of [told, updated]) {
      const all = text(call);
      expect(all).not.toMatch(/<!channel>|<@U0BOSS1>|<https:\/\/evil/);
      expect(all).not.toContain('*now*');
      expect(all).toContain('&lt;!channel&gt;');
    }
  });

  it('refuses the requester’s own Approve and a non-lead’s, auditing both', async () => {
    await boot({ LICENSE_ADMINS: `${ADMIN},${LEAD}` });
    await givenSales(10);
    await submitBulk({ groups: ['Sales'], types: ['core'], user: LEAD });
    const approval = await approvalMessage();
    const own = await click(LEAD, approval.approve);
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === own.responseUrl)).body.text).toContain(
      'You cannot decide your own bulk request',
    );
    const stranger = await click('USTRANGER', approval.approve);
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === stranger.responseUrl)).body.text).toContain(
      'Only team leads can approve',
    );
    expect(await e2e.models.Audit.countDocuments({ action: 'bulk.approve', outcome: 'refused' })).toBe(2);
    expect(e2e.slack.callsTo('chat.update')).toHaveLength(0);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
  });

  it('runs one job when Approve is clicked twice at once', async () => {
    await boot({ LICENSE_APPROVERS: `${LEAD},ULEAD2` });
    await givenSales(30);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const approval = await approvalMessage();
    const [first, second] = await Promise.all([click(LEAD, approval.approve), click('ULEAD2', approval.approve)]);
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    const loser = await Promise.race([
      e2e.slack.waitFor('response_url', (c) => c.url === first.responseUrl),
      e2e.slack.waitFor('response_url', (c) => c.url === second.responseUrl),
    ]);
    expect(loser.body.text).toContain('already approved');
    const jobs = await e2e.running.db.connection.db!.collection('agendaJobs').countDocuments({ name: 'licenses.bulkReassign' });
    expect(jobs).toBe(1);
    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'pro' })).toBe(30);
    expect(
      e2e.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).startsWith('Bulk license change completed')),
    ).toHaveLength(1);
    await expectSeatInvariant(e2e.running.db);
  });

  it('expires a request nobody decided, updates the message and tells the requester', async () => {
    await boot({ APPROVAL_TTL_HOURS: '0.0001' }); // 0.36 s
    await givenSales(10);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const approval = await approvalMessage();
    await new Promise((resolve) => setTimeout(resolve, 600));
    await click(LEAD, approval.approve)
      .then(({ responseUrl }) => e2e.slack.waitFor('response_url', (c) => c.url === responseUrl))
      .then((reply) => {
        expect(reply.body.text).toContain('expired');
      });
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === approval.ts);
    expect(text(updated)).toContain('Expired without a decision');
    // The deadline's own job usually expires it before the click does; either way the requester is told once.
    // (The reminder at half the deadline is a thread reply too.)
    const reply = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.thread_ts === approval.ts && /^Expired/.test(String(c.body.text)),
    );
    expect(String(reply.body.text)).toMatch(/^Expired \d{4}-.* without a decision\. Nothing was changed\.$/);
    await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === ADMIN && /expired(: no team lead decided in time| before a team lead decided)/.test(String(c.body.text)),
    );
    expect(
      e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === ADMIN && String(c.body.text).includes('expired')),
    ).toHaveLength(1);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(0);
  });

  it('stops a running job on Cancel, leaves the rest untouched and says cancelled', async () => {
    await boot({ BULK_APPROVAL_THRESHOLD: '100000' });
    await e2e.stop();
    // Small batches and a slow Slack make the job long enough to cancel in the middle.
    e2e = await bootE2E(
      { LICENSE_APPROVERS: LEAD, BULK_APPROVAL_THRESHOLD: '100000', JOB_PROCESS_EVERY: '100 milliseconds' },
      { progressIntervalMs: 0, bulkBatchSize: 10 },
    );
    await givenLicenseTypes(e2e.running.db, [
      { key: 'pro', name: 'Learning Pro', capacity: null },
      { key: 'core', name: 'Learning Core', capacity: null },
    ]);
    await givenSales(2000);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const progress = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => c.body.channel === 'CSALES' && String(c.body.text).startsWith('Bulk license change:'),
    );
    const cancel = buttonsOf(progress).find((el) => el.action_id === ids.bulkRequest.cancelJob)!;
    await e2e.slack.waitFor(
      'chat.update',
      (c) => c.body.ts === (progress.response as { ts: string }).ts && /: [1-9]\d* of 2,000/.test(String(c.body.text)),
    );
    const { responseUrl } = await click(ADMIN, cancel, { channel: 'CSALES' });
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl)).body.text).toContain('stops after the current batch');
    const notice = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.body.text).startsWith('Bulk license change cancelled'),
      20_000,
    );
    const changed = await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' });
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(2000);
    expect(notice.body.text).toBe(`Bulk license change cancelled: ${changed} changed, 0 skipped, 0 failed`);
    expect(text(notice)).toContain(`${(2000 - changed).toLocaleString('en-US')} left untouched`);
    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'pro' })).toBe(changed);
    await expectSeatInvariant(e2e.running.db);
  });

  it('keeps going through a 429 with Retry-After on chat.update and resumes progress', async () => {
    await boot({ BULK_APPROVAL_THRESHOLD: '100000' });
    await givenSales(300);
    e2e.slack.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    const notice = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.body.text).startsWith('Bulk license change completed'),
      30_000,
    );
    expect(notice.body.text).toBe('Bulk license change completed: 300 changed, 0 skipped, 0 failed');
    // The progress message gets its final state once the Retry-After has passed (the notice did not wait for it).
    await e2e.slack.waitFor('chat.update', (c) => c.ok && String(c.body.text).startsWith('Bulk license change completed'), 10_000);
    const updates = e2e.slack.callsTo('chat.update');
    expect(updates[0]?.status).toBe(429);
    const afterLimit = updates.filter((c) => c.ok && c.at >= (updates[0]?.at ?? 0) + 1000);
    expect(afterLimit.length).toBeGreaterThan(0);
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(300);
  });

  it('lists the first 20 failures with reasons and attaches all of them as a CSV', async () => {
    await boot({ BULK_APPROVAL_THRESHOLD: '100000' });
    await givenSales(5);
    await givenLearners(
      e2e.running.db,
      Array.from({ length: 25 }, (_, i) => ({
        email: `gone${String(i).padStart(2, '0')}@example.com`,
        name: `Gone ${i}`,
        groups: ['Sales'],
        licenseTypes: ['core'],
        status: 'deactivated' as const,
      })),
    );
    await submitBulk({ groups: ['Sales'], types: ['core'], status: 'any' });
    const notice = await e2e.slack.waitFor(
      'chat.postMessage',
      (c) => String(c.body.text).startsWith('Bulk license change completed'),
      20_000,
    );
    expect(notice.body.text).toBe('Bulk license change completed: 5 changed, 0 skipped, 25 failed');
    const listed = text(notice).match(/gone\d\d@example\.com — That learner is deactivated/g) ?? [];
    expect(listed).toHaveLength(20);
    expect(text(notice)).toContain('first 20 of 25; all of them are in the attached CSV');
    const upload = await e2e.slack.waitFor('files.completeUploadExternal');
    expect(upload.body).toMatchObject({ channel_id: 'CSALES', thread_ts: (notice.response as { ts: string }).ts });
    const fileId = (
      Array.isArray(upload.body.files)
        ? (upload.body.files as { id: string }[])
        : (JSON.parse(String(upload.body.files)) as { id: string }[])
    )[0]!.id;
    const csv = e2e.slack.uploadedFile(fileId)!.content.toString('utf8').trim().split('\n');
    expect(csv[0]).toBe('email,reason,code');
    expect(csv.slice(1)).toHaveLength(25);
    expect(csv[1]).toMatch(
      /^gone\d\d@example\.com,"?That learner is deactivated, so their licenses cannot be changed\."?,learner_deactivated$/,
    );
    expect(await e2e.models.Learner.countDocuments({ licenseTypes: 'pro' })).toBe(5);
  });

  it('lists jobs and pending requests, and manages team leads', async () => {
    await boot();
    await givenSales(10);
    await submitBulk({ groups: ['Sales'], types: ['core'] });
    await approvalMessage();
    // Anyone may look; only admins and leads get the buttons.
    const looked = await e2e.command('requests', 'UANYONE');
    const seen = await e2e.slack.waitFor('response_url', (c) => c.url === looked.responseUrl);
    expect(seen.body.text).toBe('1 bulk changes are waiting for approval');
    expect(text(seen)).toContain('Sales moves to Pro');
    expect(buttonsOf(seen)).toEqual([]);
    const asAdmin = await e2e.command('requests', ADMIN);
    const adminView = await e2e.slack.waitFor('response_url', (c) => c.url === asAdmin.responseUrl);
    expect(buttonsOf(adminView).map((el) => el.action_id)).toEqual([ids.bulkRequest.approve, ids.bulkRequest.reject]);
    const jobs = await e2e.command('jobs', 'UANYONE');
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === jobs.responseUrl))).toContain('pending approval');

    const add = await e2e.command('leads add <@ULEAD9|nine> Sales, Customer Success');
    expect(String((await e2e.slack.waitFor('response_url', (c) => c.url === add.responseUrl)).body.text)).toContain(
      'ULEAD9 is now a team lead for Sales, Customer Success',
    );
    const list = await e2e.command('leads list');
    const listed = text(await e2e.slack.waitFor('response_url', (c) => c.url === list.responseUrl));
    expect(listed).toContain('<@ULEAD1> — any group _(from LICENSE_APPROVERS)_');
    expect(listed).toContain('<@ULEAD9> — groups: Sales, Customer Success');
    const refused = await e2e.command('leads add <@UX1>', 'UNOTADMIN');
    expect(String((await e2e.slack.waitFor('response_url', (c) => c.url === refused.responseUrl)).body.text)).toContain(
      'Only license admins',
    );

    // The group-limited lead sees the buttons and may approve this Sales-only request from the list.
    const asLead = await e2e.command('requests', 'ULEAD9');
    const pending = await e2e.slack.waitFor('response_url', (c) => c.url === asLead.responseUrl);
    expect(buttonsOf(pending).map((el) => el.action_id)).toEqual([ids.bulkRequest.approve, ids.bulkRequest.reject]);
    const approve = buttonsOf(pending).find((el) => el.action_id === ids.bulkRequest.approve)!;
    await click('ULEAD9', approve);
    await e2e.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    const remove = await e2e.command('leads remove <@ULEAD9>');
    expect(String((await e2e.slack.waitFor('response_url', (c) => c.url === remove.responseUrl)).body.text)).toContain(
      'no longer a team lead',
    );
  });
});
