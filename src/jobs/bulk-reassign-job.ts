import type { Agenda, BackoffContext } from 'agenda';
import { z } from 'zod';
import { claimCompletionNotice, markCompletionNoticePosted, renewCompletionNoticeClaim } from '../licensing/bulk/notices.js';
import type { BulkDeps, BulkNotifier, BulkRequest, BulkSummary } from '../licensing/bulk/ports.js';
import { type BulkRunOptions, bulkFailures, runBulkJob } from '../licensing/bulk/runner.js';
import { isLicenseError } from '../licensing/errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { BULK_REASSIGN_JOB, isStopping } from './agenda.js';

/** What the bulk jobs need. */
export interface BulkJobServices {
  deps: BulkDeps;
  notifier: BulkNotifier;
  logger: Logger;
  /** Lock lifetime of the bulk job (defaults to the Agenda default). */
  lockLifetime?: number;
  runOptions?: BulkRunOptions;
  /** Bulk jobs one process runs at once. */
  concurrency?: number;
  /** How long a claim on a completion notice lives without being renewed (tests shorten it). */
  noticeLeaseMs?: number;
  /** Learners processed, for the throughput on `/metrics`. */
  metrics?: Metrics;
}

const bulkJobData = z.object({ requestId: z.string().regex(/^[0-9a-f]{24}$/i) });
export type BulkJobData = z.infer<typeof bulkJobData>;

/** Thrown between batches when the process is shutting down; the job is retried promptly. */
class JobInterrupted extends Error {
  constructor() {
    super('stopped at a batch boundary because the process is shutting down');
    this.name = 'JobInterrupted';
  }
}

/** Retries with growing delays; never for bad data or a request that is gone. */
function retryDelay(context: BackoffContext): number | null {
  if (context.error instanceof z.ZodError || isLicenseError(context.error, 'bulk_request_not_found')) return null;
  if (context.error.name === 'JobInterrupted') return context.attempt <= 20 ? 1_000 : null;
  if (context.attempt > 10) return null;
  return Math.min(5_000 * 2 ** (context.attempt - 1), 5 * 60_000);
}

/** Defines `licenses.bulkReassign`: runs one bulk request to its end, posting progress and one completion notice. */
export function defineBulkReassignJob(agenda: Agenda, services: BulkJobServices): void {
  agenda.define<BulkJobData>(
    BULK_REASSIGN_JOB,
    async (job) => {
      const { requestId } = bulkJobData.parse(job.attrs.data);
      const log = services.logger.child({ job: BULK_REASSIGN_JOB, requestId });
      let percent = 0;
      let touchedAt = 0;
      // The lock lifetime Agenda applies to this job (its definition's, else Agenda's default).
      const lockLifetime = agenda.definitions[BULK_REASSIGN_JOB]?.lockLifetime ?? agenda.attrs.defaultLockLifetime;
      // Progress counts are totals; the metric gets what this run added since the last report.
      const before = services.metrics?.enabled ? (await services.deps.bulk.getBulkRequest(requestId))?.progress : undefined;
      let reported = { done: before?.done ?? 0, skipped: before?.skipped ?? 0, failed: before?.failed ?? 0 };
      await runBulkJob(
        services.deps,
        requestId,
        {
          heartbeat: async () => {
            if (isStopping(agenda)) throw new JobInterrupted();
            // Renews the lock (and throws if Agenda already gave the job up: then another process
            // runs it) a few times per lock lifetime, not before every batch: a batch takes well
            // under a second, and each renewal is a write on the job's path. Two processes running
            // one job meanwhile is safe (every batch is an idempotent operation).
            if (Date.now() - touchedAt < lockLifetime / 5) return;
            touchedAt = Date.now();
            await job.touch(percent);
          },
          onProgress: async (counts, request) => {
            services.metrics?.bulkLearners('done', counts.done - reported.done);
            services.metrics?.bulkLearners('skipped', counts.skipped - reported.skipped);
            services.metrics?.bulkLearners('failed', counts.failed - reported.failed);
            reported = { done: counts.done, skipped: counts.skipped, failed: counts.failed };
            percent =
              counts.total > 0 ? Math.min(100, Math.floor(((counts.done + counts.skipped + counts.failed) / counts.total) * 100)) : 0;
            try {
              await services.notifier.progress(request, counts);
            } catch (error) {
              // Slack being down must not stop license changes; the next batch reports again.
              log.warn('could not report bulk progress', { error });
            }
          },
          onFinished: async (summary, request) => {
            log.info('bulk job finished', {
              status: summary.status,
              done: summary.done,
              skipped: summary.skipped,
              failed: summary.failed,
              ...(summary.failureCode ? { failureCode: summary.failureCode } : {}),
            });
            await postCompletionNotice(services, request, summary);
          },
        },
        services.runOptions,
      );
    },
    {
      ...(services.lockLifetime !== undefined ? { lockLifetime: services.lockLifetime } : {}),
      concurrency: services.concurrency ?? 2,
      backoff: retryDelay,
    },
  );
}

