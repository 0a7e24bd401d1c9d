import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, isValidSlackRequest, LogLevel } from '@slack/bolt';
import { type WebAPIPlatformError, WebClient, WebClientEvent, LogLevel as WebLogLevel } from '@slack/web-api';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import {
  blockActionsPayload,
  sendInteraction,
  sendSlashCommand,
  signRequest,
  stateValue,
  viewSubmissionPayload,
} from '../support/slack-requests.js';

// Fast retries so the rate-limit test waits for Retry-After, not for the default backoff.
const quickRetries = { retries: 2, minTimeout: 10, maxTimeout: 50 };

describe('fake Slack Web API', () => {
  let slack: FakeSlack;
  let client: WebClient;

  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient('xoxb-fake-token', { slackApiUrl: slack.apiUrl, retryConfig: quickRetries, logLevel: WebLogLevel.ERROR });
  });
  afterEach(() => slack.reset());
  afterAll(() => slack.close());

  it('records a form-encoded chat.postMessage with its blocks parsed from JSON and answers like Slack', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Learning Pro* moved to Ana' } }];

    const first = await client.chat.postMessage({ channel: 'C123', text: 'License moved', blocks });
    const second = await client.chat.postMessage({ channel: 'U42', text: 'You have a license' });

    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.body).toEqual({ channel: 'C123', text: 'License moved', blocks });
    expect(call?.token).toBe('xoxb-fake-token');
    expect(first).toMatchObject({ ok: true, channel: 'C123', message: { text: 'License moved', blocks } });
    expect(second.channel).toMatch(/^D/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('answers one call with HTTP 429 and Retry-After, after which the WebClient retries and succeeds', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const retryAfters: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (retrySec: number) => retryAfters.push(retrySec));
    const started = Date.now();

    const result = await client.chat.postMessage({ channel: 'C123', text: 'after the limit' });

    client.removeAllListeners(WebClientEvent.RATE_LIMITED);
    expect(result.ok).toBe(true);
    expect(retryAfters).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(slack.callsTo('chat.postMessage').map((call) => [call.status, call.ok])).toEqual([
      [429, false],
      [200, true],
    ]);
  });

  it('answers a method with ok: false and the given error when told to', async () => {
    slack.failNext('users.info', { error: 'user_not_found' });

    const failure = await client.users.info({ user: 'U404' }).catch((error: WebAPIPlatformError) => error);
    const success = await client.users.info({ user: 'U404' });

    expect(failure).toMatchObject({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'user_not_found' } });
    expect(success.user).toMatchObject({ id: 'U404', profile: { email: 'u404@example.test' } });
  });

  it('returns the user registered with addUser from users.info and users.lookupByEmail', async () => {
    slack.addUser({ id: 'U7', name: 'ana', realName: 'Ana Lima', email: 'ana@example.test' });

    const byId = await client.users.info({ user: 'U7' });
    const byEmail = await client.users.lookupByEmail({ email: 'ANA@example.test' });

    expect(byId.user).toMatchObject({ id: 'U7', name: 'ana', real_name: 'Ana Lima', profile: { email: 'ana@example.test' } });
    expect(byEmail.user?.id).toBe('U7');
  });

  it('answers 429 with Retry-After beyond a rate limit set with limitRate, counting only the calls it accepted', async () => {
    const strict = new WebClient('xoxb-fake-token', {
      slackApiUrl: slack.apiUrl,
      rejectRateLimitedCalls: true,
      logLevel: WebLogLevel.ERROR,
    });
    slack.limitRate('chat.postMessage', { max: 2, windowMs: 60_000, retryAfterSec: 7 });

    await strict.chat.postMessage({ channel: 'C1', text: 'one' });
    await strict.chat.postMessage({ channel: 'C1', text: 'two' });
    const third = await strict.chat
      .postMessage({ channel: 'C1', text: 'three' })
      .catch((error: { code: string; retryAfter: number }) => error);
    slack.succeed('chat.postMessage');
    await strict.chat.postMessage({ channel: 'C1', text: 'four' });

    expect(third).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    expect(slack.callsTo('chat.postMessage').map((call) => call.status)).toEqual([200, 200, 429, 200]);
  });

  it('answers conversations.history with the posted messages of a DM, newest first, metadata only when asked', async () => {
    const metadata = { event_type: 'license_bot_notice', event_payload: { key: 'k1' } };
    const first = await client.chat.postMessage({ channel: 'U9', text: 'first', metadata });
    await client.chat.postMessage({ channel: 'U8', text: 'to someone else' });
    const second = await client.chat.postMessage({ channel: 'U9', text: 'second' });
    const dm = await client.conversations.open({ users: 'U9' });

    const all = await client.conversations.history({ channel: dm.channel?.id ?? '', include_all_metadata: true });
    const later = await client.conversations.history({ channel: dm.channel?.id ?? '', oldest: first.ts ?? '' });

    expect(all.messages?.map((m) => [m.text, m.metadata])).toEqual([
      ['second', undefined],
      ['first', metadata],
    ]);
    expect(later.messages?.map((m) => m.ts)).toEqual([second.ts]);
    expect(slack.messagesIn('U9').map((m) => m.text)).toEqual(['first', 'second']);
  });

  it('completes a workflow step only with the execution id of its event', async () => {
    const done = await client.functions.completeSuccess({ function_execution_id: 'Fx1', outputs: { status: 'applied' } });
    const missing = await client.functions
      .completeError({ function_execution_id: '', error: 'no' })
      .catch((error: WebAPIPlatformError) => error.data.error);

    expect(done.ok).toBe(true);
    expect(missing).toBe('invalid_arguments');
    expect(slack.callsTo('functions.completeSuccess')[0]?.body).toEqual({ function_execution_id: 'Fx1', outputs: { status: 'applied' } });
  });

  it('opens and updates a modal, answering with the view sent plus an id and a hash', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'reassign_modal',
      private_metadata: '{"x":1}',
      title: { type: 'plain_text' as const, text: 'Reassign' },
      blocks: [],
    };

    const opened = await client.views.open({ trigger_id: '1.2.abc', view });
    const updated = await client.views.update({ view_id: opened.view?.id ?? '', view: { ...view, private_metadata: '{"x":2}' } });

    expect(slack.callsTo('views.open')[0]?.body.view).toEqual(view);
    expect(opened.view).toMatchObject({ callback_id: 'reassign_modal', private_metadata: '{"x":1}' });
    expect(updated.view?.id).toBe(opened.view?.id);
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
  });

  it('accepts a file upload through files.uploadV2 and keeps the bytes', async () => {
    const csv = 'email,license\nana@example.test,Learning Pro\n';

    await client.files.uploadV2({ channel_id: 'D7', filename: 'licenses.csv', content: csv, title: 'Export' });

    const completed = await slack.waitFor('files.completeUploadExternal');
    const [file] = completed.body.files as { id: string }[];
    expect(completed.body.channel_id).toBe('D7');
    expect(slack.uploadedFile(file?.id ?? '')).toMatchObject({ filename: 'licenses.csv' });
    expect(slack.uploadedFile(file?.id ?? '')?.content.toString('utf8')).toBe(csv);
    expect(slack.callsTo('file_upload')).toHaveLength(1);
  });

  it('records posts to a response_url with the URL and the JSON body', async () => {
    const url = slack.responseUrl('cmd-1');

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'Done', replace_original: false }),
    });

    expect(response.status).toBe(200);
    const call = await slack.waitFor('response_url', (c) => c.url === url);
    expect(call.body).toEqual({ response_type: 'ephemeral', text: 'Done', replace_original: false });
  });

  it('resolves waitFor on a call that arrives later and rejects with the calls seen when none matches', async () => {
    const waiting = slack.waitFor('chat.update', (call) => call.body.ts === '123.000001', 2000);
    await client.chat.postMessage({ channel: 'C1', text: 'unrelated' });
    await client.chat.update({ channel: 'C1', ts: '123.000001', text: 'edited' });

    await expect(waiting).resolves.toMatchObject({ body: { ts: '123.000001', text: 'edited' } });
    await expect(slack.waitFor('chat.delete', undefined, 50)).rejects.toThrow(/no matching chat\.delete call[\s\S]*chat\.postMessage/);
  });
});

