import type { Agenda } from 'agenda';
import { expireBulkRequests } from '../licensing/bulk/decisions.js';
import { unnoticedBulkRequests } from '../licensing/bulk/notices.js';
import { bulkProgressCounts, stalledBulkRequestIds } from '../licensing/bulk/runner.js';
import { EXPIRE_REQUESTS_JOB } from './agenda.js';
import { type BulkJobServices, postCompletionNotice, reviveBulkJob } from './bulk-reassign-job.js';

/** A job with no progress for this long has lost its process (batches take about a second). */
const DEFAULT_STALL_MS = 10 * 60_000;

export interface SweepResult {
  expired: number;
  noticesPosted: number;
  revived: number;
}

/**
 * The periodic sweep: expires overdue approval requests (telling the channel), posts completion
 * notices whose poster crashed, and makes stalled jobs due again.
 */
export async function sweepBulkRequests(
  agenda: Agenda,
  services: Pick<BulkJobServices, 'deps' | 'notifier' | 'logger' | 'noticeLeaseMs'> & { stallMs?: number },
  now: Date = services.deps.now(),
): Promise<SweepResult> {
  const { deps, notifier, logger } = services;
  const expired = await expireBulkRequests(deps, now);
  for (const request of expired) {
    try {
      await notifier.expired(request);
    } catch (error) {
      logger.warn('could not post the expiry notice', { requestId: request.id, error });
    }
  }

  let noticesPosted = 0;
  for (const request of await unnoticedBulkRequests(deps, now, services.noticeLeaseMs)) {
    const summary = { requestId: request.id, status: request.status, ...bulkProgressCounts(request) };
    if (await postCompletionNotice(services, request, { ...summary, ...(request.finishedAt ? { finishedAt: request.finishedAt } : {}) }))
      noticesPosted += 1;
  }

  const stalled = await stalledBulkRequestIds(deps, services.stallMs ?? DEFAULT_STALL_MS, now);
  for (const id of stalled) await reviveBulkJob(agenda, id);
  if (stalled.length) logger.warn('revived stalled bulk jobs', { requestIds: stalled });
  return { expired: expired.length, noticesPosted, revived: stalled.length };
}

/** Defines `licenses.expireRequests`, the sweep `startAgenda` runs every few minutes. */
export function defineExpireRequestsJob(
  agenda: Agenda,
  services: Pick<BulkJobServices, 'deps' | 'notifier' | 'logger'> & { stallMs?: number },
): void {
  agenda.define(EXPIRE_REQUESTS_JOB, async () => {
    await sweepBulkRequests(agenda, services);
  });
}
