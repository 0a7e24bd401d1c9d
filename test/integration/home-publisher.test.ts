import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import { modelsFor } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { createHomePublisher, type HomePublisher } from '../../src/slack/support/home-publisher.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { givenLicenseTypes } from '../support/fixtures.js';
import { appServices, testClock } from '../support/schedule-fixtures.js';

let db: TestDatabase;
let slack: FakeSlack;
let homes: HomePublisher;
/** The most `views.publish` calls that were waiting for Slack at once. */
let mostAtOnce = 0;

const EMAILS = 1_200;
const email = (i: number) => `learner${i}@example.com`;
const user = (i: number) => `UL${i}`;

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [{ key: 'pro', name: 'Learning Pro', capacity: 100 }]);
  // Every learner is known to the bot (as the notice queue would know them); few have a Home.
  const { SlackIdentity } = modelsFor(db.connection);
  await SlackIdentity.insertMany(
    Array.from({ length: EMAILS }, (_, i) => ({ _id: email(i), slackUserId: user(i), checkedAt: new Date() })),
  );
  const client = new WebClient('xoxb-home-token', { slackApiUrl: slack.apiUrl, logLevel: WebLogLevel.ERROR });
  // Slack's answer is slowed down a little, so publishes that the publisher lets run at once overlap.
  const publish = client.views.publish.bind(client.views);
  let atOnce = 0;
  mostAtOnce = 0;
  client.views.publish = async (args) => {
    atOnce += 1;
    mostAtOnce = Math.max(mostAtOnce, atOnce);
    try {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return await publish(args);
    } finally {
      atOnce -= 1;
    }
  };
  homes = createHomePublisher({
    client,
    deps: appServices(db, testClock()),
    people: { emailOf: async (userId) => email(Number(userId.slice(2))) },
    logger: createLogger('error', {}, () => undefined),
    windowMs: 1_000,
  });
});
afterEach(async () => {
  await homes.flush();
  slack.reset();
  await db.drop();
});

const publishedTo = () => slack.callsTo('views.publish').map((c) => String(c.body.user_id));

async function givenHomes(indexes: readonly number[]) {
  for (const i of indexes) await db.repositories.homeViewers.rememberHomeViewer(user(i), false, new Date());
}

describe('the App Home publisher', () => {
  it('refreshes the Homes of any number of changed learners, only of those who have one, each once', async () => {
    // Past the first 50 emails and past the first chunk of 1,000.
    await givenHomes([3, 420, 1_100, 1_199]);

    homes.learnersChanged(Array.from({ length: EMAILS }, (_, i) => email(i)));

    for (const i of [3, 420, 1_100, 1_199]) await slack.waitFor('views.publish', (c) => c.body.user_id === user(i), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(publishedTo().sort()).toEqual([user(1_100), user(1_199), user(3), user(420)]);
  });

  it('walks a job’s learners batch by batch, publishing a few Homes at a time, and a Home being opened goes first', async () => {
    const viewers = Array.from({ length: 30 }, (_, i) => i * 40);
    await givenHomes(viewers);
    async function* batches() {
      for (let at = 0; at < EMAILS; at += 100) yield Array.from({ length: 100 }, (_, i) => email(at + i));
    }

    homes.learnerBatchesChanged(batches());
    await slack.waitFor('views.publish', (c) => c.body.user_id === user(0), 10_000);
    // Someone opens their Home while the refreshes wait for Slack.
    await homes.opened('USOMEONE');

    await slack.waitFor('views.publish', (c) => c.body.user_id === 'USOMEONE', 10_000);
    for (const i of viewers) await slack.waitFor('views.publish', (c) => c.body.user_id === user(i), 10_000);
    const published = publishedTo();
    expect([...published].sort()).toEqual([...viewers.map(user), 'USOMEONE'].sort());
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    expect(published.indexOf('USOMEONE')).toBeLessThan(published.length - 10);
  });

  it('looks staff Homes up once a window for a burst of changes, leaves a Home published since as it is, and shows a later change', async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    homes.staffChanged(); // looked up at once: nobody has a Home yet
    await sleep(100);
    homes.staffChanged(); // looked up a window (1 s) later
    // The admin opens their Home after that change: what is published shows it.
    await homes.opened('UADMIN1');
    await slack.waitFor('views.publish', (c) => c.body.user_id === 'UADMIN1', 5_000);
    await sleep(2_500);
    expect(publishedTo()).toEqual(['UADMIN1']);

    // A change after the publish is shown (once the window allows it).
    homes.staffChanged();
    await slack.waitFor('views.publish', () => publishedTo().length === 2, 5_000);
    expect(publishedTo()).toEqual(['UADMIN1', 'UADMIN1']);
  });
});
