import type { Agenda } from 'agenda';
import { defineBulkReassignJob, type BulkJobServices } from './bulk-reassign-job.js';
import { defineExpireRequestsJob } from './expire-requests-job.js';

export { createAgenda, startAgenda, stopAgenda, BULK_REASSIGN_JOB, EXPIRE_REQUESTS_JOB, type AgendaSettings } from './agenda.js';
export { scheduleBulkJob, reviveBulkJob, postCompletionNotice, type BulkJobServices } from './bulk-reassign-job.js';
export { sweepBulkRequests } from './expire-requests-job.js';

/** Defines every license job on the Agenda instance (before `startAgenda`). */
export function defineLicenseJobs(agenda: Agenda, services: BulkJobServices & { stallMs?: number }): void {
  defineBulkReassignJob(agenda, services);
  defineExpireRequestsJob(agenda, services);
}
