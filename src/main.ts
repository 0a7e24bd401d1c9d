import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { App } from '@slack/bolt';
import type { Agenda } from 'agenda';
import { type Config, ConfigError, loadConfig } from './config.js';
import { connectDatabase, type Database, DatabaseStartError, openRepositories } from './db/index.js';
import {
  createAgenda,
  createTimerScheduler,
  defineLicenseJobs,
  defineNoticeJobs,
  defineReclaimJobs,
  defineSyncJobs,
  defineTimerJobs,
  NOTICES_SEND_JOB,
  RECLAIM_SWEEP_JOB,
  RECLAIM_WEEKLY_JOB,
  runJobNow,
  SYNC_FILE_JOB,
  SYNC_PULL_JOB,
  SYNC_PUSH_JOB,
  type SyncAdapters,
  scheduleBulkJob,
  startAgenda,
  stopAgenda,
  syncJobName,
  timerSweep,
} from './jobs/index.js';
import type { AppServices } from './licensing/app-services.js';
import { createPacer } from './licensing/notices/pacer.js';
import { resumeStaleOperations } from './licensing/operations.js';
import type { ApprovalPolicy } from './licensing/policy/ports.js';
import type { PushRoundOptions } from './licensing/sync/worker.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics, noMetrics } from './metrics.js';
import { createPngChartRenderer } from './outbound/chart/png-chart-renderer.js';
import { createSyncAdapters, syncSettingsOf } from './outbound/index.js';
import { createNoticeClient, createSlackApp, healthHandler, metricsHandler } from './slack/app.js';
import type { SlackDeps } from './slack/deps.js';
import { createSlackApprovalNotifier } from './slack/notifiers/approval-notifier.js';
import { createSlackBulkNotifier } from './slack/notifiers/bulk-notifier.js';
import { createSlackNoticeSender } from './slack/notifiers/notice-sender.js';
import { createSlackReclaimNotifier } from './slack/notifiers/reclaim-notifier.js';
import { createSlackSyncNotifier } from './slack/notifiers/sync-notifier.js';

