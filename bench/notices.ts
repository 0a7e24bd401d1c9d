import { demoLearnerRows } from '../src/cli/demo-data.js';
import { modelsFor } from '../src/db/models/index.js';
import type { FakeSlack, SlackCall } from '../test/support/fake-slack.js';
import { approveAndWait, LEAD, openBenchDeps, SIGNING_SECRET, submitReassignment } from './bulk.js';
import { startAppChild } from './child.js';
import { seedLearners } from './seed.js';

/** How the notice queue kept to its pace while telling every learner of a bulk job. */
export interface NoticeRun {
  learners: number;
  perMinuteConfigured: number;
  dms: number;
  lookups: number;
  /** Learners Slack does not know (counted, not retried). */
  noAccount: number;
  /** First to last call of the queue. */
  seconds: number;
  /** Web API calls (look-ups and DMs) a minute over the whole run, and DMs alone. */
  callsPerMinute: number;
  dmsPerMinute: number;
  /** The busiest second and the busiest ten seconds, as calls a minute. */
  busiestSecondPerMinute: number;
  busiestTenSecondsPerMinute: number;
  /** 429s the fake Slack answered: it limits chat.postMessage to the configured pace (plus a little). */
  rateLimited: number;
  /** Approve → completion notice, and → the notice saying every learner was told. */
  jobSeconds: number;
  toldSeconds: number;
}

/** The most calls in any window of `windowMs`. */
function busiest(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while ((times[j] ?? 0) <= (times[i] ?? 0) - windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * A bulk job of `count` learners with LEARNER_NOTICES=on in a fresh app process: nine in ten
 * learners were matched to Slack before (told of an earlier change), the rest are looked up by
 * email; one in twenty has no Slack account. The fake Slack refuses chat.postMessage beyond the
 * configured pace, so a queue that kept to it sees no 429. Measured from the fake's call log.
 */
export async function runNoticeBench(input: {
  mongoUri: string;
  dbName: string;
  slack: FakeSlack;
  count: number;
  perMinute: number;
  log: (m: string) => void;
}): Promise<NoticeRun> {
  const { count, perMinute, slack, log } = input;
  await seedLearners(input.mongoUri, input.dbName, count);
  const emails: string[] = [];
  let header = true;
  for (const [email = ''] of demoLearnerRows(count)) {
    if (header) header = false;
    else emails.push(email.toLowerCase());
  }
  const hasSlack = (i: number) => i % 20 !== 0;
  const { db, deps } = await openBenchDeps(input.mongoUri, input.dbName);
  try {
    await modelsFor(db.connection).SlackIdentity.insertMany(
      emails.flatMap((email, i) =>
        i % 10 === 9 ? [] : [{ _id: email, slackUserId: hasSlack(i) ? `UN${i}` : null, checkedAt: new Date() }],
      ),
    );
    // Whether a job's learners are told is decided when it is submitted, by the submitter's LEARNER_NOTICES.
    const request = await submitReassignment({ ...deps, learnerNotices: true });
    const child = await startAppChild({
      mongodbUri: input.mongoUri,
      dbName: input.dbName,
      slackApiUrl: slack.apiUrl,
      signingSecret: SIGNING_SECRET,
      admins: ['UBENCHADMIN'],
      approvers: [LEAD],
      env: { LEARNER_NOTICES: 'on', NOTICES_PER_MINUTE: String(perMinute) },
    });
    try {
      log(
        `  job of ${count.toLocaleString('en-US')} learners with LEARNER_NOTICES=on at ${perMinute.toLocaleString('en-US')} calls a minute…`,
      );
      const started = Date.now();
      const job = await approveAndWait({
        baseUrl: child.baseUrl,
        slack,
        deps,
        request,
        timeoutMs: 15 * 60_000,
        prepare: (fake) => {
          emails.forEach((email, i) => {
            if (hasSlack(i)) fake.addUser({ id: `UN${i}`, email });
          });
          fake.limitRate('chat.postMessage', { max: Math.ceil(perMinute / 60) + 2, windowMs: 1_000, retryAfterSec: 1 });
        },
      });
      // A look-up and a DM each at most, at the pace; three times that is long enough to say something is wrong.
      const expectedMs = ((2 * count) / perMinute) * 60_000;
      const told = await slack.waitFor(
        'chat.update',
        (c) => /learners? told(,|$)/.test(String(c.body.text)) && !String(c.body.text).includes('so far'),
        Math.max(60_000, 3 * expectedMs),
      );
      const toldSeconds = (told.at - started) / 1000;
      const queue = slack.calls.filter(
        (c: SlackCall) =>
          c.method === 'users.lookupByEmail' || (c.method === 'chat.postMessage' && String(c.body.channel).startsWith('UN')),
      );
      const times = queue.map((c) => c.at).sort((a, b) => a - b);
      const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
      const dms = queue.filter((c) => c.method === 'chat.postMessage' && c.ok).length;
      const counts = await deps.notices.noticeCounts(`bulk:${request.id}`);
      return {
        learners: count,
        perMinuteConfigured: perMinute,
        dms,
        lookups: queue.filter((c) => c.method === 'users.lookupByEmail').length,
        noAccount: counts.noAccount,
        seconds: Math.round(seconds * 10) / 10,
        callsPerMinute: Math.round((queue.length / seconds) * 60),
        dmsPerMinute: Math.round((dms / seconds) * 60),
        busiestSecondPerMinute: busiest(times, 1_000) * 60,
        busiestTenSecondsPerMinute: busiest(times, 10_000) * 6,
        rateLimited: queue.filter((c) => c.status === 429).length,
        jobSeconds: Math.round(job.seconds * 10) / 10,
        toldSeconds: Math.round(toldSeconds * 10) / 10,
      };
    } finally {
      await child.stop();
    }
  } finally {
    await db.close();
  }
}
