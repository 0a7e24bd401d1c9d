import { ids } from '../../src/slack/ids.js';
import { ADMIN, bootE2E, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import { givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { bulkInSlack } from '../support/slack-flows.js';
import { blockSuggestionPayload, viewOutput } from '../support/slack-requests.js';

let e2e: E2E | undefined;

afterEach(async () => {
  await e2e?.stop();
  e2e = undefined;
});

/** Boots the app with a few learners: three in Small (a bulk change applies at once), four in Large (it waits for a lead). */
async function boot(env: Record<string, string> = {}): Promise<{ app: E2E; learners: string[] }> {
  const app = await bootE2E({ BULK_APPROVAL_THRESHOLD: '3', ...env });
  e2e = app;
  await givenLicenseTypes(app.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 100 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
  const people = [
    ...['ada.lovelace', 'alan.turing', 'edsger.dijkstra'].map((handle) => ({ handle, group: 'Small' })),
    ...['grace.hopper', 'barbara.liskov', 'donald.knuth', 'frances.allen'].map((handle) => ({ handle, group: 'Large' })),
  ];
  const learners = await givenLearners(
    app.running.db,
    people.map(({ handle, group }) => ({
      email: `${handle}@example.com`,
      name: handle
        .split('.')
        .map((part) => part[0]?.toUpperCase() + part.slice(1))
        .join(' '),
      groups: [group],
      licenseTypes: ['core'],
    })),
  );
  return { app, learners };
}

/** The value of one sample line of the exposition, e.g. `name{label="x"}`; undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests, acks, Slack calls and 429s, jobs, learners and pending approvals, and carries no learner data', async () => {
    const { app, learners } = await boot();
    await app.command('seats');
    app.slack.failNext('views.open', { status: 429, retryAfterSec: 1 });
    await app.command('reassign ada');
    await app.slack.waitFor('views.open', (call) => call.ok, 10_000);
    const options = await app.interact(
      blockSuggestionPayload({
        user_id: ADMIN,
        action_id: ids.changeModal.learnerSelect,
        block_id: ids.changeModal.learnerBlock,
        value: 'gra',
        view: viewOutput({ callback_id: ids.changeModal.callback }),
      }),
    );
    expect(JSON.stringify(options.json)).toContain('Grace Hopper');
    // Three learners: applied at once by a job; four: waiting for a lead.
    await bulkInSlack(app, { groups: ['Small'], types: ['core'], action: 'reassign', target: 'pro', channel: 'CSMALL' });
    await app.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);
    await bulkInSlack(app, { groups: ['Large'], types: ['core'], action: 'reassign', target: 'pro', channel: 'CLARGE' });
    await app.slack.waitFor('chat.postMessage', (c) => String(c.body.text).includes('waiting for approval'));

    const res = await fetch(`${app.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();

    expect(sample(body, 'license_bot_slack_ack_duration_seconds_count{kind="command"}')).toBeGreaterThanOrEqual(4);
    expect(sample(body, 'license_bot_slack_ack_duration_seconds_count{kind="options"}')).toBe(1);
    expect(sample(body, 'license_bot_slack_ack_duration_seconds_count{kind="view"}')).toBeGreaterThanOrEqual(4);
    expect(sample(body, 'license_bot_slack_request_duration_seconds_count{kind="options",outcome="ok"}')).toBe(1);
    expect(sample(body, 'license_bot_slack_api_calls_total{method="views.open",status="429"}')).toBe(1);
    expect(sample(body, 'license_bot_slack_api_calls_total{method="views.open",status="2xx"}')).toBeGreaterThanOrEqual(3);
    expect(sample(body, 'license_bot_slack_api_rate_limited_total{method="views.open"}')).toBe(1);
    expect(sample(body, 'license_bot_slack_api_calls_total{method="chat.postMessage",status="2xx"}')).toBeGreaterThanOrEqual(2);
    expect(sample(body, 'license_bot_job_duration_seconds_count{job="licenses.bulkReassign",outcome="succeeded"}')).toBe(1);
    expect(sample(body, 'license_bot_bulk_learners_total{outcome="done"}')).toBe(3);
    expect(sample(body, 'license_bot_approvals_pending')).toBe(1);
    expect(sample(body, 'license_bot_approvals_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(body).toContain('# TYPE license_bot_database_errors_total counter');
    expect(body).toContain('license_bot_process_cpu_seconds_total');
    // No outbox without sync.
    expect(body).not.toContain('license_bot_sync_outbox');
    // Kinds, methods, job names and outcomes only: nobody's id, email, name, channel or text.
    for (const secret of [...learners, 'example.com', 'Ada', 'Grace', 'Hopper', ADMIN, 'CSMALL', 'CLARGE', 'xoxb-', SIGNING_SECRET])
      expect(body).not.toContain(secret);
  });

  it('shows the sync outbox when sync is on', async () => {
    const { app } = await boot({
      SYNC_TARGET: 'webhook',
      SYNC_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      SYNC_WEBHOOK_SECRET: 'a-webhook-secret-of-16+',
    });
    const body = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(sample(body, 'license_bot_sync_outbox_pending')).toBe(0);
    expect(sample(body, 'license_bot_sync_outbox_oldest_pending_age_seconds')).toBe(0);
  });

  it('is not served with METRICS=off, while /healthz still is', async () => {
    const { app } = await boot({ METRICS: 'off' });
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('logs', () => {
  it('are JSON lines, Bolt’s own included, with the request id on each line of a request and the job id on a job’s', async () => {
    const { app } = await boot({ LOG_LEVEL: 'debug' });
    await app.command('reassign ada');
    await app.slack.waitFor('views.open');
    await bulkInSlack(app, { groups: ['Small'], types: ['core'], action: 'reassign', target: 'pro', channel: 'CSMALL' });
    await app.slack.waitFor('chat.postMessage', (c) => String(c.body.text).startsWith('Bulk license change completed'), 20_000);

    for (const line of app.logs)
      expect(line).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) }));
    const handled = app.logs.filter((line) => line.msg === 'slack request handled');
    const command = handled.find((line) => line.kind === 'command');
    expect(command).toEqual(expect.objectContaining({ requestId: expect.stringMatching(/^[0-9a-f]{12}$/), outcome: 'ok' }));
    expect(new Set(handled.map((line) => line.requestId)).size).toBe(handled.length);
    // Bolt's and the Web API client's lines are JSON too, and those written while the command was handled carry its id.
    const bolt = app.logs.filter((line) => line.component === 'bolt');
    expect(bolt.length).toBeGreaterThan(0);
    expect(bolt.some((line) => line.requestId === command?.requestId && String(line.msg).includes('views.open'))).toBe(true);
    const finished = app.logs.find((line) => line.msg === 'bulk job finished');
    expect(finished).toEqual(
      expect.objectContaining({
        job: 'licenses.bulkReassign',
        jobId: expect.stringMatching(/^[0-9a-f]{24}$/),
        status: 'completed',
        done: 3,
      }),
    );
  });

  it('never carry the bot token or the signing secret, even at debug level', async () => {
    const { app } = await boot({ LOG_LEVEL: 'debug' });
    await app.command('reassign ada');
    await app.slack.waitFor('views.open');
    const text = JSON.stringify(app.logs);
    expect(app.logs.length).toBeGreaterThan(5);
    expect(text).not.toContain('xoxb-e2e-token');
    expect(text).not.toContain(SIGNING_SECRET);
  });
});
