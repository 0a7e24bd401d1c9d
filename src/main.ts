import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { hostname } from 'node:os';
import type { App } from '@slack/bolt';
import type { Agenda } from 'agenda';
import { type Config, ConfigError, loadConfig } from './config.js';
import { connectDatabase, type Database, openRepositories } from './db/index.js';
import { createAgenda, defineLicenseJobs, scheduleBulkJob, startAgenda, stopAgenda } from './jobs/index.js';
import type { BulkDeps } from './licensing/bulk/ports.js';
import { resumeStaleOperations } from './licensing/operations.js';
import { createLogger, type Logger } from './logger.js';
import { createSlackApp, healthHandler } from './slack/app.js';
import { createSlackBulkNotifier } from './slack/notifiers/bulk-notifier.js';

/** A running bot: what tests and the CLI need to talk to it and stop it. */
export interface RunningApp {
  app: App;
  db: Database;
  deps: BulkDeps;
  agenda: Agenda;
  /** The HTTP port (HTTP mode), or the health port in Socket Mode. */
  port: number;
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 30_000;

/** Wires config → database → services → Slack app, and starts it. */
export async function startApp(
  config: Config,
  options: { logger?: Logger; dbName?: string; lockLifetimeMs?: number; progressIntervalMs?: number; bulkBatchSize?: number } = {},
): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'learning-license-bot' });
  const db = await connectDatabase({ uri: config.mongodbUri, dataDir: config.dataDir, dbName: options.dbName ?? config.mongodbDbName });
  logger.info('database connected', { kind: db.kind, ...(db.kind === 'embedded' ? { dataDir: config.dataDir } : {}) });

  const deps: BulkDeps = {
    ...(await openRepositories(db.connection)),
    configAdmins: config.admins,
    processId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    now: () => new Date(),
    configApprovers: config.approvers,
    bulkApprovalThreshold: config.bulkApprovalThreshold,
    approvalTtlHours: config.approvalTtlHours,
    ...(options.bulkBatchSize ? { bulkBatchSize: options.bulkBatchSize } : {}),
  };

  const nativeDb = db.connection.db;
  if (!nativeDb) throw new Error('the database connection has no native handle');
  const agenda = await createAgenda({
    db: nativeDb,
    processEvery: config.jobProcessEvery,
    ...(options.lockLifetimeMs ? { lockLifetime: options.lockLifetimeMs } : {}),
    name: deps.processId,
    logger: logger.child({ component: 'agenda' }),
  });

  const health = { isReady: () => db.isConnected() };
  const app = createSlackApp(
    config,
    {
      services: deps,
      scheduleBulkJob: (requestId) => scheduleBulkJob(agenda, requestId),
      ...(config.approvalChannelId ? { approvalChannelId: config.approvalChannelId } : {}),
      logger,
    },
    health,
  );
  const notifier = createSlackBulkNotifier({
    client: app.client,
    deps,
    logger: logger.child({ component: 'bulk-notifier' }),
    ...(options.progressIntervalMs !== undefined ? { minIntervalMs: options.progressIntervalMs } : {}),
  });
  defineLicenseJobs(agenda, {
    deps,
    notifier,
    logger: logger.child({ component: 'jobs' }),
    ...(options.lockLifetimeMs ? { lockLifetime: options.lockLifetimeMs } : {}),
  });
  let port = config.port;
  let healthServer: HttpServer | undefined;
  try {
    if (config.slack.socketMode) {
      // Bolt's Socket Mode health server crashes the process on a busy port and hides the port it
      // picked; ours fails start-up with a clear error and reports the real port.
      healthServer = await listenForHealth(config.port, healthHandler(health));
      port = (healthServer.address() as AddressInfo).port;
      await app.start();
    } else {
      const server = (await app.start(config.port)) as Server;
      port = (server.address() as AddressInfo).port;
    }
  } catch (error) {
    // Leave nothing open behind a failed start (a test or a supervisor may go on in this process).
    const server = healthServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.stop().catch(() => undefined);
    await db.close();
    throw error;
  }
  logger.info('slack app started', { mode: config.slack.socketMode ? 'socket' : 'http', port });
  await startAgenda(agenda);

  // Operations a crashed process left half-done are finished here (see licensing/operations.ts).
  const sweep = async () => {
    try {
      const finished = await resumeStaleOperations(deps.store, deps.processId);
      if (finished) logger.warn('finished operations left by a stopped process', { finished });
    } catch (error) {
      logger.warn('stale-operation sweep failed', { error });
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  timer.unref();

  let stopped = false;
  return {
    app,
    db,
    deps,
    agenda,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      // Running bulk jobs stop at a batch boundary; another process (or the next start) resumes them.
      await stopAgenda(agenda).catch((error: unknown) => logger.warn('error while draining jobs', { error }));
      await notifier.flush().catch(() => undefined);
      await app.stop().catch((error: unknown) => logger.warn('error while stopping the Slack app', { error }));
      if (healthServer) await new Promise<void>((resolve) => healthServer.close(() => resolve()));
      await db.close();
      logger.info('stopped');
    },
  };
}

/** Serves `GET /healthz` on `port` (Socket Mode); rejects when the port cannot be used. */
function listenForHealth(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpServer> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') return handler(req, res);
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot serve /healthz on port ${port}: ${error.message}`)));
    server.listen(port, () => resolve(server));
  });
}

/** `license-bot serve`: loads .env and the config, starts the bot, stops cleanly on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  const { config: loadDotenv } = await import('dotenv');
  loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { service: 'learning-license-bot' });
  let running: RunningApp;
  try {
    running = await startApp(config, { logger });
  } catch (error) {
    logger.error('could not start', { error });
    process.exit(1);
  }
  const shutdown = async (signal: string) => {
    logger.info('shutting down', { signal });
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
