import { modelsFor } from '../../src/db/models/index.js';
import { ids, licenseRequestActionsBlockId, releaseBlockId } from '../../src/slack/ids.js';
import type { KnownBlock } from '../../src/slack/views/blocks.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { buttonsOf } from '../support/slack-flows.js';
import { appHomeOpenedEvent, blockActionsPayload, stateValue, viewOutput, viewSubmissionPayload } from '../support/slack-requests.js';

const LEARNER = 'ULEARN1';
const LEAD = 'ULEAD1';
const REQUESTS = 'CREQUESTS';
const r = ids.requestModal;

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E(
    { LICENSE_APPROVERS: LEAD, REQUESTS_CHANNEL_ID: REQUESTS, JOB_PROCESS_EVERY: '100 milliseconds' },
    { homeWindowMs: 300, noticeEvery: '200 milliseconds' },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'coach', name: 'Coaching', capacity: 5 },
    { key: 'solo', name: 'Solo Mentoring', capacity: 1 },
  ]);
  await givenLearners(e2e.running.db, [
    { email: 'ana@example.com', name: 'Ana Lima', licenseTypes: ['pro'] },
    { email: 'bo@example.com', name: 'Bo Park', licenseTypes: ['solo'] },
  ]);
  e2e.slack.addUser({ id: LEARNER, email: 'ana@example.com' });
});
afterEach(async () => {
  await e2e.stop();
});

/** The learner's Home as last published. */
function homeOf(user: string): { blocks: KnownBlock[] } {
  const last = e2e.slack
    .callsTo('views.publish')
    .filter((c) => c.body.user_id === user)
    .at(-1);
  if (!last) throw new Error(`no Home was published for ${user}`);
  return last.body.view as { blocks: KnownBlock[] };
}

/** A click on one of the learner's Home buttons, as Slack sends it from a Home view (no response_url). */
function clickOnHome(user: string, action: { action_id: string; block_id: string; value?: string }) {
  return e2e.interact(
    blockActionsPayload({ user_id: user, actions: [action], view: viewOutput({ type: 'home', blocks: homeOf(user).blocks }) }),
  );
}

/** Home → Request a license → the form → Send; returns the request message posted for the admins. */
async function requestLicense(type: string, reason: string): Promise<SlackCall> {
  await e2e.event(appHomeOpenedEvent(LEARNER));
  await e2e.slack.waitFor('views.publish', (c) => c.body.user_id === LEARNER);
  const opened = e2e.slack.callsTo('views.open').length;
  await clickOnHome(LEARNER, { action_id: ids.home.requestLicense, block_id: ids.home.learnerActionsBlock });
  const modal = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > opened);
  const view = modal.body.view as { callback_id: string; blocks: { block_id?: string; element?: { options?: { value: string }[] } }[] };
  expect(view.callback_id).toBe(r.callback);
  expect(view.blocks.find((b) => b.block_id === r.typeBlock)?.element?.options?.map((o) => o.value)).toEqual(['coach', 'solo']);
  const posted = e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === REQUESTS).length;
  const ack = await e2e.interact(
    viewSubmissionPayload({
      user_id: LEARNER,
      callback_id: r.callback,
      values: { [r.typeBlock]: { [r.typeSelect]: stateValue.option(type) }, [r.reasonBlock]: { [r.reasonInput]: stateValue.text(reason) } },
    }),
  );
  expect(ack.body).toBe('');
  return e2e.slack.waitFor(
    'chat.postMessage',
    (c) =>
      c.body.channel === REQUESTS &&
      e2e.slack
        .callsTo('chat.postMessage')
        .filter((x) => x.body.channel === REQUESTS)
        .indexOf(c) >= posted,
  );
}

/** An admin's click on the request message in the requests channel; returns its ephemeral answers' URL. */
async function decide(message: SlackCall, actionId: string, user = ADMIN) {
  const button = buttonsOf(message).find((b) => b.action_id === actionId);
  if (!button?.value || !button.block_id) throw new Error(`the request message has no ${actionId}`);
  const responseUrl = e2e.slack.responseUrl();
  await e2e.interact(
    blockActionsPayload({
      user_id: user,
      channel_id: REQUESTS,
      response_url: responseUrl,
      message: { ts: (message.response as { ts: string }).ts },
      actions: [{ action_id: actionId, block_id: button.block_id, value: button.value }],
    }),
  );
  return responseUrl;
}

const licensesOf = async (email: string) => (await e2e.models.Learner.findOne({ email }).lean())?.licenseTypes;
const dmTo = (user: string, text: string) =>
  e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === user && String(c.body.text).includes(text), 10_000);

