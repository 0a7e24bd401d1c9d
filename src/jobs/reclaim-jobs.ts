import type { Agenda } from 'agenda';
import { closeDueRounds, roundsToAsk, sendReclaimAsks } from '../licensing/reclaim/asks.js';
import type { ReclaimAsker, ReclaimDeps, ReclaimNotifier } from '../licensing/reclaim/ports.js';
import { reclaimWeek } from '../licensing/reclaim/reclaim.js';
import type { Logger } from '../logger.js';
import { isStopping, RECLAIM_SWEEP_JOB, RECLAIM_WEEKLY_JOB } from './agenda.js';

/** What the reclaim jobs need. */
export interface ReclaimJobServices {
  deps: ReclaimDeps;
  asker: ReclaimAsker;
  notifier: ReclaimNotifier;
  logger: Logger;
}

/**
 * One pass of `reclaim.sweep`: sends the questions still waiting (paced by the asker, honouring
 * Retry-After), then ends the rounds whose grace period is over and announces their requests.
 */
export async function sweepReclaim(services: ReclaimJobServices, hooks: { heartbeat?: () => Promise<void> } = {}): Promise<void> {
  const { deps, asker, notifier, logger } = services;
  for (const roundId of await roundsToAsk(deps)) {
    const sent = await sendReclaimAsks(deps, asker, roundId, hooks);
    if (sent.sent || sent.noSlack) logger.info('reclaim questions sent', { roundId, ...sent });
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
