import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo, Server } from 'node:net';
import type { App } from '@slack/bolt';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connectDatabase, type Database } from './db/connection.js';
import { createAdminStore } from './db/admin-store.js';
import { createChangeRequestStore } from './db/change-request-store.js';
import { withDatabaseErrors } from './db/errors.js';
import { createStore } from './db/store.js';
import type { LicensingDeps } from './licensing/deps.js';
import { resumeStaleOperations } from './licensing/operations.js';
import { createLogger, type Logger } from './logger.js';
import { createSlackApp } from './slack/app.js';

/** A running bot: what tests and the CLI need to talk to it and stop it. */
export interface RunningApp {
  app: App;
  db: Database;
  deps: LicensingDeps;
  /** The HTTP port (HTTP mode), or the health port in Socket Mode. */
  port: number;
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 30_000;

/** Wires config → database → services → Slack app, and starts it. */
export async function startApp(config: Config, options: { logger?: Logger; dbName?: string } = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'learning-license-bot' });
  const db = await connectDatabase({ uri: config.mongodbUri, dataDir: config.dataDir, dbName: options.dbName });
  logger.info('database connected', { kind: db.kind, ...(db.kind === 'embedded' ? { dataDir: config.dataDir } : {}) });

  const deps: LicensingDeps = {
    store: withDatabaseErrors(createStore(db.connection)),
    adminStore: withDatabaseErrors(createAdminStore(db.connection)),
    changeRequests: withDatabaseErrors(createChangeRequestStore(db.connection)),
    configAdmins: config.admins,
    processId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    now: () => new Date(),
  };

  const app = createSlackApp(config, { licensing: deps, logger }, { isReady: () => db.isConnected() });
  let port = config.port;
  if (config.slack.socketMode) {
    await app.start();
  } else {
    const server = (await app.start(config.port)) as Server;
    port = (server.address() as AddressInfo).port;
  }
  logger.info('slack app started', { mode: config.slack.socketMode ? 'socket' : 'http', port });

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
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await app.stop().catch((error: unknown) => logger.warn('error while stopping the Slack app', { error }));
      await db.close();
      logger.info('stopped');
    },
  };
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