/** A running bot: what tests and the CLI need to talk to it and stop it. */
export interface RunningApp {
  app: App;
  db: Database;
  deps: AppServices;
  /** The adapters of SYNC_TARGET (none when sync is off). */
  syncAdapters: SyncAdapters;
  agenda: Agenda;
  /** The HTTP port (HTTP mode), or the health port in Socket Mode. */
  port: number;
  /** What `/metrics` serves (a no-op with METRICS=off). */
  metrics: Metrics;
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 30_000;
/** How often the notice queue is drained; a run sends until nothing is due (at the pace), so this is only the latency of a new notice. */
const NOTICE_EVERY = '5 seconds';

/** Wires config → database → services → Slack app, and starts it. */
export async function startApp(
  config: Config,
  options: {
    logger?: Logger;
    dbName?: string;
    lockLifetimeMs?: number;
    progressIntervalMs?: number;
    bulkBatchSize?: number;
    /** Knobs of the sync worker (tests shorten leases and probes). */
    syncOptions?: PushRoundOptions;
    /** How often overdue grants, warnings and approval deadlines are swept for (default 1 minute). */
    timerSweepEvery?: string;
    /** How often the notice queue is drained (default every 5 seconds) and the drain's knobs. */
    noticeEvery?: string;
    noticeDrain?: NonNullable<Parameters<typeof defineNoticeJobs>[1]['drainOptions']>;
    /** At most one App Home publish per person per this many ms (default 5,000). */
    homeWindowMs?: number;
  } = {},
): Promise<RunningApp> {
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'learning-license-bot' });
  const db = await connectDatabase({ uri: config.mongodbUri, dataDir: config.dataDir, dbName: options.dbName ?? config.mongodbDbName });
  logger.info('database connected', { kind: db.kind, ...(db.kind === 'embedded' ? { dataDir: config.dataDir } : {}) });
  const metrics = config.metrics ? createMetrics() : noMetrics;

  const syncAdapters = createSyncAdapters(config.sync);
  const deps: AppServices = {
    ...(await openRepositories(db.connection, {
      onDatabaseError: (unavailable) => metrics.databaseError(unavailable ? 'unavailable' : 'other'),
    })),
    sync: syncSettingsOf(config.sync, syncAdapters),
    syncChanges: config.sync.target !== 'none',
    configAdmins: config.admins,
    processId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    now: () => new Date(),
    configApprovers: config.approvers,
    bulkApprovalThreshold: config.bulkApprovalThreshold,
    approvalTtlHours: config.approvalTtlHours,
    learnerNotices: config.notices.learnerNotices,
    ...(options.bulkBatchSize ? { bulkBatchSize: options.bulkBatchSize } : {}),
    newRunId: () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    reclaimSettings: config.reclaim,
    seatPrices: config.reclaim.seatPrices,
    undoWindowDays: config.reclaim.undoWindowDays,
    approvalPolicy: approvalPolicyOf(config),
    ...(config.maxGrantDays !== undefined ? { maxGrantDays: config.maxGrantDays } : {}),
  };

  const nativeDb = db.connection.db;
  if (!nativeDb) throw new Error('the database connection has no native handle');
  const agenda = await createAgenda({
    db: nativeDb,
    processEvery: config.jobProcessEvery,
    ...(options.lockLifetimeMs ? { lockLifetime: options.lockLifetimeMs } : {}),
    name: deps.processId,
    logger: logger.child({ component: 'agenda' }),
    metrics,
  });
  // Services schedule their timers (grant ends and warnings, approval reminders and deadlines) on Agenda.
  deps.timers = createTimerScheduler(agenda);
  metrics.setSources(metricSources(deps));

  const health = { isReady: () => db.isConnected() };
  const slackInput: Omit<SlackDeps, 'homes' | 'people'> = {
    services: deps,
    scheduleBulkJob: (requestId, at) => scheduleBulkJob(agenda, requestId, at),
    ...(config.approvalChannelId ? { approvalChannelId: config.approvalChannelId } : {}),
    ...((config.requestsChannelId ?? config.approvalChannelId)
      ? { requestsChannelId: config.requestsChannelId ?? config.approvalChannelId }
      : {}),
    sync: {
      runNow: async () => {
        const name = syncJobName(syncAdapters);
        if (name) await runJobNow(agenda, name);
      },
      ...(syncAdapters.directory ? { directory: syncAdapters.directory } : {}),
    },
    runReclaimSweep: () => runJobNow(agenda, RECLAIM_SWEEP_JOB),
    botToken: config.slack.botToken,
    apiUrl: config.slack.apiUrl,
    chart: createPngChartRenderer(),
    logger,
  };
  const slack = createSlackApp(
    config,
    { ...slackInput, ...(options.homeWindowMs !== undefined ? { homeWindowMs: options.homeWindowMs } : {}) },
    health,
    metrics,
  );
  const { app, homes } = slack;
  const notifier = createSlackBulkNotifier({
    client: app.client,
    deps,
    logger: logger.child({ component: 'bulk-notifier' }),
    ...(options.progressIntervalMs !== undefined ? { minIntervalMs: options.progressIntervalMs } : {}),
    syncEnabled: config.sync.target !== 'none',
    undoWindowDays: config.reclaim.undoWindowDays,
    homes,
  });
  defineLicenseJobs(agenda, {
    deps,
    notifier,
    metrics,
    logger: logger.child({ component: 'jobs' }),
    ...(options.lockLifetimeMs ? { lockLifetime: options.lockLifetimeMs } : {}),
  });
  defineReclaimJobs(agenda, {
    deps,
    notifier: createSlackReclaimNotifier({
      client: app.client,
      slack: slack.deps,
      ...(config.reclaim.reportChannelId ? { reportChannelId: config.reclaim.reportChannelId } : {}),
    }),
    logger: logger.child({ component: 'reclaim' }),
  });
  defineSyncJobs(agenda, {
    deps,
    adapters: syncAdapters,
    notifier: createSlackSyncNotifier({ client: app.client, deps, logger: logger.child({ component: 'sync-notifier' }) }),
    bulkNotifier: notifier,
    logger: logger.child({ component: 'sync' }),
    ...(options.syncOptions ? { pushOptions: options.syncOptions } : {}),
  });
  defineTimerJobs(agenda, {
    deps,
    approvalNotifier: createSlackApprovalNotifier({ client: app.client, deps, logger: logger.child({ component: 'approval-notifier' }) }),
    bulkNotifier: notifier,
    homes,
    logger: logger.child({ component: 'timers' }),
  });
  defineNoticeJobs(agenda, {
    deps,
    sender: createSlackNoticeSender({
      client: createNoticeClient(config, logger),
      identities: deps.identities,
      store: deps.store,
      now: deps.now,
      logger: logger.child({ component: 'notices' }),
    }),
    pacer: createPacer(config.notices.perMinute),
    bulkNotifier: notifier,
    logger: logger.child({ component: 'notices' }),
    ...(options.noticeDrain ? { drainOptions: options.noticeDrain } : {}),
  });
  let port = config.port;
  let healthServer: HttpServer | undefined;
  try {
    if (config.slack.socketMode) {
      // Bolt's Socket Mode health server crashes the process on a busy port and hides the port it
      // picked; ours fails start-up with a clear error and reports the real port.
      healthServer = await listenForOperators(config.port, {
        '/healthz': healthHandler(health),
        ...(metrics.enabled ? { '/metrics': metricsHandler(metrics, logger) } : {}),
      });
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
  await startAgenda(agenda, {
    recurring: {
      ...recurringSyncJobs(config, syncAdapters),
      ...timerSweep(options.timerSweepEvery),
      [RECLAIM_SWEEP_JOB]: '1 minute',
      ...(config.reclaim.reportChannelId ? { [RECLAIM_WEEKLY_JOB]: '1 week' } : {}),
      [NOTICES_SEND_JOB]: options.noticeEvery ?? NOTICE_EVERY,
    },
  });

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
    syncAdapters,
    agenda,
    port,
    metrics,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      // Running bulk jobs stop at a batch boundary; another process (or the next start) resumes them.
      await stopAgenda(agenda).catch((error: unknown) => logger.warn('error while draining jobs', { error }));
      await notifier.flush().catch(() => undefined);
      await homes.flush().catch(() => undefined);
      await app.stop().catch((error: unknown) => logger.warn('error while stopping the Slack app', { error }));
      if (healthServer) await new Promise<void>((resolve) => healthServer.close(() => resolve()));
      await db.close();
      logger.info('stopped');
    },
  };
}