/**
 * Posts a job's completion notice unless it was already posted or is being posted elsewhere: the
 * claim is one conditional update, kept alive while this poster waits on Slack (its retries can
 * outlast any lease during an outage), and the post is recorded with its ts before anything else,
 * so two processes, a rerun or the sweep post it once.
 */
export async function postCompletionNotice(
  services: Pick<BulkJobServices, 'deps' | 'notifier' | 'logger' | 'noticeLeaseMs'>,
  request: BulkRequest,
  summary: BulkSummary,
): Promise<boolean> {
  const { deps, logger } = services;
  const claim = await claimCompletionNotice(deps, request.id, services.noticeLeaseMs);
  if (!claim) return false;
  let recorded = false;
  const keepAlive = setInterval(() => {
    renewCompletionNoticeClaim(deps, claim)
      .then((kept) => {
        if (!kept && !recorded)
          logger.warn('the claim on a completion notice lapsed while posting; another process may post it too', { requestId: request.id });
      })
      .catch((error: unknown) => logger.warn('could not renew the claim on a completion notice', { requestId: request.id, error }));
  }, claim.leaseMs / 3);
  keepAlive.unref();
  try {
    let posted: Awaited<ReturnType<BulkJobServices['notifier']['finished']>>;
    try {
      posted = await services.notifier.finished(request, summary, bulkFailures(deps, request.id));
    } catch (error) {
      // Left claimed but unposted: the sweep posts it once the claim lapses.
      logger.warn('could not post the bulk completion notice', { requestId: request.id, error });
      return false;
    }
    recorded = await recordPosted(services, request.id, {
      ...(posted?.ts ? { ts: posted.ts } : {}),
      ...(posted?.channel ? { channel: posted.channel } : {}),
    });
    clearInterval(keepAlive);
    // Unrecorded, the notice may be posted again by another process: its follow-up must not be doubled.
    if (!recorded) return true;
    await posted
      ?.followUp?.()
      .catch((error: unknown) =>
        logger.warn('could not finish the completion notice (failures CSV or the requester’s DM)', { requestId: request.id, error }),
      );
    return true;
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * Records a posted notice, trying again for about a minute: until it is recorded, the claim is
 * kept alive and nobody else posts; false when given up (the claim then lapses, so a second notice
 * is possible, and the error is logged).
 */
async function recordPosted(
  services: Pick<BulkJobServices, 'deps' | 'logger'>,
  requestId: string,
  posted: { ts?: string; channel?: string },
): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await markCompletionNoticePosted(services.deps, requestId, posted);
      return true;
    } catch (error) {
      if (attempt >= 6) {
        services.logger.error('posted a completion notice but could not record it', { requestId, error, ...posted });
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

/**
 * Schedules the job of an approved request now (or at `at`, a scheduled change). Idempotent:
 * Approve clicked twice schedules one job.
 */
export async function scheduleBulkJob(agenda: Agenda, requestId: string, at?: Date): Promise<void> {
  const job = agenda.create<BulkJobData>(BULK_REASSIGN_JOB, bulkJobData.parse({ requestId }));
  job.unique({ 'data.requestId': requestId }, { insertOnly: true });
  job.schedule(at && at.getTime() > Date.now() ? at : new Date());
  try {
    await job.save();
  } catch (error) {
    // Two saves raced: the unique index kept the first, which is the job we want.
    if (!isDuplicateKey(error)) throw error;
  }
}

/**
 * Makes a stalled request's job due again (its process died and the retries ran out, or it was
 * never scheduled). Safe even if it still ran: the runner is idempotent.
 */
export async function reviveBulkJob(agenda: Agenda, requestId: string): Promise<void> {
  const job = agenda.create<BulkJobData>(BULK_REASSIGN_JOB, bulkJobData.parse({ requestId }));
  job.unique({ 'data.requestId': requestId });
  job.schedule(new Date());
  try {
    await job.save();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}
