import { randomBytes } from 'node:crypto';
import type { BulkDeps, BulkRequest } from './ports.js';

const NOTICE_LEASE_MS = 5 * 60_000;
const NOTICE_GRACE_MS = 60_000;

/** The right to post one job's completion notice, held by one poster until it lapses. */
export interface NoticeClaim {
  requestId: string;
  /** Proves the claim is still this poster's when it is renewed. */
  token: string;
  leaseMs: number;
}

/**
 * Takes the right to post a job's completion notice: once per job, and again only after the claim
 * lapsed — `leaseMs` without renewal — while the notice was still unposted (its poster died).
 * A poster that is still trying keeps it with `renewCompletionNoticeClaim`, however long Slack is down.
 */
export async function claimCompletionNotice(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  requestId: string,
  leaseMs = NOTICE_LEASE_MS,
): Promise<NoticeClaim | null> {
  const token = randomBytes(9).toString('hex');
  return (await deps.bulk.claimCompletionNotice(requestId, deps.now(), leaseMs, token)) ? { requestId, token, leaseMs } : null;
}

/** Keeps a claim alive while its poster waits on Slack; false once it is no longer this poster's. */
export async function renewCompletionNoticeClaim(deps: Pick<BulkDeps, 'bulk' | 'now'>, claim: NoticeClaim): Promise<boolean> {
  return deps.bulk.renewCompletionNoticeClaim(claim.requestId, claim.token, deps.now());
}

/**
 * Records that the completion notice was posted, with its message ts (to update it later): from
 * then on nobody may post it again, so it is recorded before anything else the poster does.
 */
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
