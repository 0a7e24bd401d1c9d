import type { Agenda } from 'agenda';
import { closeDueRounds, queueReclaimAsks, recordAskOutcomes, roundsToAsk } from '../licensing/reclaim/asks.js';
import type { ReclaimDeps, ReclaimNotifier } from '../licensing/reclaim/ports.js';
import { reclaimWeek } from '../licensing/reclaim/reclaim.js';
import type { Logger } from '../logger.js';
import { isStopping, RECLAIM_SWEEP_JOB, RECLAIM_WEEKLY_JOB } from './agenda.js';

/** What the reclaim jobs need. */
export interface ReclaimJobServices {
  deps: ReclaimDeps;
  notifier: ReclaimNotifier;
  logger: Logger;
}

/**
 * One pass of `reclaim.sweep`: puts the questions still waiting on the notice queue (which sends
 * them, paced), records what the queue did with those queued before, then ends the rounds whose
 * grace period is over and announces their requests.
 */
export async function sweepReclaim(services: ReclaimJobServices, hooks: { heartbeat?: () => Promise<void> } = {}): Promise<void> {
  const { deps, notifier, logger } = services;
  for (const roundId of await roundsToAsk(deps)) {
    const { queued } = await queueReclaimAsks(deps, roundId, hooks);
    const recorded = await recordAskOutcomes(deps, roundId);
    if (queued || recorded.sent || recorded.noSlack || recorded.failed) logger.info('reclaim questions', { roundId, queued, ...recorded });
  }
  for (const closed of await closeDueRounds(deps)) {
    try {
      await notifier.roundClosed(closed);
    } catch (error) {
      logger.warn('could not announce the end of a reclaim round', { roundId: closed.round.id, error });
    }
  }
}

/** Defines `reclaim.sweep` (every minute, and at once when a round starts) and `reclaim.weeklySummary`. */
export function defineReclaimJobs(agenda: Agenda, services: ReclaimJobServices): void {
  agenda.define(
    RECLAIM_SWEEP_JOB,
    async (job) => {
      await sweepReclaim(services, {
        heartbeat: async () => {
          if (isStopping(agenda)) throw new Error('stopping: the next sweep goes on');
          await job.touch();
        },
      });
    },
    { concurrency: 1 },
  );
  agenda.define(RECLAIM_WEEKLY_JOB, async () => {
    await services.notifier.weeklySummary(await reclaimWeek(services.deps));
  });
}
