import { type AddressInfo, createServer } from 'node:net';
import type { ViewOutput } from '@slack/bolt';
import { ids } from '../../src/slack/ids.js';
import { ADMIN, bootE2E, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import { type FakeSocketMode, type SocketAck, startFakeSocketMode } from '../support/fake-socket-mode.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import {
  blockActionsPayload,
  blockSuggestionPayload,
  sendSlashCommand,
  slashCommandPayload,
  stateValue,
  viewOutput,
  viewSubmissionPayload,
} from '../support/slack-requests.js';

/**
 * The real app with SLACK_APP_TOKEN set: it fetches a WebSocket URL from the fake Web API with the
 * app-level token, connects to the fake Socket Mode server, and receives every slash command and
 * interaction as an envelope it must acknowledge over the socket.
 */

const APP_TOKEN = 'xapp-1-A1-0123456789-socketmodetoken';
const BOT_TOKEN = 'xoxb-e2e-token';
const SLACK_ACK_DEADLINE_MS = 3000;

let socket: FakeSocketMode;
let e2e: E2E | undefined;
let port: number;
let ada: string;
let grace: string;

/** A port nobody listens on right now: Bolt's Socket Mode health server cannot report the port it got for PORT=0. */
async function freePort(): Promise<number> {
  const probe = createServer();
  // No host, like Bolt's server: free on every interface, not only on 127.0.0.1.
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

function app(): E2E {
  if (!e2e) throw new Error('the app was already stopped');
  return e2e;
}

beforeEach(async () => {
  socket = await startFakeSocketMode();
  port = await freePort();
  // Agenda's job watchdog sleeps lockLifetime/2 after a job ends and drain() does not cancel it, so
  // once the recurring sweep has run (the reconnect test outlives JOB_PROCESS_EVERY) a 45 s default
  // would keep Jest alive ~22 s after the last test.
  e2e = await bootE2E(
    { SLACK_APP_TOKEN: APP_TOKEN, PORT: String(port) },
    { lockLifetimeMs: 2_000 },
    { slack: { socketModeUrl: socket.url } },
  );
  const db = e2e.running.db;
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 5 },
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'coaching', name: 'Coaching', capacity: 0 },
  ]);
  [ada, grace] = (await givenLearners(db, [
    { email: 'ada.lovelace@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] },
    { email: 'grace.hopper@example.com', name: 'Grace Hopper', licenseTypes: ['core'] },
  ])) as [string, string];
});

afterEach(async () => {
  try {
    if (e2e) await e2e.stop();
    e2e = undefined;
    // The app hangs up on stop; waiting for it keeps its close handshake from outliving the test.
    await socket.waitForAllClosed();
  } finally {
    await socket.close();
  }
});

/** Sends `/license <text>` as a Socket Mode envelope; returns the ack and the response_url it carried. */
async function command(text: string, user = ADMIN): Promise<{ ack: SocketAck; responseUrl: string; triggerId: string }> {
  const responseUrl = app().slack.responseUrl();
  const payload = slashCommandPayload({ text, user_id: user, channel_id: 'C0GENERAL', response_url: responseUrl });
  const ack = await socket.slashCommand(payload);
  return { ack, responseUrl, triggerId: payload.trigger_id };
}

type OpenedView = {
  callback_id: string;
  private_metadata: string;
  blocks: { block_id?: string; element?: { initial_option?: { value: string } } }[];
};

