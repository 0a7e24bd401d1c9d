/**
 * One bot process of the replicas test: the whole app (`startApp`, HTTP mode, Agenda, sweeps) as
 * `license-bot serve` runs it, with small batches so a job lasts long enough to be cancelled.
 * Its log lines go to stdout as JSON; the test reads the port from the 'slack app started' line.
 *   node --import tsx test/support/bot-process.ts   with the bot's environment (MONGODB_URI, …),
 *   BOT_DB_NAME and BOT_BATCH_SIZE
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startApp, tuneProcessForServing } from '../../src/main.js';

tuneProcessForServing();
const config = loadConfig();
const logger = createLogger(config.logLevel, { bot: process.pid });
const running = await startApp(config, {
  logger,
  ...(process.env.BOT_DB_NAME ? { dbName: process.env.BOT_DB_NAME } : {}),
  bulkBatchSize: Number(process.env.BOT_BATCH_SIZE ?? 1_000),
  progressIntervalMs: 200,
});
process.once('SIGTERM', () => {
  void running.stop().then(() => process.exit(0));
});
