import type { Agenda } from 'agenda';
import { type BulkJobServices, defineBulkReassignJob } from './bulk-reassign-job.js';
import { defineExpireRequestsJob } from './expire-requests-job.js';

export { type AgendaSettings, BULK_REASSIGN_JOB, createAgenda, EXPIRE_REQUESTS_JOB, startAgenda, stopAgenda } from './agenda.js';
export { type BulkJobServices, postCompletionNotice, reviveBulkJob, scheduleBulkJob } from './bulk-reassign-job.js';
export { sweepBulkRequests } from './expire-requests-job.js';

/** Defines every license job on the Agenda instance (before `startAgenda`). */
export function defineLicenseJobs(agenda: Agenda, services: BulkJobServices & { stallMs?: number }): void {
  defineBulkReassignJob(agenda, services);
  defineExpireRequestsJob(agenda, services);
}
