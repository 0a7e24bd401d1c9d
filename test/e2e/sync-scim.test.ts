import { ids } from '../../src/slack/ids.js';
import { waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { type ScimServer, startScimServer } from '../support/scim-server.js';
import { bulkInSlack, buttonsOf, changeInSlack } from '../support/slack-flows.js';
import { blockActionsPayload } from '../support/slack-requests.js';

let scim: ScimServer;
let e2e: E2E;

async function boot(options: { seats?: Record<string, number>; env?: Record<string, string> } = {}) {
  scim = await startScimServer({ ...(options.seats ? { seats: options.seats } : {}) });
  e2e = await bootE2E(
    {
      SYNC_TARGET: 'scim',
      SCIM_BASE_URL: scim.baseUrl,
      SCIM_TOKEN: scim.token,
      SYNC_EVERY: '200 milliseconds',
      JOB_PROCESS_EVERY: '100 milliseconds',
      BULK_APPROVAL_THRESHOLD: '100000',
      ...options.env,
    },
    { syncOptions: { probeEveryMs: 300, leaseMs: 5_000 }, lockLifetimeMs: 10_000 },
  );
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 5_000 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
}

afterEach(async () => {
  await e2e.stop();
  await scim.stop();
}, 60_000);

/** Learners here and the same people on the platform, all on Learning Core. */
async function givenPeople(count: number, prefix = 'person'): Promise<string[]> {
  const people = Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com`, name: `Person ${prefix} ${i}` }));
  scim.addUsers(people.map((p) => ({ userName: p.email, name: p.name, active: true, licenses: ['Learning Core'] })));
  return givenLearners(
    e2e.running.db,
    people.map((p) => ({ ...p, licenseTypes: ['core'], groups: ['Sales'] })),
  );
}

const pendingIsZero = async () => ((await e2e.running.deps.syncStates.counts()).pending === 0 ? true : null);

/** Every learner's licenses here, as platform names, next to what the SCIM service holds for them. */
async function platformMatchesOurs(): Promise<void> {
  const names = new Map((await e2e.running.deps.store.listLicenseTypes()).map((t) => [t.key, t.name]));
  const ours = (await e2e.models.Learner.find({}).lean()).map((l) => ({
    userName: l.email,
    active: l.licenseTypes.length > 0,
    licenses: l.licenseTypes.map((k) => names.get(k)).sort(),
  }));
  const theirs = new Map(scim.users().map((u) => [u.userName, u]));
  for (const learner of ours) {
    const held = theirs.get(learner.userName);
    expect({
      userName: learner.userName,
      active: held?.active,
      licenses: held?.active ? [...(held?.licenses ?? [])].sort() : learner.licenses,
    }).toEqual(learner);
  }
}

describe('sync to a SCIM 2.0 service provider', () => {
  it('puts a reassignment made in Slack on the SCIM user within seconds, and deactivates on revoke', async () => {
    await boot();
    const [ada] = await givenPeople(1, 'ada');
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada0@example.com', learnerId: ada ?? '', to: 'pro' });
    await waitFor(async () => (scim.user('ada0@example.com')?.licenses.includes('Learning Pro') ? true : null), 10_000, 'the SCIM update');
    expect(scim.user('ada0@example.com')).toMatchObject({ active: true, licenses: ['Learning Pro'] });

    await changeInSlack(e2e, { mode: 'revoke', email: 'ada0@example.com', learnerId: ada ?? '' });
    await waitFor(async () => (scim.user('ada0@example.com')?.active === false ? true : null), 10_000, 'the deactivation');
    // The platform has it a moment before the worker records that it does.
    const state = await waitFor(async () => {
      const s = await e2e.running.deps.syncStates.getState(ada ?? '');
      return s?.status === 'synced' ? s : null;
    });
    expect(state).toMatchObject({ version: 2, pushedVersion: 2 });
  });

  it('brings a 2,000-learner bulk job to the platform with far fewer requests than learners, and says when it caught up', async () => {
    await boot();
    await givenPeople(2_000);
    scim.clearLog();
    await bulkInSlack(e2e, { groups: ['Sales'], types: ['core'], action: 'reassign', target: 'pro' });
    const notice = await e2e.slack.waitFor('chat.update', (c) => String(c.body.text).includes('platform in sync'), 90_000);
    expect(String(notice.body.text)).toContain('2,000 changed');
    await waitFor(pendingIsZero, 10_000, 'no pending change');
    await platformMatchesOurs();
    const writes = scim.requests.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeLessThan(20);
    await expectSeatInvariant(e2e.running.db);
  }, 120_000);

  it('converges through a 429 storm and a 20-second outage, then sends nothing more', async () => {
    await boot();
    await givenPeople(600);
    scim.failNext(15, { status: 429, retryAfterSec: 1 });
    await bulkInSlack(e2e, { groups: ['Sales'], types: ['core'], action: 'reassign', target: 'pro' });
    // The platform goes down while the job's changes are on their way.
    await waitFor(async () => ((await e2e.running.deps.syncStates.counts()).pending > 0 ? true : null), 20_000, 'changes waiting');
    scim.failFor(20_000, { status: 503 });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await e2e.running.deps.syncStates.counts()).pending).toBeGreaterThan(0);
    await waitFor(pendingIsZero, 60_000, 'convergence after the outage');
    await platformMatchesOurs();
    expect((await e2e.running.deps.syncStates.counts()).dead).toBe(0);

    // Converged: more rounds run, and none sends anything.
    scim.clearLog();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(scim.requests.filter((r) => r.method !== 'GET' || r.path.endsWith('/Users'))).toEqual([]);
  }, 120_000);

  it('pauses on a 401 with one notice per admin, waits, and resumes once the token is right again', async () => {
    await boot();
    const [ada] = await givenPeople(1, 'ada');
    scim.setToken('a-token-the-bot-does-not-have');
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada0@example.com', learnerId: ada ?? '', to: 'pro' });
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).includes('is paused'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(e2e.slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('is paused'))).toHaveLength(1);
    expect(scim.user('ada0@example.com')?.licenses).toEqual(['Learning Core']);

    scim.setToken(scim.token);
    await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN && String(c.body.text).includes('resumed'), 10_000);
    await waitFor(
      async () => (scim.user('ada0@example.com')?.licenses.includes('Learning Pro') ? true : null),
      10_000,
      'the update after resuming',
    );
  });

  it('keeps "insufficient licenses" as a dead letter with the platform’s reason, on the card and in /license sync', async () => {
    await boot({ seats: { 'Learning Pro': 0 } });
    const [ada] = await givenPeople(1, 'ada');
    await changeInSlack(e2e, { mode: 'reassign', email: 'ada0@example.com', learnerId: ada ?? '', to: 'pro' });
    const dead = await waitFor(async () => {
      const state = await e2e.running.deps.syncStates.getState(ada ?? '');
      return state?.status === 'dead' ? state : null;
    }, 10_000);
    expect(dead.lastError?.message).toMatch(/Insufficient licenses/i);

    await e2e.command('show ada0@example.com');
    const card = await e2e.slack.waitFor('response_url', (c) => String(c.body.text ?? '').startsWith('Person'));
    expect(JSON.stringify(card.body.blocks)).toMatch(/refused the latest change: “[^”]*Insufficient licenses/i);

    const status = await e2e.command('sync');
    const overview = await e2e.slack.waitFor('response_url', (c) => c.url === status.responseUrl);
    expect(JSON.stringify(overview.body.blocks)).toContain('ada0@example.com');
    const retry = buttonsOf(overview).find((b) => b.action_id === ids.sync.retryDead);
    expect(retry).toBeTruthy();
  });

  it('pulls the directory in: creates and updates learners, and reports and settles drift', async () => {
    await boot();
    const [grace] = await givenLearners(e2e.running.db, [{ email: 'grace@example.com', name: 'Grace H', licenseTypes: ['core'] }]);
    scim.addUsers([
      { userName: 'grace@example.com', name: 'Grace Hopper', active: true, licenses: ['Learning Pro'], groups: ['Navy'] },
      { userName: 'new.person@example.com', name: 'New Person', active: true, licenses: [], groups: ['Ops'] },
    ]);
    await e2e.command('sync verify');
    const report = await e2e.slack.waitFor('response_url', (c) => JSON.stringify(c.body.blocks ?? '').includes('Drift'), 15_000);
    expect(JSON.stringify(report.body.blocks)).toContain('grace@example.com: ours core · platform pro');
    // Verify writes nothing.
    expect(await e2e.models.Learner.countDocuments({ email: 'new.person@example.com' })).toBe(0);

    const { pullDirectory } = await import('../../src/licensing/sync/directory.js');
    const directory = e2e.running.syncAdapters.directory;
    if (!directory) throw new Error('SCIM has a directory');
    const summary = await pullDirectory(e2e.running.deps, directory, { userId: 'cli:test', source: 'cli' }, { write: true });
    expect(summary).toMatchObject({ users: 2, created: 1, updated: 1 });
    expect(await e2e.models.Learner.findOne({ email: 'new.person@example.com' }).lean()).toMatchObject({
      name: 'New Person',
      groups: ['Ops'],
      status: 'active',
    });
    expect(await e2e.models.Learner.findById(grace).lean()).toMatchObject({
      name: 'Grace Hopper',
      groups: ['Navy'],
      licenseTypes: ['core'],
    });

    // Accept theirs: Grace gets Pro here, through the engine, and nothing is pushed back.
    const status = await e2e.command('sync');
    const overview = await e2e.slack.waitFor('response_url', (c) => c.url === status.responseUrl);
    const accept = buttonsOf(overview).find((b) => b.action_id === ids.sync.acceptTheirs);
    const responseUrl = e2e.slack.responseUrl();
    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        response_url: responseUrl,
        actions: [{ action_id: ids.sync.acceptTheirs, block_id: accept?.block_id ?? '' }],
      }),
    );
    const answer = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl, 10_000);
    expect(answer.body.text).toBe('Took the platform’s licenses for 1 learner.');
    expect(await e2e.models.Learner.findById(grace).lean()).toMatchObject({ licenseTypes: ['pro'] });
    expect(await e2e.models.Assignment.countDocuments({ learnerId: grace, licenseType: 'pro', source: 'sync' })).toBe(1);
    expect(await e2e.running.deps.syncStates.getState(grace ?? '')).toBeNull();
    await expectSeatInvariant(e2e.running.db);
  });
});