/** The approval policy of the config, as the licensing services take it. */
function approvalPolicyOf(config: Config): ApprovalPolicy {
  const { escalateTo, quorum } = config.approvalPolicy;
  return {
    ...(escalateTo
      ? { escalateTo: 'channelId' in escalateTo ? { channelId: escalateTo.channelId } : { users: [...escalateTo.users] } }
      : {}),
    ...(quorum ? { quorum: { ...quorum } } : {}),
  };
}

/** The recurring sync jobs of SYNC_TARGET and their intervals. */
function recurringSyncJobs(config: Config, adapters: SyncAdapters): Record<string, string> {
  const sync = config.sync;
  if (sync.target === 'none') return {};
  return {
    ...(adapters.push ? { [SYNC_PUSH_JOB]: sync.every } : {}),
    ...(adapters.file ? { [SYNC_FILE_JOB]: sync.every } : {}),
    ...(adapters.directory && sync.target === 'scim' && sync.scim.pullEvery ? { [SYNC_PULL_JOB]: sync.scim.pullEvery } : {}),
  };
}

/** Serves `GET /healthz` (and `GET /metrics`) on `port` (Socket Mode); rejects when the port cannot be used. */
function listenForOperators(
  port: number,
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>,
): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const handler = req.method === 'GET' ? routes[req.url?.split('?')[0] ?? ''] : undefined;
    if (handler) return handler(req, res);
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot serve /healthz on port ${port}: ${error.message}`)));
    server.listen(port, () => resolve(server));
  });
}

/**
 * A stray promise rejection is one request's failure, not the bot's: it is logged and the bot keeps
 * serving. An uncaught exception leaves the process in an unknown state: it is logged once and the
 * process exits 1, for whatever runs it (systemd, Docker, Kubernetes) to restart it.
 */
export function installCrashHandlers(
  proc: { on(event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void): unknown },
  logger: Logger,
  exit: (code: number) => void,
): void {
  proc.on('unhandledRejection', (error) => logger.error('unhandled promise rejection; the bot keeps running', { error }));
  let crashed = false;
  proc.on('uncaughtException', (error) => {
    if (crashed) return;
    crashed = true;
    logger.error('crashed; exiting so the supervisor restarts the bot', { error });
    exit(1);
  });
}

/** What the `/metrics` gauges read: pending approvals, and the sync outbox when sync is on. */
function metricSources(deps: AppServices) {
  const ageSeconds = (since: Date | undefined) => (since ? Math.max(0, (deps.now().getTime() - since.getTime()) / 1000) : 0);
  return {
    async pendingApprovals() {
      const pending = await deps.bulk.listPendingBulkRequests(deps.now(), 1_000);
      const oldest = pending.reduce<Date | undefined>((at, request) => (!at || request.createdAt < at ? request.createdAt : at), undefined);
      return { count: pending.length, oldestAgeSeconds: ageSeconds(oldest) };
    },
    ...(deps.syncChanges
      ? {
          async syncOutbox() {
            const counts = await deps.syncStates.counts();
            return { pending: counts.pending, dead: counts.dead, oldestPendingAgeSeconds: ageSeconds(counts.oldestPendingSince) };
          },
        }
      : {}),
  };
}

/**
 * Process settings of a long-running bot, applied by `serve` (and by the bench's app processes,
 * which measure what `serve` runs). V8 lets the heap grow to about four times what is live before
 * collecting it fully; the bot's memory is bounded by a batch, so a heap allowed to double is
 * plenty, and the process's resident memory stays about the same for a job of 10,000 learners
 * and one of 100,000 (a few percent more GC time).
 */
export function tuneProcessForServing(): void {
  setFlagsFromString('--heap-growing-percent=100');
}

/** `license-bot serve`: loads .env and the config, starts the bot, stops cleanly on SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  tuneProcessForServing();
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
  installCrashHandlers(process, logger, (code) => process.exit(code));
  // The signal handlers come before the start: a SIGTERM while the bot is still starting (an
  // orchestrator scaling down, a deploy) stops it cleanly once started instead of killing it.
  let running: RunningApp | undefined;
  let stopping: string | undefined;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = signal;
    logger.info('shutting down', { signal });
    if (!running) return; // the start below stops it when it is done
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    running = await startApp(config, { logger });
  } catch (error) {
    // A database that cannot be had is the operator's to fix: one sentence, no stack trace.
    if (error instanceof DatabaseStartError) process.stderr.write(`${error.message}\n`);
    else logger.error('could not start', { error });
    process.exit(1);
  }
  if (stopping) {
    await running.stop();
    process.exit(0);
  }
}
