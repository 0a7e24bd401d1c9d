import { type Db, MongoBackend } from '@agendajs/mongo-backend';
import { Agenda, InMemoryNotificationChannel, type Job } from 'agenda';
import { type Logger, withLogContext } from '../logger.js';
import { type Metrics, noMetrics } from '../metrics.js';

export interface AgendaSettings {
  /** The native database of the app's connection (`connection.db`): jobs live beside the data. */
  db: Db;
  /** How often to look for due jobs (JOB_PROCESS_EVERY). */
  processEvery?: string | number;
  /**
   * How long a job stays locked without a `touch()`. Bulk jobs touch after every batch, so this
   * can be short, and a killed process's job is picked up by another one soon after.
   */
  lockLifetime?: number;
  /** Names this process in the job documents (lastModifiedBy). */
  name?: string;
  logger: Logger;
  /** Job runs by name and outcome, with their duration (`/metrics`). */
  metrics?: Metrics;
}

export const JOBS_COLLECTION = 'agendaJobs';
/** Job names, `namespace.verb`. */
export const BULK_REASSIGN_JOB = 'licenses.bulkReassign';
export const EXPIRE_REQUESTS_JOB = 'licenses.expireRequests';
export const SYNC_PUSH_JOB = 'sync.push';
export const SYNC_FILE_JOB = 'sync.deliverFile';
export const SYNC_PULL_JOB = 'sync.pull';
export const RECLAIM_SWEEP_JOB = 'reclaim.sweep';
export const RECLAIM_WEEKLY_JOB = 'reclaim.weeklySummary';
export const NOTICES_SEND_JOB = 'notices.send';
export const DEFAULT_LOCK_LIFETIME_MS = 45_000;

const stopping = new WeakSet<Agenda>();

/** Creates Agenda over MongoDB with its error events logged; define jobs, then `startAgenda`. */
export async function createAgenda(settings: AgendaSettings): Promise<Agenda> {
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: settings.db, collection: JOBS_COLLECTION }),
    ...(settings.processEvery !== undefined ? { processEvery: intervalMs(settings.processEvery) } : {}),
    defaultLockLifetime: settings.lockLifetime ?? DEFAULT_LOCK_LIFETIME_MS,
    ...(settings.name ? { name: settings.name } : {}),
    // A job this process schedules (Approve) starts at once instead of at the next poll;
    // jobs scheduled elsewhere are still found by polling every `processEvery`.
    notificationChannel: new InMemoryNotificationChannel(),
  });
  // Every job runs with its name and id on each log line it writes (whatever logger it was given).
  const define = agenda.define.bind(agenda);
  agenda.define = ((name: string, processor: (job: Job) => Promise<void>, options?: unknown) =>
    define(
      name,
      (job: Job) => withLogContext({ job: name, jobId: String(job.attrs._id ?? '') }, () => processor(job)),
      options as never,
    )) as typeof agenda.define;
  // Without a listener an 'error' event would crash the process (EventEmitter semantics).
  agenda.on('error', (error) => settings.logger.error('agenda error', { error }));
  const metrics = settings.metrics ?? noMetrics;
  const secondsSinceStart = (job: Job) => (job.attrs.lastRunAt ? (Date.now() - job.attrs.lastRunAt.getTime()) / 1000 : 0);
  agenda.on('fail', (error, job) => {
    if (isRemote(job)) return;
    metrics.observeJob(job.attrs.name, 'failed', secondsSinceStart(job));
    settings.logger.warn('job failed', { job: job.attrs.name, jobId: String(job.attrs._id ?? ''), data: job.attrs.data, error });
  });
  agenda.on('success', (job) => {
    if (!isRemote(job)) metrics.observeJob(job.attrs.name, 'succeeded', secondsSinceStart(job));
  });
  await agenda.ready;
  // Backs the unique() upsert of bulk jobs and makes a double Approve schedule one job even
  // when two processes save at the same moment.
  await settings.db
    .collection(JOBS_COLLECTION)
    .createIndex(
      { name: 1, 'data.requestId': 1 },
      { name: 'bulk_job_per_request', unique: true, partialFilterExpression: { name: BULK_REASSIGN_JOB } },
    );
  // The same for timers (grant ends and warnings, approval reminders and deadlines): one job per
  // kind and key, whichever process schedules it.
  await settings.db
    .collection(JOBS_COLLECTION)
    .createIndex(
      { name: 1, 'data.key': 1 },
      { name: 'timer_job_per_key', unique: true, partialFilterExpression: { 'data.key': { $exists: true } } },
    );
  return agenda;
}

/**
 * Agenda's parser (human-interval 2) reads "200 milliseconds" as 200,000 ms, so millisecond
 * intervals are converted here; every other form goes to Agenda as written.
 */
export function intervalMs(interval: string | number): string | number {
  if (typeof interval === 'number') return interval;
  const ms = /^\s*(\d+(?:\.\d+)?)\s*(?:ms|msecs?|milliseconds?)\s*$/i.exec(interval);
  return ms ? Number(ms[1]) : interval;
}

function isRemote(job: unknown): boolean {
  return typeof job === 'object' && job !== null && !('attrs' in job);
}

/**
 * Starts processing and schedules the recurring jobs: the sweep (`expireEvery: null` skips it, for
 * tests and workers) and each recurring job given in `recurring` (job name → interval).
 */
export async function startAgenda(
  agenda: Agenda,
  options: { expireEvery?: string | null; recurring?: Record<string, string> } = {},
): Promise<void> {
  await agenda.start();
  const every = options.expireEvery === undefined ? '3 minutes' : options.expireEvery;
  if (every) await agenda.every(intervalMs(every), EXPIRE_REQUESTS_JOB);
  for (const [name, interval] of Object.entries(options.recurring ?? {})) await agenda.every(intervalMs(interval), name);
}

/** Runs a defined job as soon as possible (once, whatever the clicks: a due job is not queued twice). */
export async function runJobNow(agenda: Agenda, name: string): Promise<void> {
  await agenda.now(name);
}

/**
 * Graceful stop: running bulk jobs stop at their next batch boundary (their checkpoint is saved,
 * another process or the next start resumes them), then Agenda drains.
 */
export async function stopAgenda(agenda: Agenda, timeoutMs = 30_000): Promise<{ timedOut: boolean; running: number }> {
  stopping.add(agenda);
  const result = await agenda.drain(timeoutMs);
  return { timedOut: result.timedOut, running: result.running };
}

/** True once `stopAgenda` was called: long jobs check it between steps. */
export function isStopping(agenda: Agenda): boolean {
  return stopping.has(agenda);
}
