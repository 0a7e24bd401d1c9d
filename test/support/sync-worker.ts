/**
 * A separate sync worker process for the crash test: pushes due learners to a SCIM service and
 * prints one JSON line per round, so the test can kill it mid-batch.
 *   node --import tsx test/support/sync-worker.ts   with MONGODB_URI, WORKER_DB_NAME, SCIM_BASE_URL, SCIM_TOKEN
 */
import { connectDatabase } from '../../src/db/index.js';
import { pushDueLearners } from '../../src/licensing/sync/worker.js';
import { createScimTarget } from '../../src/outbound/scim/scim-target.js';
import { withRepositories } from './database.js';
import { syncDeps } from './sync-fixtures.js';

const say = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

const { MONGODB_URI: uri, WORKER_DB_NAME: dbName, SCIM_BASE_URL: baseUrl, SCIM_TOKEN: token } = process.env;
if (!uri || !dbName || !baseUrl || !token) throw new Error('MONGODB_URI, WORKER_DB_NAME, SCIM_BASE_URL and SCIM_TOKEN are required');

const db = await withRepositories(await connectDatabase({ uri, dbName }));
const deps = syncDeps(db, { processId: `sync-worker-${process.pid}` });
const target = createScimTarget({ baseUrl, token, revokeAll: 'deactivate', createUsers: false });
const notifier = {
  paused: async () => {
    say('paused');
  },
  resumed: async () => {
    say('resumed');
  },
};
say('ready');
for (;;) {
  const round = await pushDueLearners(deps, target, notifier, {
    batchSize: Number(process.env.WORKER_BATCH ?? 100),
    leaseMs: Number(process.env.WORKER_LEASE_MS ?? 2_000),
    heartbeat: async () => {
      say('batch');
    },
  });
  say('round', { ...round });
  if (round.pushed + round.retried + round.dead === 0) await new Promise((resolve) => setTimeout(resolve, 100));
}
