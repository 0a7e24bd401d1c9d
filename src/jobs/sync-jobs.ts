import type { Agenda } from 'agenda';
import type { AppServices } from '../licensing/app-services.js';
import type { BulkNotifier } from '../licensing/bulk/ports.js';
import { noteBulkJobsInSync } from '../licensing/sync/caught-up.js';
import { pullDirectory } from '../licensing/sync/directory.js';
import type { DirectorySource, FileTarget, PushTarget, SyncNotifier } from '../licensing/sync/ports.js';
import { deliverSyncFile, type PushRoundOptions, pushDueLearners } from '../licensing/sync/worker.js';
import type { Logger } from '../logger.js';
import { isStopping, SYNC_FILE_JOB, SYNC_PULL_JOB, SYNC_PUSH_JOB } from './agenda.js';

/** The adapters of the configured target (at most one of push / file; directory with SCIM). */
export interface SyncAdapters {
  push?: PushTarget;
  file?: FileTarget;
  directory?: DirectorySource;
}

/** What the sync jobs need. */
export interface SyncJobServices {
  deps: AppServices;
  adapters: SyncAdapters;
  notifier: SyncNotifier;
  bulkNotifier: Pick<BulkNotifier, 'syncCaughtUp'>;
  logger: Logger;
  pushOptions?: PushRoundOptions;
}

class SyncInterrupted extends Error {
  constructor() {
    super('stopped between batches because the process is shutting down');
    this.name = 'SyncInterrupted';
  }
}

/**
 * Defines the sync jobs: `sync.push` pushes due learners (SCIM, webhook), `sync.deliverFile`
 * delivers an Org Sync file, `sync.pull` reads the SCIM directory. Each also updates the notices of
 * bulk jobs the platform has caught up with. Every step is safe in several processes at once.
 */
export function defineSyncJobs(agenda: Agenda, services: SyncJobServices): void {
  const { deps, adapters, logger } = services;
  const caughtUp = async () => {
    try {
      await noteBulkJobsInSync(deps, services.bulkNotifier);
    } catch (error) {
      logger.warn('could not update bulk notices with the sync state', { error });
    }
  };
  if (adapters.push) {
    const target = adapters.push;
    agenda.define(
      SYNC_PUSH_JOB,
      async (job) => {
        const round = await pushDueLearners(deps, target, services.notifier, {
          ...services.pushOptions,
          heartbeat: async () => {
            if (isStopping(agenda)) throw new SyncInterrupted();
            await job.touch();
          },
        });
        if (round.pushed || round.dead || round.retried) logger.info('sync round', { job: SYNC_PUSH_JOB, ...round });
        await caughtUp();
      },
      { concurrency: 1 },
    );
  }
  if (adapters.file) {
    const target = adapters.file;
    agenda.define(
      SYNC_FILE_JOB,
      async () => {
        const delivered = await deliverSyncFile(deps, target);
        if (delivered) logger.info('sync file delivered', { job: SYNC_FILE_JOB, ...delivered });
        await caughtUp();
      },
      { concurrency: 1 },
    );
  }
  if (adapters.directory) {
    const source = adapters.directory;
    agenda.define(
      SYNC_PULL_JOB,
      async () => {
        const summary = await pullDirectory(deps, source, { userId: 'system', source: 'sync' }, { write: true });
        logger.info('directory pulled', { job: SYNC_PULL_JOB, ...summary, drift: summary.drift.drifted });
      },
      { concurrency: 1 },
    );
  }
}

/** The sync job that runs on demand (`/license sync push`, `license-bot sync push`): push or file. */
export function syncJobName(adapters: SyncAdapters): string | null {
  if (adapters.push) return SYNC_PUSH_JOB;
  if (adapters.file) return SYNC_FILE_JOB;
  return null;
}
