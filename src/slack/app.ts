import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { SlackDeps } from './deps.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as functions from './listeners/functions/index.js';
import * as options from './listeners/options/index.js';
import * as views from './listeners/views/index.js';
import { createHomePublisher, type HomePublisher } from './support/home-publisher.js';
import { countingFetch, requestContext, timingAcks } from './support/instrumentation.js';
import { createSlackPeople } from './support/people.js';
import { guardSlackRequests } from './support/request-guard.js';

/** Every listener folder; each exports `register(app, deps)`. */
const modules = [commands, options, actions, views, events, functions];

/** Adapts our structured logger to the interface Bolt expects. */
function boltLogger(logger: Logger): BoltLogger {
  const join = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msg) => logger.debug(join(msg), { source: 'bolt' }),
    info: (...msg) => logger.info(join(msg), { source: 'bolt' }),
    warn: (...msg) => logger.warn(join(msg), { source: 'bolt' }),
    error: (...msg) => logger.error(join(msg), { source: 'bolt' }),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** `GET /healthz`: 200 once the database is connected, 503 otherwise. */
export function healthHandler(health: { isReady(): boolean }) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const ready = health.isReady();
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: ready, database: ready ? 'connected' : 'unavailable' }));
  };
}

/** What the Slack side hands back to the composition root. */
export interface SlackSurface {
  app: App;
  /** App Home refreshes, for the notifiers the jobs use. */
  homes: HomePublisher;
  /** What the listeners were given, for notifiers that post the same messages (reclaim rounds). */
  deps: SlackDeps;
}

/** `GET /metrics`: the Prometheus exposition (served only when METRICS is on). */
export function metricsHandler(metrics: Metrics, logger: Logger) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    metrics.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      },
      (error: unknown) => {
        logger.warn('could not render metrics', { error });
        res.writeHead(500).end();
      },
    );
  };
}

/**
 * The Bolt app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT (`POST /slack/events`,
 * plus `GET /healthz` and, with METRICS on, `GET /metrics`). In Socket Mode the composition root
 * serves those two itself.
 */
export function createSlackApp(
  config: Config,
  input: Omit<SlackDeps, 'homes' | 'people'> & { homeWindowMs?: number },
  health: { isReady(): boolean },
  metrics: Metrics = noMetrics,
): SlackSurface {
  const { homeWindowMs, ...rest } = input;
  const logger = boltLogger(rest.logger.child({ component: 'bolt' }));
  const logLevel = config.logLevel === 'debug' ? LogLevel.DEBUG : LogLevel.INFO;
  const app = new App({
    token: config.slack.botToken,
    logger,
    logLevel,
    clientOptions: { slackApiUrl: config.slack.apiUrl, fetch: countingFetch(metrics) },
    ...(config.slack.socketMode
      ? { socketMode: true, appToken: config.slack.appToken }
      : { receiver: httpReceiver(config, rest, health, logger, metrics) }),
  });
  app.use(requestContext(metrics, rest.logger.child({ component: 'slack' })));
  const people = createSlackPeople(app.client, rest.services.identities, rest.services.now);
  const homes = createHomePublisher({
    client: app.client,
    deps: rest.services,
    people,
    logger: rest.logger.child({ component: 'app-home' }),
    ...(homeWindowMs !== undefined ? { windowMs: homeWindowMs } : {}),
  });
  const deps: SlackDeps = { ...rest, homes, people };
  const registered = timingAcks(app, metrics);
  for (const module of modules) module.register(registered, deps);
  app.error(async (error) => {
    deps.logger.error('unhandled error in a Slack listener', { error: error.original ?? error, code: error.code });
  });
  return { app, homes, deps };
}

/**
 * The Web API client of the notice queue: it neither waits out a 429 nor retries by itself, so
 * every Retry-After reaches the queue's pacer, which holds back all of its calls.
 */
export function createNoticeClient(config: Config, logger: Logger): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger.child({ component: 'notice-client' })),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
  });
}

const EVENTS_PATH = '/slack/events';

/** HTTP mode: `POST /slack/events` behind the request guard, and `GET /healthz`. */
function httpReceiver(
  config: Config,
  deps: Pick<SlackDeps, 'logger'>,
  health: { isReady(): boolean },
  logger: BoltLogger,
  metrics: Metrics,
): HTTPReceiver {
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret,
    endpoints: EVENTS_PATH,
    logger,
    customRoutes: [
      { path: '/healthz', method: ['GET'], handler: healthHandler(health) },
      ...(metrics.enabled ? [{ path: '/metrics', method: ['GET'], handler: metricsHandler(metrics, deps.logger) }] : []),
    ],
  });
  guardSlackRequests(receiver, {
    signingSecret: config.slack.signingSecret,
    path: EVENTS_PATH,
    logger: deps.logger.child({ component: 'request-guard' }),
  });
  return receiver;
}
