import { demoLearnerRows } from '../src/cli/demo-data.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startApp } from '../src/main.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { LICENSE_EXTENSION, startScimServer } from '../test/support/scim-server.js';
import { ADMIN, approveAndWait, LEAD, openBenchDeps, SIGNING_SECRET, submitReassignment } from './bulk.js';
import { FROM_TYPE, seedLearners, TO_TYPE } from './seed.js';

/** What the sync measurement found. */
export interface SyncRun {
  learners: number;
  /** Completion notice → no learner pending: how long the platform lagged behind the job. */
  secondsToInSync: number;
  /** Every request the SCIM client made from the Approve click until in sync. */
  requests: number;
  requestsPerLearner: number;
  requestsByKind: Record<string, number>;
  /** The same requests (lookups in or-filters of 50, then Bulk of 500) sent by a bare loop, one at a time as the adapter does. */
  rawSeconds: number;
  /** Seconds the product's pushes took from the first sync request to in sync. */
  productPushSeconds: number;
  /** raw / product time: 1 = no overhead over the bare requests. */
  ratio: number;
  /** Of productPushSeconds, how long a request of ours was in flight at the platform (the rest is our own work between requests). */
  platformBusySeconds: number;
}

const LOOKUP_BATCH = 50;
const BULK_BATCH = 500;

const escapeFilter = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * A bulk job of `count` learners with SYNC_TARGET=scim against the scimmy server: the app runs
 * in this process (its sync worker with its default settings), the job is approved with a signed
 * click, and the clock runs from the completion notice until the outbox holds nothing pending.
 * Then a bare loop sends the same requests to the same server, for the ratio.
 */
export async function runSyncBench(input: {
  mongoUri: string;
  dbName: string;
  slack: FakeSlack;
  count: number;
  log: (m: string) => void;
}): Promise<SyncRun> {
  const { count, log } = input;
  await seedLearners(input.mongoUri, input.dbName, count);
  const scim = await startScimServer({ bulk: { maxOperations: 1_000 } });
  const emails: string[] = [];
  let header = true;
  for (const [email = '', name = ''] of demoLearnerRows(count)) {
    if (header) {
      header = false;
      continue;
    }
    emails.push(email.toLowerCase());
    scim.addUsers([{ userName: email.toLowerCase(), name, active: true, licenses: ['Learning Core'] }]);
  }
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: input.slack.apiUrl,
    MONGODB_URI: input.mongoUri,
    MONGODB_DB_NAME: input.dbName,
    PORT: '0',
    LICENSE_ADMINS: ADMIN,
    LICENSE_APPROVERS: LEAD,
    LOG_LEVEL: 'warn',
    JOB_PROCESS_EVERY: '200 milliseconds',
    SYNC_TARGET: 'scim',
    SCIM_BASE_URL: scim.baseUrl,
    SCIM_TOKEN: scim.token,
    SYNC_EVERY: '1 second',
  });
  const app = await startApp(config, { logger: createLogger('warn', {}, () => undefined) });
  const { db, deps } = await openBenchDeps(input.mongoUri, input.dbName);
  try {
    const request = await submitReassignment(deps, FROM_TYPE, TO_TYPE);
    scim.clearLog();
    log(`  job of ${count.toLocaleString('en-US')} learners with SCIM sync: Approve clicked…`);
    const job = await approveAndWait({
      baseUrl: `http://127.0.0.1:${app.port}`,
      slack: input.slack,
      deps,
      request,
      timeoutMs: 30 * 60_000,
    });
    const noticeAt = job.noticeAt;
    for (;;) {
      const { pending } = await app.deps.syncStates.counts();
      if (pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const inSyncAt = Date.now();
    const requests = [...scim.requests];
    const byKind: Record<string, number> = {};
    for (const r of requests) {
      const kind = `${r.method} ${r.path.replace(/^.*\/scim\/v2/, '')}`;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    const firstAt = Math.min(...requests.map((r) => r.at));
    const busyMs = busyTime(requests);
    const productPushSeconds = (inSyncAt - firstAt) / 1000;
    const held = scim.users().filter((u) => u.licenses.includes('Learning Pro')).length;
    if (held !== count) throw new Error(`the SCIM server holds Learning Pro for ${held} users, expected ${count}`);

    log(
      `  in sync ${((inSyncAt - noticeAt) / 1000).toFixed(1)} s after the notice, ${requests.length} requests; now the same requests from a bare loop…`,
    );
    // The opposite change (Pro → Core): the same work for the platform as ours, where re-sending
    // Pro to users who already hold it would be a cheaper no-op write for it.
    const rawSeconds = await rawLoop(scim.baseUrl, scim.token, emails, 'Learning Core');
    return {
      learners: count,
      secondsToInSync: Math.round((inSyncAt - noticeAt) / 100) / 10,
      requests: requests.length,
      requestsPerLearner: Math.round((requests.length / count) * 10_000) / 10_000,
      requestsByKind: byKind,
      rawSeconds: Math.round(rawSeconds * 10) / 10,
      productPushSeconds: Math.round(productPushSeconds * 10) / 10,
      ratio: Math.round((rawSeconds / productPushSeconds) * 1000) / 1000,
      platformBusySeconds: Math.round(busyMs / 100) / 10,
    };
  } finally {
    await db.close();
    await app.stop();
    await scim.stop();
  }
}

/** Milliseconds during which at least one of the requests was in flight (overlaps counted once). */
function busyTime(requests: readonly { at: number; ms: number }[]): number {
  const spans = requests.map((r) => [r.at, r.at + r.ms] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of spans) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

/** The adapter's requests without the adapter: or-filter lookups of 50, then one Bulk PATCH per 500. */
async function rawLoop(baseUrl: string, token: string, emails: readonly string[], license: string): Promise<number> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' };
  const started = performance.now();
  for (let i = 0; i < emails.length; i += BULK_BATCH) {
    const chunk = emails.slice(i, i + BULK_BATCH);
    const ids = new Map<string, string>();
    for (let j = 0; j < chunk.length; j += LOOKUP_BATCH) {
      const filter = chunk
        .slice(j, j + LOOKUP_BATCH)
        .map((email) => `userName eq "${escapeFilter(email)}"`)
        .join(' or ');
      const res = await fetch(`${baseUrl}/Users?filter=${encodeURIComponent(filter)}&count=${LOOKUP_BATCH}&attributes=userName`, {
        headers,
      });
      const list = (await res.json()) as { Resources?: { id: string; userName: string }[] };
      for (const user of list.Resources ?? []) ids.set(user.userName, user.id);
    }
    const operations = chunk.map((email, k) => ({
      method: 'PATCH',
      bulkId: `b${k}`,
      path: `/Users/${ids.get(email)}`,
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'replace', path: `${LICENSE_EXTENSION}:licenseType`, value: [license] },
          { op: 'replace', path: 'active', value: true },
        ],
      },
    }));
    const res = await fetch(`${baseUrl}/Bulk`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        failOnErrors: operations.length + 1,
        Operations: operations,
      }),
    });
    if (!res.ok) throw new Error(`raw Bulk answered ${res.status}`);
    await res.text();
  }
  return (performance.now() - started) / 1000;
}
