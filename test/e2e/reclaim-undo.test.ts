import { modelsFor } from '../../src/db/models/index.js';
import { scheduleBulkJob } from '../../src/jobs/index.js';
import { submitBulkRequest } from '../../src/licensing/bulk/requests.js';
import { ids } from '../../src/slack/ids.js';
import { waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { blockActionsPayload, sendSignedRequest, viewSubmissionPayload } from '../support/slack-requests.js';

const LEAD = 'ULEAD1';
const APPROVALS = 'CAPPROVALS';
let e2e: E2E;

async function boot(env: Record<string, string> = {}) {
  e2e = await bootE2E(
    {
      LICENSE_APPROVERS: LEAD,
      APPROVAL_CHANNEL_ID: APPROVALS,
      BULK_APPROVAL_THRESHOLD: '5',
      JOB_PROCESS_EVERY: '100 milliseconds',
      SEAT_PRICE_PRO: '420',
      ...env,
    },
    // The notice queue (which sends the reclaim questions) looks for due notices often.
    { progressIntervalMs: 50, bulkBatchSize: 50, lockLifetimeMs: 10_000, noticeEvery: '200 milliseconds' },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
}
afterEach(async () => {
  await e2e.stop();
});

const text = (call: SlackCall) => `${String(call.body.text)} ${JSON.stringify(call.body.blocks ?? '')}`;

/** Slack's event for a file shared in the bot's DM, signed. */
async function shareInDm(user: string, file: ReturnType<E2E['slack']['shareFile']>) {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'message',
      subtype: 'file_share',
      channel: `D${user}`,
      channel_type: 'im',
      user,
      text: '',
      ts: `${Math.floor(Date.now() / 1000)}.000100`,
      files: [{ ...file, filetype: 'csv' }],
    },
  });
  return sendSignedRequest(e2e.baseUrl, SIGNING_SECRET, body, 'application/json');
}

const SUMMARY_CSV = [
  'Name,Email,Unique User ID,Days Logged In,Hours Viewed,Course Views,Course Completions',
  'Active One,active@example.com,u1,10,2:00:00,3,1',
  'Idle One,idle1@example.com,u2,0,0:00:00,0,0',
  'Idle Two,idle2@example.com,u3,0,0:00:00,0,0',
  'Nobody,nobody@example.com,u9,1,0:10:00,1,0',
].join('\n');

async function givenProHolders() {
  return givenLearners(e2e.running.db, [
    { email: 'active@example.com', name: 'Active One', licenseTypes: ['pro'] },
    { email: 'idle1@example.com', name: 'Idle One', licenseTypes: ['pro'] },
    { email: 'idle2@example.com', name: 'Idle Two', licenseTypes: ['pro'] },
  ]);
}

async function importUsageInDm() {
  const res = await shareInDm(ADMIN, e2e.slack.shareFile('learner-summary.csv', Buffer.from(SUMMARY_CSV)));
  expect(res.status).toBe(200);
  return e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && text(c).includes('Imported usage'));
}

async function click(
  actionId: string,
  value: string,
  options: { user?: string; channel?: string; message?: { ts: string; blocks?: unknown[] } } = {},
) {
  const responseUrl = e2e.slack.responseUrl();
  const res = await e2e.interact(
    blockActionsPayload({
      user_id: options.user ?? ADMIN,
      response_url: responseUrl,
      channel_id: options.channel ?? 'C0GENERAL',
      ...(options.message ? { message: options.message } : {}),
      actions: [{ action_id: actionId, block_id: 'any', value }],
    }),
  );
  expect(res.status).toBe(200);
  return responseUrl;
}

/** The value of the first button with `actionId` in a message's blocks. */
const buttonValue = (call: SlackCall, actionId: string): string => {
  const find = (node: unknown): string | undefined => {
    if (Array.isArray(node)) return node.map(find).find((v) => v !== undefined);
    if (!node || typeof node !== 'object') return undefined;
    const record = node as Record<string, unknown>;
    if (record.action_id === actionId && typeof record.value === 'string') return record.value;
    return Object.values(record)
      .map(find)
      .find((v) => v !== undefined);
  };
  const value = find(call.body.blocks);
  if (!value) throw new Error(`no ${actionId} button in ${text(call)}`);
  return value;
};

