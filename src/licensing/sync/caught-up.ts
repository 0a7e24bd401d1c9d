import type { BulkDeps, BulkNotifier } from '../bulk/ports.js';
import type { SyncDeps } from './ports.js';

/**
 * Finds finished bulk jobs of the last day whose every changed learner has reached the platform
 * (none pending), records it once, and has the completion notice say so ("platform in sync 14:02";
 * learners the platform refused are counted). Returns how many jobs caught up.
 */
export async function noteBulkJobsInSync(
  deps: Pick<SyncDeps, 'syncStates' | 'now' | 'sync'> & Pick<BulkDeps, 'bulk'>,
  notifier: Pick<BulkNotifier, 'syncCaughtUp'>,
): Promise<number> {
  if (deps.sync.target === 'none') return 0;
  const now = deps.now();
  let caughtUp = 0;
  for (const request of await deps.bulk.syncAwaitingBulkRequests(new Date(now.getTime() - 24 * 3_600_000), 20)) {
    const { pending, dead } = await deps.syncStates.bulkProgress(request.id);
    if (pending > 0) continue;
    const marked = await deps.bulk.markSyncCaughtUp(request.id, now, dead);
    if (!marked) continue;
    caughtUp += 1;
    await notifier.syncCaughtUp?.(marked);
  }
  return caughtUp;
}
