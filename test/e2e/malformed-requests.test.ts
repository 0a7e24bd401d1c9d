import { ADMIN, bootE2E, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import { sendSignedRequest } from '../support/slack-requests.js';

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E();
});
afterEach(async () => {
  await e2e.stop();
});

const form = 'application/x-www-form-urlencoded';
const send = (body: string, contentType = form, options: Parameters<typeof sendSignedRequest>[4] = {}) =>
  sendSignedRequest(e2e.baseUrl, SIGNING_SECRET, body, contentType, options);

/** The bot still answers a real command, so it is alive and not wedged. */
async function expectStillServing(): Promise<void> {
  const { status, responseUrl } = await e2e.command('help');
  expect(status).toBe(200);
  await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
}

describe('malformed bodies', () => {
  it.each([
    ['payload=null', 'payload=null', form],
    ['a JSON body of null', 'null', 'application/json'],
    ['payload=[]', 'payload=%5B%5D', form],
    ['payload="text"', 'payload=%22text%22', form],
    ['payload=42', 'payload=42', form],
    ['payload={} without a type', 'payload=%7B%7D', form],
    ['payload that is not JSON', 'payload=%7Bnope', form],
    ['a JSON array', '[1,2]', 'application/json'],
    ['a form that is neither a command nor an interaction', 'hello=world', form],
  ])('answers a signed %s with 400, does nothing and keeps serving', async (_name, body, contentType) => {
    const res = await send(body, contentType);
    expect(res.status).toBe(400);
    expect(e2e.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
    await expectStillServing();
  });

  it('answers an unsigned payload=null with 401, like any request without a valid signature', async () => {
    const res = await send('payload=null', form, { signature: 'v0=0000' });
    expect(res.status).toBe(401);
    await expectStillServing();
  });
});

describe('request timestamps', () => {
  it('refuses a signed request from more than five minutes in the future like a stale one', async () => {
    const future = await e2e.command('admins add <@UEVIL01|evil>', ADMIN, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    const stale = await e2e.command('admins add <@UEVIL01|evil>', ADMIN, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(await e2e.models.Admin.countDocuments({})).toBe(0);
    expect(e2e.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  it('accepts a request a few seconds ahead, as clocks differ a little', async () => {
    const ahead = await e2e.command('help', ADMIN, { timestamp: Math.floor(Date.now() / 1000) + 30 });
    expect(ahead.status).toBe(200);
  });
});
