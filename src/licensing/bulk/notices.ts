import type { BulkDeps, BulkRequest } from './ports.js';

const NOTICE_LEASE_MS = 5 * 60_000;
const NOTICE_GRACE_MS = 60_000;

/**
 * Takes the right to post a job's completion notice. True once per job; true again only if the
 * claimer never marked it posted within `leaseMs` (it crashed while posting).
 */
export async function claimCompletionNotice(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  requestId: string,
  leaseMs = NOTICE_LEASE_MS,
): Promise<boolean> {
  return deps.bulk.claimCompletionNotice(requestId, deps.now(), leaseMs);
}

/** Records that the completion notice was posted (with its message ts, to update it later). */
export async function markCompletionNoticePosted(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  requestId: string,
  posted: { ts?: string; channel?: string } = {},
): Promise<void> {
  await deps.bulk.markCompletionNoticePosted(requestId, posted, deps.now());
}

/** Finished jobs of the last day whose completion notice was never posted (its poster crashed). */
export async function unnoticedBulkRequests(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  now: Date = deps.now(),
  leaseMs = NOTICE_LEASE_MS,
): Promise<BulkRequest[]> {
  const ids = await deps.bulk.unnoticedBulkRequestIds(
    {
      finishedAfter: new Date(now.getTime() - 24 * 3_600_000),
      // The run that finished the job posts its notice; the sweep only takes over when it did not.
      finishedBefore: new Date(now.getTime() - NOTICE_GRACE_MS),
      claimedBefore: new Date(now.getTime() - leaseMs),
    },
    50,
  );
  const requests = await Promise.all(ids.map((id) => deps.bulk.getBulkRequest(id)));
  return requests.filter((r): r is BulkRequest => r !== null);
}