describe('signed Slack requests against a real Bolt app', () => {
  const secret = 'test-signing-secret';
  let slack: FakeSlack;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    slack = await startFakeSlack();
    const receiver = new HTTPReceiver({ signingSecret: secret, logLevel: LogLevel.ERROR });
    const app = new App({
      token: 'xoxb-fake-token',
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: quickRetries },
    });
    app.command('/license', async ({ ack, command, respond, client }) => {
      await ack();
      await client.chat.postMessage({ channel: command.channel_id, text: `echo: ${command.text}` });
      await respond({ text: 'done' });
    });
    app.view('test_modal', async ({ ack, view }) => {
      const value = view.state.values.note_block?.note_input?.value;
      await ack(value ? undefined : { response_action: 'errors', errors: { note_block: 'Required' } });
    });
    app.action('test_button', async ({ ack, respond, body }) => {
      await ack();
      if (body.type === 'block_actions') await respond({ text: `clicked ${body.actions[0]?.action_id ?? ''}` });
    });
    server = createServer(receiver.requestListener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await slack.close();
  });

  it('signs a body the way Bolt verifies it', () => {
    const body = 'payload=%7B%7D';
    const headers = signRequest(body, secret);

    const valid = {
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    };
    expect(isValidSlackRequest({ signingSecret: secret, body, headers: valid })).toBe(true);
    expect(isValidSlackRequest({ signingSecret: 'other-secret', body, headers: valid })).toBe(false);
  });

  it('delivers a slash command that Bolt accepts and whose replies reach the fake Slack', async () => {
    const responseUrl = slack.responseUrl();

    const result = await sendSlashCommand(baseUrl, secret, {
      text: 'show ana',
      user_id: 'U1',
      channel_id: 'C9',
      response_url: responseUrl,
    });

    expect(result.status).toBe(200);
    await expect(slack.waitFor('chat.postMessage')).resolves.toMatchObject({ body: { channel: 'C9', text: 'echo: show ana' } });
    await expect(slack.waitFor('response_url', (call) => call.url === responseUrl)).resolves.toMatchObject({ body: { text: 'done' } });
  });

  it('gets a view_submission validation answer back as JSON', async () => {
    const payload = viewSubmissionPayload({
      user_id: 'U1',
      callback_id: 'test_modal',
      values: { note_block: { note_input: stateValue.text(null) } },
    });

    const result = await sendInteraction(baseUrl, secret, payload);

    expect(result.status).toBe(200);
    expect(result.json).toEqual({ response_action: 'errors', errors: { note_block: 'Required' } });
  });

  it('delivers a block_actions button press with its response_url', async () => {
    const responseUrl = slack.responseUrl();
    const payload = blockActionsPayload({
      user_id: 'U1',
      response_url: responseUrl,
      actions: [{ action_id: 'test_button', block_id: 'test_block', value: '{"id":"r1"}' }],
      message: { ts: '1700000000.000100', text: 'Approve?' },
    });

    const result = await sendInteraction(baseUrl, secret, payload, {
      headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });

    expect(result.status).toBe(200);
    await expect(slack.waitFor('response_url', (call) => call.url === responseUrl)).resolves.toMatchObject({
      body: { text: 'clicked test_button' },
    });
  });

  it('is refused by Bolt when the signature is forged or the timestamp is six minutes old', async () => {
    const command = { text: 'help', user_id: 'U1', channel_id: 'C9' };

    const forged = await sendSlashCommand(baseUrl, secret, command, { signature: 'v0=forged' });
    const stale = await sendSlashCommand(baseUrl, secret, command, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });

    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
  });
});
