import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics (prom-client), served on `GET /metrics` unless METRICS=off. Labels are kinds,
 * Slack method names, job names and outcomes only: never a learner, a user, a channel or a text.
 */
export type SlackRequestKind = 'command' | 'action' | 'view' | 'options' | 'event' | 'other';

/** What the gauges read when Prometheus scrapes (through the domain's services, set by main.ts). */
export interface MetricSources {
  /** Bulk changes waiting for a lead's approval, and the age of the oldest (seconds). */
  pendingApprovals(): Promise<{ count: number; oldestAgeSeconds: number }>;
  /** The sync outbox (absent when sync is off): entries waiting and the age of the oldest (seconds). */
  syncOutbox?(): Promise<{ pending: number; dead: number; oldestPendingAgeSeconds: number }>;
}

export interface Metrics {
  readonly enabled: boolean;
  /** A Slack request from arrival in the app to the end of its listener's work. */
  observeRequest(kind: SlackRequestKind, seconds: number, outcome: 'ok' | 'error'): void;
  /** A Slack request from arrival to the listener's `ack()`. */
  observeAck(kind: SlackRequestKind, seconds: number): void;
  /** One HTTP call to the Slack Web API (retries count again); `status` 429 is a rate limit. */
  slackApiCall(method: string, status: number): void;
  /** One run of an Agenda job, and how it ended. */
  observeJob(job: string, outcome: 'succeeded' | 'failed', seconds: number): void;
  /** Learners a bulk job has been through, by what happened to them (rate() of it is the throughput). */
  bulkLearners(outcome: 'done' | 'skipped' | 'failed', count: number): void;
  /** A database command that failed: `unavailable` (cannot reach it) or `other`. */
  databaseError(kind: 'unavailable' | 'other'): void;
  /** Where the gauges read from; set once the services exist. */
  setSources(sources: MetricSources): void;
  /** The exposition: content type and text. */
  render(): Promise<{ contentType: string; body: string }>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10];

/** Metrics on a registry of their own (several apps may run in one process, as in the tests). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'license_bot_' });
  let sources: MetricSources | undefined;

  const requests = new Histogram({
    name: 'license_bot_slack_request_duration_seconds',
    help: 'Slack requests (commands, actions, view submissions, options loads) from arrival to the end of their work',
    labelNames: ['kind', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const acks = new Histogram({
    name: 'license_bot_slack_ack_duration_seconds',
    help: 'Slack requests from arrival to ack() (Slack gives up after 3 s)',
    labelNames: ['kind'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: 'license_bot_slack_api_calls_total',
    help: 'HTTP calls to the Slack Web API by method and status class (retries included)',
    labelNames: ['method', 'status'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'license_bot_slack_api_rate_limited_total',
    help: 'Slack Web API calls answered 429 (retried after Retry-After), by method',
    labelNames: ['method'],
    registers: [registry],
  });
  const jobs = new Histogram({
    name: 'license_bot_job_duration_seconds',
    help: 'Runs of background jobs by job name and outcome (count by outcome = jobs by state)',
    labelNames: ['job', 'outcome'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const learners = new Counter({
    name: 'license_bot_bulk_learners_total',
    help: 'Learners bulk jobs went through, by outcome; its rate is the bulk throughput',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const dbErrors = new Counter({
    name: 'license_bot_database_errors_total',
    help: 'Database commands that failed: unavailable (no connection) or other',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'license_bot_approvals_pending',
    help: 'Bulk changes waiting for a team lead',
    registers: [registry],
    async collect() {
      const read = await sources?.pendingApprovals().catch(() => undefined);
      this.set(read?.count ?? 0);
      approvalAge.set(read?.oldestAgeSeconds ?? 0);
    },
  });
  const approvalAge = new Gauge({
    name: 'license_bot_approvals_oldest_pending_age_seconds',
    help: 'Age of the oldest bulk change waiting for a team lead (0 when none)',
    registers: [registry],
  });
  const outboxAge = new Gauge({
    name: 'license_bot_sync_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest change waiting to reach the learning platform (0 when none)',
    registers: [registry],
  });
  const outboxDead = new Gauge({
    name: 'license_bot_sync_outbox_dead',
    help: 'Changes the learning platform refused (dead letters)',
    registers: [registry],
  });
  new Gauge({
    name: 'license_bot_sync_outbox_pending',
    help: 'Changes waiting to reach the learning platform (absent when sync is off)',
    registers: [registry],
    async collect() {
      const read = await sources?.syncOutbox?.().catch(() => undefined);
      this.set(read?.pending ?? 0);
      outboxAge.set(read?.oldestPendingAgeSeconds ?? 0);
      outboxDead.set(read?.dead ?? 0);
    },
  });

  return {
    enabled: true,
    observeRequest: (kind, seconds, outcome) => requests.observe({ kind, outcome }, seconds),
    observeAck: (kind, seconds) => acks.observe({ kind }, seconds),
    slackApiCall(method, status) {
      apiCalls.inc({ method, status: status === 429 ? '429' : `${Math.floor(status / 100)}xx` });
      if (status === 429) rateLimited.inc({ method });
    },
    observeJob: (job, outcome, seconds) => jobs.observe({ job, outcome }, seconds),
    bulkLearners(outcome, count) {
      if (count > 0) learners.inc({ outcome }, count);
    },
    databaseError: (kind) => dbErrors.inc({ kind }),
    setSources(next) {
      sources = next;
      // Without sync there is no outbox: its gauges are not exported rather than shown as 0.
      if (!next.syncOutbox) {
        for (const name of [
          'license_bot_sync_outbox_pending',
          'license_bot_sync_outbox_oldest_pending_age_seconds',
          'license_bot_sync_outbox_dead',
        ])
          registry.removeSingleMetric(name);
      }
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** METRICS=off: every observation is dropped and nothing is served. */
export const noMetrics: Metrics = {
  enabled: false,
  observeRequest: () => undefined,
  observeAck: () => undefined,
  slackApiCall: () => undefined,
  observeJob: () => undefined,
  bulkLearners: () => undefined,
  databaseError: () => undefined,
  setSources: () => undefined,
  async render() {
    return { contentType: 'text/plain', body: '' };
  },
};
