/**
 * A separate bot process for the crash test: runs the license jobs against the test database and
 * prints one JSON line per event, so the test can kill it mid-job.
 *   node --import tsx test/support/bulk-worker.ts   with MONGODB_URI, WORKER_DB_NAME, WORKER_REQUEST_ID
 */
import { connectDatabase } from '../../src/db/index.js';
import { createAgenda, defineLicenseJobs, scheduleBulkJob, startAgenda } from '../../src/jobs/index.js';
import type { BulkNotifier } from '../../src/licensing/bulk/ports.js';
import { createLogger } from '../../src/logger.js';
import { bulkDeps } from './bulk-fixtures.js';
import { withRepositories } from './database.js';

const say = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

const { MONGODB_URI: uri, WORKER_DB_NAME: dbName, WORKER_REQUEST_ID: requestId } = process.env;
if (!uri || !dbName || !requestId) throw new Error('MONGODB_URI, WORKER_DB_NAME and WORKER_REQUEST_ID are required');

const db = await withRepositories(await connectDatabase({ uri, dbName }));
const native = db.connection.db;
if (!native) throw new Error('not connected');
const deps = bulkDeps(db, { processId: `worker-${process.pid}` });
const logger = createLogger('warn', { worker: process.pid }, (line) => process.stderr.write(`${line}\n`));
const notifier: BulkNotifier = {
  async progress(_request, counts) {
    say('progress', { ...counts });
  },
  async finished(_request, summary) {
    say('finished', { ...summary });
    return { ts: 'worker' };
  },
  async expired() {},
};
const agenda = await createAgenda({
  db: native,
  processEvery: 100,
  lockLifetime: Number(process.env.WORKER_LOCK_LIFETIME ?? 2_000),
  logger,
  name: `worker-${process.pid}`,
});
defineLicenseJobs(agenda, { deps, notifier, logger });
await startAgenda(agenda, { expireEvery: null });
await scheduleBulkJob(agenda, requestId);
say('ready');
