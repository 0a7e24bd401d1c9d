import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { connectDatabase } from '../../src/db/index.js';
import { modelsFor } from '../../src/db/models/index.js';
import { ids } from '../../src/slack/ids.js';
import { withRepositories } from '../support/database.js';
import { ADMIN, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import { type FakeSlack, type SlackCall, startFakeSlack } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { bulkInSlack, buttonsOf } from '../support/slack-flows.js';
import { blockActionsPayload, blockSuggestionPayload, sendInteraction, sendSlashCommand, viewOutput } from '../support/slack-requests.js';

/**
 * Two real bot processes (the whole app each: HTTP, Agenda, sweeps) on one database and one
 * (fake) Slack, as two replicas behind a load balancer: the Slack traffic of one bulk change is
 * spread over both.
 */
const LEAD = 'ULEAD1';
const CHANNEL = 'CSALES';
const LEARNERS = 2_000;

interface Replica {
  name: string;
  baseUrl: string;
  process: ChildProcess;
  logs: Record<string, unknown>[];
  /** What the Slack flows of test/support need to drive this process. */
  client: Pick<E2E, 'command' | 'interact' | 'slack'>;
}

let slack: FakeSlack;
let db: Awaited<ReturnType<typeof withRepositories>>;
let dbName: string;
const replicas: Replica[] = [];

async function startReplica(name: string): Promise<Replica> {
  const logs: Record<string, unknown>[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/bot-process.ts')], {
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: 'xoxb-replicas-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LICENSE_ADMINS: ADMIN,
      LICENSE_APPROVERS: LEAD,
      BULK_APPROVAL_THRESHOLD: '25',
      JOB_PROCESS_EVERY: '200 milliseconds',
      LOG_LEVEL: 'debug',
      BOT_DB_NAME: dbName,
      BOT_BATCH_SIZE: '20',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const deadline = Date.now() + 60_000;
  let started: Record<string, unknown> | undefined;
  while (!started) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bot ${name} did not start`);
    started = logs.find((line) => line.msg === 'slack app started');
    if (!started) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const baseUrl = `http://127.0.0.1:${String(started.port)}`;
  return {
    name,
    baseUrl,
    process: child,
    logs,
    client: {
      slack,
      async command(text, user = ADMIN, options = {}) {
        const responseUrl = slack.responseUrl();
        const res = await sendSlashCommand(
          baseUrl,
          SIGNING_SECRET,
          { text, user_id: user, channel_id: options.channel ?? CHANNEL, response_url: responseUrl },
          options,
        );
        return { status: res.status, responseUrl };
      },
      interact: (payload, options) => sendInteraction(baseUrl, SIGNING_SECRET, payload, options),
    },
  };
}

beforeAll(async () => {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup should have set it');
  dbName = `replicas_${randomBytes(5).toString('hex')}`;
  db = await withRepositories(await connectDatabase({ uri, dbName }));
  slack = await startFakeSlack();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: LEARNERS },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
  await givenLearners(
    db,
    Array.from({ length: LEARNERS }, (_, i) => ({
      email: `learner${i}@example.com`,
      name: `Learner Number${i}`,
      groups: ['Sales'],
      licenseTypes: ['core'],
    })),
  );
  replicas.push(...(await Promise.all([startReplica('A'), startReplica('B')])));
}, 120_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(
      (replica) =>
        new Promise<void>((resolve) => {
          if (replica.process.exitCode !== null) return resolve();
          replica.process.once('exit', () => resolve());
          replica.process.kill('SIGTERM');
        }),
    ),
  );
  await db?.connection.dropDatabase().catch(() => undefined);
  await db?.close();
  await slack?.close();
});

const textOf = (call: SlackCall) => String(call.body.text);

