import { Types } from 'mongoose';
import { connectDatabase } from '../src/db/index.js';
import { modelsFor } from '../src/db/models/index.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { appHomeOpenedEvent, sendEvent } from '../test/support/slack-requests.js';
import { ADMIN, SIGNING_SECRET } from './bulk.js';
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
}

const STATUSES = [
  ...Array<'completed'>(940).fill('completed'),
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
 * them finished over the last two months, their notices long posted; some running or waiting
 * for approval), as the admins' Home of a busy installation reads it.
 */
export async function seedHomeData(uri: string, dbName: string): Promise<{ licenseTypes: number; jobs: number }> {
  const db = await connectDatabase({ uri, dbName });
  try {
    const { LicenseType, BulkRequest } = modelsFor(db.connection);
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
    const day = 24 * 3_600_000;
    await BulkRequest.insertMany(
      STATUSES.map((status, i) => {
        const createdAt = new Date(now - (i % 60) * day - i * 60_000);
        const finished = !['running', 'pending_approval'].includes(status);
        return {
          _id: new Types.ObjectId(),
          status,
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
          progress: { lastBatch: 1, lastLearnerId: null, total: 1_000, done: status === 'running' ? 400 : 1_000, skipped: 0, failed: 0 },
          ...(finished
            ? {
                startedAt: createdAt,
                finishedAt: new Date(createdAt.getTime() + 60_000),
                notice: { claimedAt: createdAt, postedAt: createdAt, ts: '1.1', channel: 'CBENCH' },
              }
            : {}),
        };
      }),
    );
    return { licenseTypes: await LicenseType.countDocuments(), jobs: await BulkRequest.countDocuments() };
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
): Promise<Omit<HomeRun, 'licenseTypes' | 'jobs'>> {
  const samples: number[] = [];
  let blocks = 0;
  for (const admin of admins) {
    const sentAt = Date.now();
    const res = await sendEvent(baseUrl, SIGNING_SECRET, appHomeOpenedEvent(admin));
    if (res.status !== 200) throw new Error(`app_home_opened answered HTTP ${res.status}`);
    const published = await slack.waitFor('views.publish', (c) => c.body.user_id === admin, 30_000);
    samples.push(published.at - sentAt);
    blocks = ((published.body.view as { blocks?: unknown[] }).blocks ?? []).length;
  }
  return { opens: admins.length, ...latencySummary(samples), blocks };
}