describe('usage, reclaim, undo and the report in Slack', () => {
  it('takes a usage report uploaded in the /license usage form, asks again for a missing file, and tells the admin in a DM', async () => {
    await boot();
    await givenProHolders();
    await e2e.command('usage');
    const opened = await e2e.slack.waitFor(
      'views.open',
      (c) => (c.body.view as { callback_id?: string }).callback_id === ids.usageModal.callback,
    );
    const upload = (opened.body.view as { blocks: { block_id?: string; element?: { type?: string; filetypes?: string[] } }[] }).blocks.find(
      (b) => b.block_id === ids.usageModal.fileBlock,
    );
    expect(upload?.element).toMatchObject({ type: 'file_input', filetypes: ['csv'] });
    const submit = (files: unknown[]) =>
      e2e.interact(
        viewSubmissionPayload({
          user_id: ADMIN,
          callback_id: ids.usageModal.callback,
          values: { [ids.usageModal.fileBlock]: { [ids.usageModal.fileInput]: { type: 'file_input', files } as never } },
        }),
      );

    const missing = await submit([]);
    expect(missing.json).toEqual({ response_action: 'errors', errors: { [ids.usageModal.fileBlock]: 'Add the usage report (CSV).' } });

    const done = await submit([{ ...e2e.slack.shareFile('learner-summary.csv', Buffer.from(SUMMARY_CSV)), filetype: 'csv' }]);
    expect(done.body).toBe('');
    const told = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && text(c).includes('Imported usage'));
    expect(text(told)).toContain('learner-summary.csv');
    const { Learner } = modelsFor(e2e.running.db.connection);
    expect((await Learner.findOne({ email: 'active@example.com' }).lean())?.usage?.hoursViewed).toBe(2);
  });

  it('imports a usage report shared in the bot’s DM, then /license reclaim shows the idle seats and Reclaim goes for approval', async () => {
    await boot({ BULK_APPROVAL_THRESHOLD: '1' });
    await givenProHolders();
    const told = await importUsageInDm();
    expect(text(told)).toContain('LinkedIn Learning Learner Summary');
    expect(e2e.slack.callsTo('file_download')).toHaveLength(1);
    const { Learner } = modelsFor(e2e.running.db.connection);
    expect((await Learner.findOne({ email: 'active@example.com' }).lean())?.usage?.hoursViewed).toBe(2);

    const cmd = await e2e.command('reclaim');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === cmd.responseUrl);
    expect(text(reply)).toContain('*Learning Pro*: 2 idle of 3 in use (2 never started) · 840 a year');
    const value = buttonValue(reply, ids.reclaim.start);

    await click(ids.reclaim.start, value);
    const approval = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === APPROVALS);
    expect(text(approval)).toContain('asks to change *2* learners');
  });

  it('asks first in DMs: Release frees the seat at once; another user’s click is refused', async () => {
    await boot({ RECLAIM_ASK_FIRST: 'on', NOTICES_PER_MINUTE: '6000' });
    await givenProHolders();
    e2e.slack.addUser({ id: 'UIDLE1', email: 'idle1@example.com' });
    await importUsageInDm();
    const cmd = await e2e.command('reclaim');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === cmd.responseUrl);
    await click(ids.reclaim.start, buttonValue(reply, ids.reclaim.start));

    const question = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === 'UIDLE1');
    expect(text(question)).toContain('Do you still need your Learning Pro license?');
    const value = buttonValue(question, ids.reclaim.release);

    const wrong = await click(ids.reclaim.release, value, { user: 'USOMEONE', channel: 'DUSOMEONE' });
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === wrong))).toContain('meant for someone else');
    const right = await click(ids.reclaim.release, value, { user: 'UIDLE1', channel: 'DUIDLE1' });
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === right))).toContain('was released');
    const { Learner, ReclaimRound } = modelsFor(e2e.running.db.connection);
    expect((await Learner.findOne({ email: 'idle1@example.com' }).lean())?.licenseTypes).toEqual([]);
    // idle2 has no Slack account: counted, not asked again, and shown on the reclaim list.
    await waitFor(async () => (await ReclaimRound.findOne({}).lean())?.noSlack === 1, 10_000, 'the no-Slack count');
    expect(e2e.slack.callsTo('users.lookupByEmail').map((c) => c.body.email)).toEqual(['idle1@example.com', 'idle2@example.com']);
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('UIDLE'))).toHaveLength(1);
    const list = await e2e.command('reclaim');
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === list.responseUrl))).toContain(
      '0 keep, 1 released, 1 without Slack',
    );
    await expectSeatInvariant(e2e.running.db);
  });

  it('offers Undo on a completed job’s notice; the undo runs once, and an undo cannot be undone', async () => {
    await boot();
    await givenLearners(e2e.running.db, [
      { email: 'a@example.com', name: 'A', licenseTypes: ['core'] },
      { email: 'b@example.com', name: 'B', licenseTypes: ['core'] },
      { email: 'c@example.com', name: 'C', licenseTypes: ['core'] },
    ]);
    const { request } = await submitBulkRequest(
      e2e.running.deps,
      { userId: ADMIN, source: 'slack', channelId: 'CSALES' },
      { selection: { licenseTypes: ['core'] }, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: 'wrong filter' },
    );
    await scheduleBulkJob(e2e.running.agenda, request.id);
    const notice = await e2e.slack.waitFor('chat.postMessage', (c) => text(c).includes('Bulk license change *completed*'));
    const value = buttonValue(notice, ids.undo.job);
    const ts = String((notice.response as { ts?: string }).ts);

    await click(ids.undo.job, value, { channel: String(notice.body.channel), message: { ts, blocks: notice.body.blocks as unknown[] } });
    const undone = await e2e.slack.waitFor('chat.postMessage', (c) => text(c).includes('undo of job'), 20_000);
    expect(text(undone)).toContain('*3* changed');
    expect(text(undone)).not.toContain(ids.undo.job);
    // The original notice lost its Undo button and says it was undone.
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts && text(c).includes('Undo requested by'));
    expect(text(updated)).not.toContain(ids.undo.job);
    const { Learner, BulkRequest } = modelsFor(e2e.running.db.connection);
    expect(await Learner.countDocuments({ licenseTypes: ['core'] })).toBe(3);

    const undo = await BulkRequest.findOne({ 'undo.of': request.id }).lean();
    const again = await e2e.command(`undo ${String(undo?._id)}`);
    expect(text(await e2e.slack.waitFor('response_url', (c) => c.url === again.responseUrl))).toContain('An undo cannot be undone');
    await expectSeatInvariant(e2e.running.db);
  });

  it('/license report uploads the chart as a PNG and the numbers as a CSV', async () => {
    await boot();
    await givenProHolders();
    await e2e.command('report', ADMIN, { channel: 'CREPORTS' });
    const done = await e2e.slack.waitFor('files.completeUploadExternal', undefined, 20_000);
    expect(done.body.channel_id).toBe('CREPORTS');
    const files = done.body.files as { id: string }[];
    const uploaded = files.map((f) => e2e.slack.uploadedFile(f.id));
    const png = uploaded.find((f) => f?.filename.endsWith('.png'));
    const csv = uploaded.find((f) => f?.filename.endsWith('.csv'));
    expect(png?.content.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(csv?.content.toString('utf8').split('\n')[0]).toBe('metric,date,subject,value');
    expect(String(done.body.initial_comment)).toMatch(/^Seat report, .*\nLearning Core: 0 in use · Learning Pro: 0 of 100 in use/);
  });
});
