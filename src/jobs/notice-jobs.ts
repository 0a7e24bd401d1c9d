import type { Agenda } from 'agenda';
import type { BulkDeps, BulkNotifier } from '../licensing/bulk/ports.js';
import { noteBulkJobsTold } from '../licensing/notices/bulk-jobs.js';
import type { Pacer } from '../licensing/notices/pacer.js';
import type { NoticeDeps, NoticeSender } from '../licensing/notices/ports.js';
import { type DrainOptions, drainNotices } from '../licensing/notices/queue.js';
import { recordAskOutcomes, roundOfAskSource } from '../licensing/reclaim/asks.js';
import type { ReclaimDeps } from '../licensing/reclaim/ports.js';
import type { Logger } from '../logger.js';
import { isStopping, NOTICES_SEND_JOB } from './agenda.js';

/** What the notice job needs. */
export interface NoticeJobServices {
  deps: NoticeDeps & Pick<BulkDeps, 'bulk'> & Pick<ReclaimDeps, 'reclaim'>;
  sender: NoticeSender;
  /** One per process, shared by every run, so the pace holds across runs. */
  pacer: Pacer;
  bulkNotifier: Pick<BulkNotifier, 'learnersTold'>;
  logger: Logger;
  /** Knobs of the drain (tests shorten runs and leases). */
  drainOptions?: Omit<DrainOptions, 'pacer' | 'heartbeat' | 'stopping'>;
}

/**
 * Defines `notices.send`: drains the notice queue at the pace (one run at a time across every
 * process: Agenda's lock), then has the completion notices of bulk jobs whose learners have all
 * been told say how many were, and reclaim rounds whose questions were settled record where they
 * went (the minutely reclaim sweep catches up with whatever a crash in between left).
 */
export function defineNoticeJobs(agenda: Agenda, services: NoticeJobServices): void {
  const { deps, logger } = services;
  agenda.define(
    NOTICES_SEND_JOB,
    async (job) => {
      const summary = await drainNotices(deps, services.sender, {
        ...services.drainOptions,
        pacer: services.pacer,
        heartbeat: async () => {
          await job.touch();
        },
        stopping: () => isStopping(agenda),
      });
      if (summary.sent || summary.noAccount || summary.failed || summary.withdrawn || summary.rateLimited) {
        const { settledSources: _, ...counts } = summary;
        logger.info('notices sent', { job: NOTICES_SEND_JOB, ...counts });
      }
      try {
        await noteBulkJobsTold(deps, services.bulkNotifier);
      } catch (error) {
        logger.warn('could not update bulk notices with the learners told', { error });
      }
      for (const roundId of [...summary.settledSources].flatMap((source) => roundOfAskSource(source) ?? [])) {
        try {
          await recordAskOutcomes(deps, roundId);
        } catch (error) {
          logger.warn('could not record where the reclaim questions went', { roundId, error });
        }
      }
    },
    { concurrency: 1 },
  );
}
