import { randomBytes } from 'node:crypto';
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import { type Logger, withLogContext } from '../../logger.js';
import type { Metrics, SlackRequestKind } from '../../metrics.js';

/** When the app received the request (performance.now()), kept on Bolt's per-request context. */
const RECEIVED_AT = 'receivedAt';

function kindOf(args: AnyMiddlewareArgs): SlackRequestKind {
  if ('command' in args) return 'command';
  if ('options' in args) return 'options';
  if ('view' in args) return 'view';
  if ('action' in args) return 'action';
  if ('event' in args) return 'event';
  return 'other';
}

/**
 * The first global middleware: gives every Slack request an id that each log line written while it
 * is handled carries (with its kind), and times it for `/metrics`. It re-throws what the listeners
 * throw, so Bolt's error handler still sees it.
 */
export function requestContext(metrics: Metrics, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const kind = kindOf(args);
    const started = performance.now();
    args.context[RECEIVED_AT] = started;
    const retry = args.context.retryNum;
    const fields = { requestId: randomBytes(6).toString('hex'), kind, ...(typeof retry === 'number' ? { slackRetry: retry } : {}) };
    await withLogContext(fields, async () => {
      let outcome: 'ok' | 'error' = 'ok';
      try {
        await args.next();
      } catch (error) {
        outcome = 'error';
        throw error;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        metrics.observeRequest(kind, seconds, outcome);
        logger.debug('slack request handled', { ms: Math.round(seconds * 1000), outcome });
      }
    });
  };
}

type Registrar = 'command' | 'action' | 'view' | 'options';
const KIND: Record<Registrar, SlackRequestKind> = { command: 'command', action: 'action', view: 'view', options: 'options' };

/**
 * The app as the listener folders see it: every handler they register gets an `ack` that records
 * how long after the request's arrival it was called (Slack's 3-second budget, in `/metrics`).
 */
export function timingAcks(app: App, metrics: Metrics): App {
  if (!metrics.enabled) return app;
  return new Proxy(app, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !(property in KIND)) return value;
      const kind = KIND[property as Registrar];
      return (...registration: unknown[]) => {
        const handler = registration.pop() as (args: Record<string, unknown>) => Promise<void>;
        const timed = (args: Record<string, unknown> & { ack: (...a: unknown[]) => Promise<void>; context: Record<string, unknown> }) => {
          const receivedAt = typeof args.context[RECEIVED_AT] === 'number' ? (args.context[RECEIVED_AT] as number) : performance.now();
          let acked = false;
          const ack = async (...ackArgs: unknown[]) => {
            if (!acked) {
              acked = true;
              metrics.observeAck(kind, (performance.now() - receivedAt) / 1000);
            }
            return args.ack(...ackArgs);
          };
          return handler({ ...args, ack });
        };
        return (value as (...a: unknown[]) => unknown).call(target, ...registration, timed);
      };
    },
  });
}

/** The fetch the Web API clients use, counting each call (and each 429) by method. */
export function countingFetch(metrics: Metrics, fetchFn: typeof fetch = fetch): typeof fetch {
  if (!metrics.enabled) return fetchFn;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // The method is the last path segment (…/api/chat.postMessage); anything else is not a method name.
    const method = /\/([a-zA-Z]+(?:\.[a-zA-Z]+)+)\/?(?:\?.*)?$/.exec(url)?.[1] ?? 'other';
    try {
      const response = await fetchFn(input, init);
      metrics.slackApiCall(method, response.status);
      return response;
    } catch (error) {
      metrics.slackApiCall(method, 0);
      throw error;
    }
  };
}
