/**
 * A separate bot process for the kill -9 test: runs the timer jobs against the test database and
 * says when it is ready, so the test can kill it just before a grant's end.
 *   node --import tsx test/support/timer-worker.ts   with MONGODB_URI and WORKER_DB_NAME
 */
import { connectDatabase } from '../../src/db/index.js';
import { createTimerScheduler } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logger.js';
import { withRepositories } from './database.js';
import { appServices, recordingApprovalNotifier, testClock } from './schedule-fixtures.js';
import { startTimerAgenda } from './timer-agenda.js';

const { MONGODB_URI: uri, WORKER_DB_NAME: dbName } = process.env;
if (!uri || !dbName) throw new Error('MONGODB_URI and WORKER_DB_NAME are required');

const db = await withRepositories(await connectDatabase({ uri, dbName }));
const clock = testClock();
// The real clock: this process runs on time like a bot would.
const deps = appServices(db, { ...clock, now: () => new Date() }, { processId: `worker-${process.pid}` });
const logger = createLogger('warn', { worker: process.pid }, (line) => process.stderr.write(`${line}\n`));
const agenda = await startTimerAgenda(db, {
  deps,
  logger,
  approvalNotifier: recordingApprovalNotifier(),
  name: `worker-${process.pid}`,
  lockLifetime: 2_000,
});
deps.timers = createTimerScheduler(agenda);
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