it('runs one job, posts one notice, honours a Cancel sent to the other replica and changes no learner twice', async () => {
  const [a, b] = replicas as [Replica, Replica];

  // The typeahead answers the same from both replicas.
  const suggest = async (replica: Replica) =>
    (
      (
        await replica.client.interact(
          blockSuggestionPayload({
            user_id: ADMIN,
            action_id: ids.changeModal.learnerSelect,
            block_id: ids.changeModal.learnerBlock,
            value: 'learner number19',
            view: viewOutput({ callback_id: ids.changeModal.callback }),
          }),
        )
      ).json as { options: { value: string }[] }
    ).options.map((option) => option.value);
  const [fromA, fromB] = await Promise.all([suggest(a), suggest(b)]);
  expect(fromA.length).toBeGreaterThan(0);
  expect(fromB).toEqual(fromA);

  // The bulk change is asked for on A; it waits for a lead.
  await bulkInSlack(a.client, {
    groups: ['Sales'],
    types: ['core'],
    action: 'reassign',
    target: 'pro',
    channel: CHANNEL,
    reason: 'replicas',
  });
  const approval = await slack.waitFor('chat.postMessage', (call) => textOf(call).includes('waiting for approval'));
  const approve = buttonsOf(approval).find((button) => button.action_id === ids.bulkRequest.approve);
  if (!approve?.value) throw new Error('the approval message has no Approve button');
  const { requestId } = JSON.parse(approve.value) as { requestId: string };

  // Approve goes to A, twice at once as a double click (and once to B as a Slack retry would).
  const click = (replica: Replica) =>
    replica.client.interact(
      blockActionsPayload({
        user_id: LEAD,
        channel_id: CHANNEL,
        response_url: slack.responseUrl(),
        message: { ts: (approval.response as { ts: string }).ts },
        actions: [{ action_id: approve.action_id, block_id: 'bulk_request_actions', value: approve.value }],
      }),
    );
  const clicks = await Promise.all([click(a), click(a), click(b)]);
  expect(clicks.map((res) => res.status)).toEqual([200, 200, 200]);

  // Cancel, from the requester, goes to B once the job has begun.
  const progress = await slack.waitFor(
    'chat.postMessage',
    (call) => call.body.channel === CHANNEL && textOf(call).startsWith('Bulk license change: 0 of'),
  );
  const cancel = buttonsOf(progress).find((button) => button.action_id === ids.bulkRequest.cancelJob);
  if (!cancel?.value) throw new Error('the progress message has no Cancel button');
  await slack.waitFor(
    'chat.update',
    (call) => call.body.ts === (progress.response as { ts: string }).ts && /^Bulk license change: [1-9]/.test(textOf(call)),
  );
  const cancelled = await b.client.interact(
    blockActionsPayload({
      user_id: ADMIN,
      channel_id: CHANNEL,
      response_url: slack.responseUrl(),
      message: { ts: (progress.response as { ts: string }).ts },
      actions: [{ action_id: cancel.action_id, block_id: ids.bulkRequest.jobActionsBlock, value: cancel.value }],
    }),
  );
  expect(cancelled.status).toBe(200);

  const notice = await slack.waitFor(
    'chat.postMessage',
    (call) => call.body.channel === CHANNEL && textOf(call).startsWith('Bulk license change cancelled'),
    60_000,
  );
  // Both replicas sweep for unposted notices and stalled jobs; give them time to (wrongly) post again.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const { Learner, Assignment, Audit, BulkRequest } = modelsFor(db.connection);
  const request = await BulkRequest.findById(requestId).lean();
  expect(request?.status).toBe('cancelled');
  const done = request?.progress.done ?? 0;
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(LEARNERS);
  expect(notice.body.text).toBe(`Bulk license change cancelled: ${done} changed, 0 skipped, 0 failed`);
  // One progress message (Approve clicked three times on two replicas) and one notice.
  expect(slack.callsTo('chat.postMessage').filter((call) => /^Bulk license change: \d/.test(textOf(call)))).toHaveLength(1);
  expect(
    slack.callsTo('chat.postMessage').filter((call) => /^Bulk license change (completed|cancelled|failed)/.test(textOf(call))),
  ).toHaveLength(1);

  // One job for the request, whichever replica ran it.
  const jobs = await db.connection.db
    ?.collection('agendaJobs')
    .find({ name: 'licenses.bulkReassign', 'data.requestId': requestId })
    .toArray();
  expect(jobs).toHaveLength(1);

  // No learner changed twice: each moved learner has one new history row, one audit event and one version bump.
  const moved = await Learner.find({ licenseTypes: 'pro' }, { _id: 1, version: 1 }).lean();
  expect(moved).toHaveLength(done);
  expect(moved.every((learner) => learner.version === 1)).toBe(true);
  expect(await Learner.countDocuments({ licenseTypes: ['core'], version: 0 })).toBe(LEARNERS - done);
  const rows = await Assignment.find({ licenseType: 'pro' }, { learnerId: 1 }).lean();
  expect(rows).toHaveLength(done);
  expect(new Set(rows.map((row) => row.learnerId)).size).toBe(done);
  const events = await Audit.find({ source: `bulk:${requestId}`, outcome: 'applied' }, { learnerId: 1 }).lean();
  expect(events).toHaveLength(done);
  expect(new Set(events.map((event) => event.learnerId)).size).toBe(done);
  await expectSeatInvariant(db);

  // The traffic really was spread: each replica handled clicks of this change.
  for (const replica of [a, b])
    expect(replica.logs.some((line) => line.msg === 'slack request handled' && line.kind === 'action')).toBe(true);
}, 120_000);
