import type { BulkDeps, BulkNotifier } from '../bulk/ports.js';
import { bulkSource } from '../bulk/runner.js';
import type { NoticeDeps } from './ports.js';

/**
 * Finds finished bulk jobs of the last day whose learners have all been told (every DM sent, or
 * given up, or its learner has no Slack account), records the counts once, and has the completion
 * notice say how many were told. Returns how many jobs it recorded.
 */
export async function noteBulkJobsTold(
  deps: Pick<NoticeDeps, 'notices' | 'now'> & Pick<BulkDeps, 'bulk'>,
  notifier: Pick<BulkNotifier, 'learnersTold'>,
): Promise<number> {
  const now = deps.now();
  let told = 0;
  for (const request of await deps.bulk.learnersAwaitingBulkRequests(new Date(now.getTime() - 24 * 3_600_000), 20)) {
    const counts = await deps.notices.noticeCounts(bulkSource(request.id));
    if (counts.waiting > 0) continue;
    const marked = await deps.bulk.markLearnersTold(request.id, now, {
      sent: counts.sent,
      noAccount: counts.noAccount,
      failed: counts.failed,
    });
    if (!marked) continue;
    told += 1;
    await notifier.learnersTold?.(marked);
  }
  return told;
}
