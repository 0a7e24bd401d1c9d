import { createPacer } from '../../src/licensing/notices/pacer.js';
import { enqueueNotices, noticeCounts } from '../../src/licensing/notices/queue.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';
import { deliverNotices, drainInProcessKilled, someNotices } from '../support/notices.js';

let db: TestDatabase;
let slack: FakeSlack;

beforeEach(async () => {
  db = await openTestDatabase();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await slack.close();
  await db.drop();
});

describe('a notice drainer whose process is killed', () => {
  it('leaves nothing unsent and nothing sent twice once another process takes over', async () => {
    await givenLicenseTypes(db, [
      { key: 'core', name: 'Learning Core', capacity: null },
      { key: 'pro', name: 'Learning Pro', capacity: null },
    ]);
    const count = 200;
    for (let i = 0; i < count; i += 1) slack.addUser({ id: `UL${i}`, email: `learner${i}@example.com` });
    await enqueueNotices({ notices: db.repositories.notices, now: () => new Date() }, someNotices(count));

    // Killed the moment Slack has its 60th DM: most likely before it recorded that it sent it.
    await drainInProcessKilled(db, slack, { pace: 3_000, killWhen: () => slack.callsTo('chat.postMessage').length >= 60 });
    const beforeTakeOver = slack.callsTo('chat.postMessage').length;
    expect(beforeTakeOver).toBeLessThan(count);

    await deliverNotices(db, slack, { pacer: createPacer(60_000) });

    for (let i = 0; i < count; i += 1) expect(slack.messagesIn(`UL${i}`)).toHaveLength(1);
    expect(await noticeCounts({ notices: db.repositories.notices }, 'bulk:test')).toEqual({
      waiting: 0,
      sent: count,
      noAccount: 0,
      failed: 0,
      withdrawn: 0,
    });
  }, 90_000);
});