/** Buttons of a message the app posted, by action_id. */
function buttonOf(blocks: unknown, actionId: string): { action_id: string; value: string } {
  const button = (blocks as { elements?: { action_id: string; value: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((el) => el.action_id === actionId);
  if (!button) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return button;
}

describe('Socket Mode', () => {
  it('connects with the app-level token and serves only /healthz and /metrics on PORT', async () => {
    const opens = app().slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.token).toBe(APP_TOKEN);
    expect(socket.connections).toHaveLength(1);
    expect(socket.connections[0]?.path).toMatch(/^\/link\/\?ticket=/);
    expect(app().running.port).toBe(port);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: 'connected' });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE license_bot_slack_ack_duration_seconds histogram');

    // Events arrive over the socket only: a signed HTTP request on the health port reaches no listener.
    const viaHttp = await sendSlashCommand(app().baseUrl, SIGNING_SECRET, {
      text: 'admins add <@UEVIL01|evil>',
      user_id: ADMIN,
      channel_id: 'C1',
    });
    expect(viaHttp.status).toBe(404);
    expect(await app().models.Admin.countDocuments({})).toBe(0);
  });

  it('acknowledges /license seats over the socket and posts the reply to the response_url', async () => {
    const { ack, responseUrl } = await command('seats', 'UANYONE');
    expect(ack.payload).toEqual({});
    // Acks over the socket are timed like HTTP ones.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^license_bot_slack_ack_duration_seconds_count\{kind="command"\} 1$/m);
    expect(ack.latencyMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const reply = await app().slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(reply.body.text).toContain('Learning Pro (pro) — capacity 5 · in use 0 · free 5');
    expect(reply.body.text).toContain('Learning Core (core) — capacity unlimited · in use 2 · free ∞');
  });

  it('opens the pre-filled modal for /license reassign <email> and answers the learner typeahead in the ack', async () => {
    const { ack, triggerId } = await command('reassign ada.lovelace@example.com');
    expect(ack.payload).toEqual({});
    const open = await app().slack.waitFor('views.open');
    expect(open.token).toBe(BOT_TOKEN);
    expect(open.body.trigger_id).toBe(triggerId);
    const view = open.body.view as OpenedView;
    expect(view.callback_id).toBe(ids.changeModal.callback);
    expect(view.blocks.find((b) => b.block_id === ids.changeModal.learnerBlock)?.element?.initial_option?.value).toBe(ada);

    const suggestion = await socket.interactive(
      blockSuggestionPayload({
        user_id: ADMIN,
        action_id: ids.changeModal.learnerSelect,
        block_id: ids.changeModal.learnerBlock,
        value: 'HOP',
        view: viewOutput({ callback_id: ids.changeModal.callback, private_metadata: view.private_metadata }),
      }),
    );
    expect(suggestion.payload).toEqual({
      options: [{ text: { type: 'plain_text', text: 'Grace Hopper · grace.hopper@example.com', emoji: true }, value: grace }],
    });
    expect(suggestion.latencyMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
  });

  it('applies a reassign end to end: submission, review DM, Confirm, one history row, and a redelivered Confirm changes nothing', async () => {
    await command('reassign ada.lovelace@example.com');
    const view = (await app().slack.waitFor('views.open')).body.view as OpenedView;

    const submission = await socket.interactive(
      viewSubmissionPayload({
        user_id: ADMIN,
        callback_id: ids.changeModal.callback,
        view: { private_metadata: view.private_metadata, blocks: view.blocks as ViewOutput['blocks'] },
        values: {
          [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(ada, 'Ada', 'external_select') },
          [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
          [ids.changeModal.reasonBlock]: { [ids.changeModal.reasonInput]: stateValue.text('Promotion') },
        },
      }),
    );
    // An empty ack closes the modal.
    expect(submission.payload).toEqual({});
    const review = await app().slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN);
    expect(review.body.text).toContain('Move Ada Lovelace (ada.lovelace@example.com) from Learning Core to Learning Pro.');
    expect((await app().models.Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);

    const confirm = buttonOf(review.body.blocks, ids.review.confirm);
    const responseUrl = app().slack.responseUrl();
    const click = blockActionsPayload({
      user_id: ADMIN,
      channel_id: 'DADMIN1',
      response_url: responseUrl,
      actions: [{ action_id: confirm.action_id, block_id: 'review_actions', value: confirm.value }],
    });
    const clickAck = await socket.interactive(click);
    expect(clickAck.payload).toEqual({});
    // The outcome replaces the review message in place.
    const outcome = await app().slack.waitFor('chat.update', (c) => c.body.ts === (review.response as { ts: string }).ts);
    expect(outcome.body.text).toContain('Moved Ada Lovelace');

    const learner = await app().models.Learner.findById(ada).lean();
    expect(learner?.licenseTypes).toEqual(['pro']);
    const history = await app().models.Assignment.find({ learnerId: ada }).lean();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ licenseType: 'pro', actor: ADMIN, source: 'slack', reason: 'Promotion', revokedAt: null });
    expect(await app().models.Audit.countDocuments({ action: 'reassign', outcome: 'applied', learnerId: ada })).toBe(1);
    await expectSeatInvariant(app().running.db);

    // Slack redelivers an envelope it thinks was not acknowledged, marked with retry_attempt.
    const again = app().slack.responseUrl();
    const retry = await socket.send({
      type: 'interactive',
      payload: { ...click, response_url: again },
      retry_attempt: 1,
      retry_reason: 'timeout',
    });
    expect(retry.payload).toEqual({});
    const second = await app().slack.waitFor('response_url', (c) => c.url === again);
    expect(second.body.text).toContain('was already applied');
    expect(await app().models.Assignment.countDocuments({ learnerId: ada })).toBe(1);
    expect((await app().models.Learner.findById(ada).lean())?.version).toBe(1);
    expect(app().logs.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });

  it('returns modal field errors in the payload of the view_submission ack and changes nothing', async () => {
    await command('reassign grace.hopper@example.com');
    const view = (await app().slack.waitFor('views.open')).body.view as OpenedView;
    const submission = await socket.interactive(
      viewSubmissionPayload({
        user_id: ADMIN,
        callback_id: ids.changeModal.callback,
        view: { private_metadata: view.private_metadata, blocks: view.blocks as ViewOutput['blocks'] },
        values: {
          [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(grace, 'Grace', 'external_select') },
          [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('coaching') },
        },
      }),
    );
    expect(submission.payload).toEqual({
      response_action: 'errors',
      errors: { [ids.changeModal.typeBlock]: 'No seats are left on that license type.' },
    });
    expect(app().slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect((await app().models.Learner.findById(grace).lean())?.licenseTypes).toEqual(['core']);
  });

  it('reconnects with a fresh URL when Slack asks it to refresh the connection', async () => {
    socket.requestReconnect('refresh_requested');
    // The client waits its reconnect delay (5 s by default) before asking for a new URL.
    await socket.waitForConnections(2, 15_000);
    expect(socket.connections[0]?.closedAt).toEqual(expect.any(Number));
    const opens = app().slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(2);
    expect(opens.every((call) => call.token === APP_TOKEN)).toBe(true);

    const { ack, responseUrl } = await command('seats', 'UANYONE');
    expect(ack.connectionId).toBe(2);
    expect((await app().slack.waitFor('response_url', (c) => c.url === responseUrl)).body.text).toContain('Learning Pro (pro)');
  }, 30_000);

  it('closes its socket and the health port when stopped', async () => {
    await app().stop();
    e2e = undefined;
    await socket.waitForAllClosed();
    expect(socket.connections.map((c) => c.closeCode)).toEqual([1000]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
