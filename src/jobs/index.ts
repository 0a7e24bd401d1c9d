import type { Agenda } from 'agenda';
import { type BulkJobServices, defineBulkReassignJob } from './bulk-reassign-job.js';
import { defineExpireRequestsJob } from './expire-requests-job.js';

export {
  type AgendaSettings,
  BULK_REASSIGN_JOB,
  createAgenda,
  EXPIRE_REQUESTS_JOB,
  NOTICES_SEND_JOB,
  RECLAIM_SWEEP_JOB,
  RECLAIM_WEEKLY_JOB,
  runJobNow,
  SYNC_FILE_JOB,
  SYNC_PULL_JOB,
  SYNC_PUSH_JOB,
  startAgenda,
  stopAgenda,
} from './agenda.js';
export { type BulkJobServices, postCompletionNotice, reviveBulkJob, scheduleBulkJob } from './bulk-reassign-job.js';
export { sweepBulkRequests } from './expire-requests-job.js';
export { defineNoticeJobs, type NoticeJobServices } from './notice-jobs.js';
export { defineReclaimJobs, type ReclaimJobServices, sweepReclaim } from './reclaim-jobs.js';
export { defineSyncJobs, type SyncAdapters, type SyncJobServices, syncJobName } from './sync-jobs.js';
export {
  APPROVAL_DEADLINE_JOB,
  APPROVAL_REMIND_JOB,
  createTimerScheduler,
  defineTimerJobs,
  GRANT_END_JOB,
  GRANT_WARN_JOB,
  TIMER_SWEEP_JOB,
  type TimerJobServices,
  timerSweep,
} from './timer-jobs.js';

/** Defines every license job on the Agenda instance (before `startAgenda`). */
export function defineLicenseJobs(agenda: Agenda, services: BulkJobServices & { stallMs?: number }): void {
  defineBulkReassignJob(agenda, services);
  defineExpireRequestsJob(agenda, services);
}