describe('self-service license requests', () => {
  it('goes from Request a license to an admin’s Approve: applied once, seats counted, the decision in the thread, the learner told', async () => {
    const message = await requestLicense('coach', 'team coaching pilot');
    expect(message.body.text).toBe('License request from ana@example.com for Coaching: pending');
    const request = await modelsFor(e2e.running.db.connection).LicenseRequest.findOne().lean();
    expect(buttonsOf(message).map((b) => [b.action_id, b.block_id])).toEqual([
      [ids.licenseRequest.approve, licenseRequestActionsBlockId(String(request?._id))],
      [ids.licenseRequest.deny, licenseRequestActionsBlockId(String(request?._id))],
    ]);

    await decide(message, ids.licenseRequest.approve);

    const ts = (message.response as { ts: string }).ts;
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts);
    expect(updated.body.text).toBe('License request from ana@example.com for Coaching: approved');
    expect(buttonsOf(updated)).toHaveLength(0);
    const thread = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === ts);
    expect(String(thread.body.text)).toMatch(new RegExp(`^Approved by ${ADMIN} \\d{4}-\\d\\d-\\d\\dT`));
    const dm = await dmTo(LEARNER, 'was approved');
    expect(dm.body.text).toBe('Your request for Coaching was approved.');
    expect(JSON.stringify(dm.body.blocks)).toContain(`approved by <@${ADMIN}>. You now have *Learning Pro* + *Coaching*.`);
    expect(await licensesOf('ana@example.com')).toEqual(['pro', 'coach']);
    const history = await e2e.models.Assignment.find({ licenseType: 'coach' }).lean();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ actor: ADMIN, source: 'slack', reason: 'Asked for by the learner: team coaching pilot' });
    const audit = await e2e.models.Audit.find({ action: /^license_request\./ })
      .sort({ at: 1 })
      .lean();
    expect(audit.map((a) => [a.action, a.actor, a.outcome])).toEqual([
      ['license_request.create', LEARNER, 'applied'],
      ['license_request.approve', ADMIN, 'applied'],
    ]);

    // A second click (or Slack's retry) changes nothing and says who decided.
    const again = await decide(message, ids.licenseRequest.approve);
    const answer = await e2e.slack.waitFor('response_url', (c) => c.url === again);
    expect(String(answer.body.text)).toContain(`This request was already decided: Approved by ${ADMIN}`);
    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'coach' })).toBe(1);
    await expectSeatInvariant(e2e.running.db);
  });

  it('tells the learner when an admin denies the request, and changes nothing', async () => {
    const message = await requestLicense('coach', 'curious');

    await decide(message, ids.licenseRequest.deny);

    const ts = (message.response as { ts: string }).ts;
    const updated = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === ts);
    expect(updated.body.text).toBe('License request from ana@example.com for Coaching: denied');
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === ts && String(c.body.text).startsWith(`Denied by ${ADMIN}`));
    expect((await dmTo(LEARNER, 'was denied')).body.text).toBe('Your request for Coaching was denied.');
    expect(await licensesOf('ana@example.com')).toEqual(['pro']);
  });

  it('refuses an approval short of seats with a clear sentence and leaves the request pending', async () => {
    const message = await requestLicense('solo', 'mentoring');

    const responseUrl = await decide(message, ids.licenseRequest.approve);

    const refusal = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(refusal.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'No seats are left on that license type.',
    });
    expect(await licensesOf('ana@example.com')).toEqual(['pro']);
    expect((await modelsFor(e2e.running.db.connection).LicenseRequest.findOne().lean())?.status).toBe('pending');
    expect(await e2e.models.Audit.findOne({ action: 'license_request.approve' }).lean()).toMatchObject({
      outcome: 'refused',
      code: 'no_seats_left',
    });
    expect(e2e.slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('refuses an approval by someone who is not an admin', async () => {
    const message = await requestLicense('coach', 'pilot');

    const responseUrl = await decide(message, ids.licenseRequest.approve, LEAD);

    const refusal = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(String(refusal.body.text)).toContain('Only license admins can change licenses.');
    expect(await licensesOf('ana@example.com')).toEqual(['pro']);
    expect(await e2e.models.Audit.findOne({ action: 'license_request.approve' }).lean()).toMatchObject({
      actor: LEAD,
      outcome: 'refused',
      code: 'not_admin',
    });
  });

  it('releases a learner’s license from their Home after the confirmation, once, freeing the seat', async () => {
    const message = await requestLicense('coach', 'pilot');
    await decide(message, ids.licenseRequest.approve);
    await dmTo(LEARNER, 'was approved');
    await e2e.slack.waitFor(
      'views.publish',
      (c) => c.body.user_id === LEARNER && JSON.stringify(c.body.view).includes(releaseBlockId('coach')),
      10_000,
    );
    const release = {
      action_id: ids.home.releaseLicense,
      block_id: releaseBlockId('coach'),
      value: JSON.stringify({ licenseType: 'coach' }),
    };

    // A double click: both clicks arrive before either is done.
    const published = e2e.slack.callsTo('views.publish').length;
    await Promise.all([clickOnHome(LEARNER, release), clickOnHome(LEARNER, release)]);

    await e2e.slack.waitFor(
      'views.publish',
      (c) =>
        c.body.user_id === LEARNER &&
        e2e.slack.callsTo('views.publish').indexOf(c) >= published &&
        !JSON.stringify(c.body.view).includes(releaseBlockId('coach')),
      10_000,
    );
    expect(await licensesOf('ana@example.com')).toEqual(['pro']);
    expect(await e2e.models.LicenseType.findOne({ key: 'coach' }).lean()).toMatchObject({ seatsInUse: 0 });
    const row = await e2e.models.Assignment.findOne({ licenseType: 'coach' }).lean();
    expect(row?.revokedAt).toBeInstanceOf(Date);
    const released = await e2e.models.Audit.find({ action: 'release', outcome: 'applied' }).lean();
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({ actor: LEARNER, source: 'slack', from: ['pro', 'coach'], to: ['pro'] });
    // The second click waited for the first instead of failing.
    expect(e2e.logs.filter((line) => line.level === 'error')).toEqual([]);
    expect(
      e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === LEARNER && String(c.body.text).includes('went wrong')),
    ).toEqual([]);
    await expectSeatInvariant(e2e.running.db);
  });
});
