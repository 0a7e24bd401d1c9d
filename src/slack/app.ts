import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { SlackDeps } from './deps.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as options from './listeners/options/index.js';
import * as views from './listeners/views/index.js';
import { countingFetch, requestContext, timingAcks } from './support/instrumentation.js';

/** Every listener folder; each exports `register(app, deps)`. */
const modules = [commands, options, actions, views];

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
export function createSlackApp(config: Config, deps: SlackDeps, health: { isReady(): boolean }, metrics: Metrics = noMetrics): App {
  const routes = [
    { path: '/healthz', method: ['GET'], handler: healthHandler(health) },
    ...(metrics.enabled ? [{ path: '/metrics', method: ['GET'], handler: metricsHandler(metrics, deps.logger) }] : []),
  ];
  const app = new App({
    token: config.slack.botToken,
    signingSecret: config.slack.signingSecret,
    logger: boltLogger(deps.logger.child({ component: 'bolt' })),
    logLevel: config.logLevel === 'debug' ? LogLevel.DEBUG : LogLevel.INFO,
    clientOptions: { slackApiUrl: config.slack.apiUrl, fetch: countingFetch(metrics) },
    ...(config.slack.socketMode ? { socketMode: true, appToken: config.slack.appToken } : { customRoutes: routes }),
  });
  app.use(requestContext(metrics, deps.logger.child({ component: 'slack' })));
  const registered = timingAcks(app, metrics);
  for (const module of modules) module.register(registered, deps);
  app.error(async (error) => {
    deps.logger.error('unhandled error in a Slack listener', { error: error.original ?? error, code: error.code });
  });
  return app;
}
