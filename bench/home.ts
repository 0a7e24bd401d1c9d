import { Types } from 'mongoose';
import { connectDatabase, openRepositories } from '../src/db/index.js';
import { modelsFor } from '../src/db/models/index.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { appHomeOpenedEvent, sendEvent } from '../test/support/slack-requests.js';
import { ADMIN, LEAD, SIGNING_SECRET } from './bulk.js';
import { startAppChild } from './child.js';
import { seedUsage } from './reclaim-undo.js';
import { BENCH_GROUP, FROM_TYPE, TO_TYPE } from './seed.js';
import { latencySummary } from './stats.js';

/** App Home latencies: signed app_home_opened → views.publish arriving at the fake Slack. */
export interface HomeRun {
  opens: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Blocks of the admin Home published (a sanity check that it showed everything). */
  blocks: number;
  licenseTypes: number;
  jobs: number;
  /** Time-bound licenses ending within the week, and scheduled changes, in the database. */
  grantsEndingSoon: number;
  scheduled: number;
  /** From the first open until a Home showed the idle seats (counted in the background, then published again). */
  idleSeatsShownMs: number | null;
  /** Publishes beyond one per open: Homes shown while idle seats were counted, published again once counted. */
  republished: number;
}

const DAY = 24 * 3_600_000;
/** Grants of one bulk change ending in three days, and single grants ending over the week. */
const BULK_GRANTS = 1_000;
const SINGLE_GRANTS = 50;

const STATUSES = [
  ...Array<'completed'>(935).fill('completed'),
  ...Array<'scheduled'>(5).fill('scheduled'),
  ...Array<'cancelled'>(20).fill('cancelled'),
  ...Array<'failed'>(10).fill('failed'),
  ...Array<'rejected'>(10).fill('rejected'),
  ...Array<'expired'>(5).fill('expired'),
  ...Array<'running'>(5).fill('running'),
  ...Array<'pending_approval'>(10).fill('pending_approval'),
] as const;

/** `count` distinct admin ids: every one opens their Home once (a first open, as each admin's is). */
export function homeAdmins(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `UHOME${String(i).padStart(5, '0')}`);
}

/**
 * Brings the seeded database to 20 license types and 1,000 bulk jobs of every status (most of
 * them finished over the last two months, their notices long posted; some running, scheduled or
 * waiting for approval), 1,050 time-bound licenses ending within the week, and usage (unless an
 * earlier step left some), as the admins' Home of a busy installation reads it.
 */
export async function seedHomeData(
  uri: string,
  dbName: string,
): Promise<{ licenseTypes: number; jobs: number; grantsEndingSoon: number; scheduled: number }> {
  const db = await connectDatabase({ uri, dbName });
  try {
    const { LicenseType, BulkRequest, Learner, Grant } = modelsFor(db.connection);
    const existing = await LicenseType.countDocuments();
    await LicenseType.insertMany(
      Array.from({ length: Math.max(0, 20 - existing) }, (_, i) => ({
        key: `extra${i}`,
        name: `Extra Course Pack ${i + 1}`,
        capacity: i % 3 === 0 ? null : 100 + i * 10,
        seatsInUse: i % 3 === 0 ? 0 : (100 + i * 10) * (i % 2 ? 0.95 : 0.3),
        pending: [],
      })),
    );
    const now = Date.now();
    const day = DAY;
    const jobs = STATUSES.map((status, i) => {
      const createdAt = new Date(now - (i % 60) * day - i * 60_000);
      const finished = !['running', 'pending_approval', 'scheduled'].includes(status);
      return {
        _id: new Types.ObjectId(),
        status: status === 'scheduled' ? 'approved' : status,
        ...(status === 'scheduled' ? { applyAt: new Date(now + (i % 7) * day + DAY), timeZone: 'Europe/Berlin' } : {}),
        selection: {
          groups: [BENCH_GROUP],
          licenseTypes: [FROM_TYPE],
          withoutLicense: false,
          emails: [],
          excludeIds: [],
          excludeEmails: [],
        },
        change: { kind: 'reassign', from: FROM_TYPE, to: TO_TYPE },
        reason: `bench job ${i}`,
        requestedBy: ADMIN,
        channelId: 'CBENCH',
        createdAt,
        updatedAt: status === 'running' ? new Date(now) : createdAt,
        ...(status === 'pending_approval' ? { expiresAt: new Date(now + 3 * day) } : { decidedBy: 'UBENCHLEAD', decidedAt: createdAt }),
        preview: { matched: 1_000, alreadyOnTarget: 0, blocked: 0, toChange: 1_000, seatsNeeded: 1_000 },
        progress: {
          lastBatch: status === 'scheduled' ? 0 : 1,
          lastLearnerId: null,
          total: 1_000,
          done: status === 'running' ? 400 : status === 'scheduled' ? 0 : 1_000,
          skipped: 0,
          failed: 0,
        },
        ...(finished
          ? {
              startedAt: createdAt,
              finishedAt: new Date(createdAt.getTime() + 60_000),
              notice: { claimedAt: createdAt, postedAt: createdAt, ts: '1.1', channel: 'CBENCH' },
            }
          : {}),
      };
    });
    await BulkRequest.insertMany(jobs);

    // Time-bound licenses as the operation engine writes them: one bulk change's grants ending in
    // three days (its id, batch and learner in each grant's id), and single changes' over the week.
    const learners = await Learner.find({}, { _id: 1, email: 1 })
      .sort({ _id: 1 })
      .limit(BULK_GRANTS + SINGLE_GRANTS)
      .lean();
    const bulkJob = String(jobs[0]?._id);
    await Grant.insertMany(
      learners.map((learner, i) => {
        const single = i >= BULK_GRANTS;
        const opId = single ? new Types.ObjectId().toHexString() : `bulk:${bulkJob}:${Math.floor(i / 1_000) + 1}`;
        const endsAt = new Date(now + (single ? ((i - BULK_GRANTS) % 7) * DAY + DAY / 2 : 3 * DAY));
        return {
          _id: `${opId}:${String(learner._id)}`,
          learnerId: String(learner._id),
          email: learner.email,
          added: [TO_TYPE],
          removed: [FROM_TYPE],
          since: new Date(now - 20 * DAY),
          endsAt,
          grantedBy: ADMIN,
          grantOpId: opId,
          ...(single ? {} : { requestId: bulkJob }),
          reason: 'bench grant',
          status: 'active',
          warnings: [],
          warned: [],
          nextWarnAt: null,
        };
      }),
    );

    // Usage, unless the reclaim step left some: the idle seats the Home counts in the background.
    const repositories = await openRepositories(db.connection);
    if (!(await Learner.exists({ usage: { $exists: true } }))) await seedUsage(db.connection, new Date(now));
    const at = new Date(now);
    await repositories.usage.startUsageImport({
      id: 'bench-home',
      fileName: 'learner-summary.csv',
      format: 'linkedin_learner_summary',
      importedAt: at,
      importedBy: ADMIN,
      source: 'cli',
      periodEnd: at,
      rows: learners.length,
      learners: learners.length,
      matched: learners.length,
      unknownEmails: 0,
      status: 'completed',
    });
    return {
      licenseTypes: await LicenseType.countDocuments(),
      jobs: await BulkRequest.countDocuments(),
      grantsEndingSoon: await Grant.countDocuments({ status: 'active' }),
      scheduled: await BulkRequest.countDocuments({ status: 'approved', applyAt: { $exists: true } }),
    };
  } finally {
    await db.close();
  }
}

