import type { LearnerSnapshot, PushResult, PushTarget } from '../../licensing/sync/ports.js';
import { classifyAnswer, excerpt, HttpUnreachableError, httpRequest, unreachable } from '../http.js';
import { signWebhook } from './signature.js';

/**
 * The `webhook` sync target: every settled change of a learner becomes one signed JSON POST to the
 * customer's URL. The learner's whole state is sent (not a diff), and `<learnerId>:<version>` is
 * both the event id and the Idempotency-Key, so a redelivery is recognisable and harmless.
 */

/** The event type of a learner delivery. */
export const LEARNER_CHANGED_EVENT = 'learner.licenses.changed';
const USER_AGENT = 'learning-license-bot';
const DEFAULT_CONCURRENCY = 4;

/** The JSON body of one learner delivery. */
export interface LearnerChangedEvent {
  id: string;
  type: typeof LEARNER_CHANGED_EVENT;
  occurredAt: string;
  learner: {
    id: string;
    email: string;
    name: string;
    status: LearnerSnapshot['status'];
    groups: string[];
    licenseTypes: { key: string; platformName: string }[];
  };
  version: number;
}

/** The JSON body of `probe()`. */
export interface PingEvent {
  type: 'ping';
}

/** Where and how to deliver. */
export interface WebhookTargetOptions {
  /** The receiver's https URL (http only for local receivers). */
  url: string;
  /** The shared secret; two while rotating, so the receiver may check either. */
  secret: string | readonly string[];
  /** Requests in flight at once, per batch; 4 by default. */
  concurrency?: number;
  /** Deadline of one request; http.ts's default (15 s) when unset. */
  timeoutMs?: number;
  /** The clock for timestamps and `occurredAt`. */
  now?: () => Date;
}

/** A `PushTarget` that posts one signed `learner.licenses.changed` event per learner. */
export function createWebhookTarget(options: WebhookTargetOptions): PushTarget {
  const url = parseUrl(options.url);
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  if (secrets.length === 0 || secrets.some((secret) => secret.length === 0)) throw new Error('The webhook secret must not be empty.');
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('The webhook concurrency must be a whole number of at least 1.');
  const now = options.now ?? (() => new Date());
  const target = url.toString();

  async function post(event: LearnerChangedEvent | PingEvent, idempotencyKey?: string): Promise<PushResult> {
    const body = JSON.stringify(event);
    // Signed just before sending, so a request that waited for a free slot is not already stale.
    const timestamp = Math.floor(now().getTime() / 1000);
    try {
      const answer = await httpRequest(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          ...signWebhook(body, secrets, timestamp),
        },
        body,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      // 409 is how receivers say "already applied" to a redelivered event id (the idempotency
      // key): the receiver has this state, so it is not a refusal.
      if (answer.status === 409) return { kind: 'ok' };
      return classifyAnswer(answer, excerpt(answer.text));
    } catch (error) {
      if (error instanceof HttpUnreachableError) return unreachable(error);
      throw error;
    }
  }

  return {
    kind: 'webhook',
    describe: () => `signed webhooks to ${url.origin}${url.pathname}`,
    push: (batch) =>
      mapBounded(batch, concurrency, (learner) => {
        const event = learnerChangedEvent(learner, now());
        return post(event, event.id);
      }),
    probe: () => post({ type: 'ping' }),
  };
}

/** The event a receiver gets for one learner's state. */
export function learnerChangedEvent(learner: LearnerSnapshot, occurredAt: Date): LearnerChangedEvent {
  const id = `${learner.learnerId}:${learner.version}`;
  return {
    id,
    type: LEARNER_CHANGED_EVENT,
    occurredAt: occurredAt.toISOString(),
    learner: {
      id: learner.learnerId,
      email: learner.email,
      name: learner.name,
      status: learner.status,
      groups: [...learner.groups],
      // The snapshot keeps keys and platform names as parallel arrays; receivers get them paired.
      licenseTypes: learner.licenseTypes.map((key, index) => ({ key, platformName: learner.platformLicenses[index] ?? key })),
    },
    version: learner.version,
  };
}

function parseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('The webhook URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The webhook URL must start with https://.');
  return url;
}

// Results keep the batch's order whatever order the answers come back in.
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