/**
 * Each admin opens their Home once, one after the other: a signed `app_home_opened` to the app,
 * timed until the fake Slack receives its `views.publish` (acks, role look-ups, the queries of
 * every section, rendering and the Web API call included).
 */
export async function runHomeBench(
  baseUrl: string,
  slack: FakeSlack,
  admins: readonly string[],
): Promise<Omit<HomeRun, 'licenseTypes' | 'jobs' | 'grantsEndingSoon' | 'scheduled'>> {
  const samples: number[] = [];
  let blocks = 0;
  const firstSentAt = Date.now();
  for (const admin of admins) {
    const sentAt = Date.now();
    const res = await sendEvent(baseUrl, SIGNING_SECRET, appHomeOpenedEvent(admin));
    if (res.status !== 200) throw new Error(`app_home_opened answered HTTP ${res.status}`);
    const published = await slack.waitFor('views.publish', (c) => c.body.user_id === admin, 30_000);
    samples.push(published.at - sentAt);
    blocks = ((published.body.view as { blocks?: unknown[] }).blocks ?? []).length;
  }
  // The Homes shown while the idle seats were counted are published again once counted (coalesced: a window after the first).
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  const publishes = slack.callsTo('views.publish');
  const counted = publishes.find((c) => JSON.stringify(c.body.view).includes('*Idle seats* —'));
  return {
    opens: admins.length,
    ...latencySummary(samples),
    blocks,
    idleSeatsShownMs: counted ? counted.at - firstSentAt : null,
    republished: publishes.length - admins.length,
  };
}

/** Seeds the Home's data on `dbName`, starts an app with `opens` admins, and times each admin's first Home. */
export async function measureHome(input: { mongoUri: string; dbName: string; slack: FakeSlack; opens: number }): Promise<HomeRun> {
  const homeData = await seedHomeData(input.mongoUri, input.dbName);
  const admins = homeAdmins(input.opens);
  const app = await startAppChild({
    mongodbUri: input.mongoUri,
    dbName: input.dbName,
    slackApiUrl: input.slack.apiUrl,
    signingSecret: SIGNING_SECRET,
    admins: [ADMIN, ...admins],
    approvers: [LEAD],
    env: { SEAT_PRICE_PRO: '420', SEAT_PRICE_CORE: '180' },
  });
  try {
    input.slack.reset();
    return { ...(await runHomeBench(app.baseUrl, input.slack, admins)), ...homeData };
  } finally {
    await app.stop();
  }
}
