import type { Agenda, Job } from 'agenda';
import { z } from 'zod';
import type { AppServices } from '../licensing/app-services.js';
import type { BulkNotifier } from '../licensing/bulk/ports.js';
import type { HomeRefresher } from '../licensing/home/ports.js';
import { handleApprovalDeadlines, remindDueApprovals } from '../licensing/policy/deadlines.js';
import type { ApprovalNotifier } from '../licensing/policy/ports.js';
import { endDueGrants, sendDueWarnings } from '../licensing/schedule/grants.js';
import type { Timer, TimerKind, TimerScheduler } from '../licensing/schedule/ports.js';
import type { Logger } from '../logger.js';
import { BULK_REASSIGN_JOB, isStopping } from './agenda.js';
import { scheduleBulkJob } from './bulk-reassign-job.js';

/** Job names of the things that happen at a time, `namespace.verb`. */
export const GRANT_END_JOB = 'licenses.endGrants';
export const GRANT_WARN_JOB = 'licenses.warnGrants';
export const APPROVAL_REMIND_JOB = 'approvals.remind';
export const APPROVAL_DEADLINE_JOB = 'approvals.handleDeadline';
/** Every minute: runs whatever is overdue and has no job of its own (lost, or a late process). */
export const TIMER_SWEEP_JOB = 'licenses.sweepTimers';

const jobNames: Record<Exclude<TimerKind, 'scheduled_change'>, string> = {
  grant_end: GRANT_END_JOB,
  grant_warning: GRANT_WARN_JOB,
  approval_reminder: APPROVAL_REMIND_JOB,
  approval_deadline: APPROVAL_DEADLINE_JOB,
};

const timerData = z.object({ key: z.string().min(1).max(200) });
type TimerData = z.infer<typeof timerData>;

/** What the timer jobs need. */
export interface TimerJobServices {
  deps: AppServices;
  approvalNotifier: ApprovalNotifier;
  bulkNotifier: Pick<BulkNotifier, 'expired'>;
  /** The App Homes of the learners whose grants ended, and the staff's (seats moved). */
  homes?: Pick<HomeRefresher, 'staffChanged' | 'learnersChanged'>;
  logger: Logger;
}

/** Thrown between batches when the process is shutting down: the rest is left for the next run. */
class TimerInterrupted extends Error {
  constructor() {
    super('stopped between batches because the process is shutting down');
    this.name = 'TimerInterrupted';
  }
}

/**
 * The Agenda side of timers: one job per kind and key (a unique index makes a second schedule of
 * the same key, from any process, the same job). A job runs whatever of its kind is due by then —
 * every grant ending at that minute in batches, not one job per learner.
 */
export function createTimerScheduler(agenda: Agenda): TimerScheduler {
  return {
    async schedule(timers: readonly Timer[], options = {}) {
      for (const timer of timers) {
        if (timer.kind === 'scheduled_change') {
          await scheduleBulkJob(agenda, timer.key, timer.at);
          continue;
        }
        const job = agenda.create<TimerData>(jobNames[timer.kind], timerData.parse({ key: timer.key }));
        // insertOnly keeps a job already there (scheduled again by a rerun); `move` re-times it.
        job.unique({ 'data.key': timer.key }, { insertOnly: !options.move });
        job.schedule(timer.at);
        try {
          await job.save();
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
    },
    async cancel(kind, keys) {
      for (const key of keys) {
        if (kind === 'scheduled_change') await agenda.cancel({ name: BULK_REASSIGN_JOB, data: { requestId: key } });
        else await agenda.cancel({ name: jobNames[kind], data: { key } });
      }
    },
  };
}

/** Defines the timer jobs and the minutely sweep (started by `startAgenda` with the recurring jobs). */
export function defineTimerJobs(agenda: Agenda, services: TimerJobServices): void {
  const { deps, logger } = services;
  // Renews the job's lock a few times per lock lifetime, not before every batch (each renewal is a
  // write on the expiry's path); a stopping process stops at the next batch.
  const heartbeat = (job: Job) => {
    let touchedAt = Date.now();
    const lockLifetime = agenda.definitions[job.attrs.name]?.lockLifetime ?? agenda.attrs.defaultLockLifetime;
    return async () => {
      if (isStopping(agenda)) throw new TimerInterrupted();
      if (Date.now() - touchedAt < lockLifetime / 5) return;
      touchedAt = Date.now();
      await job.touch();
    };
  };
  const run = (name: string, work: (job: Job) => Promise<Record<string, unknown> | undefined>) =>
    agenda.define(
      name,
      async (job: Job) => {
        const result = await work(job);
        if (result) logger.info('timer job ran', { job: name, key: (job.attrs.data as TimerData | undefined)?.key, ...result });
      },
      { concurrency: 1 },
    );

  const ending = (job: Job) => ({
    heartbeat: heartbeat(job),
    ...(services.homes ? { onLearnersChanged: grantsEnded(services.homes) } : {}),
  });
  run(GRANT_END_JOB, async (job) => counted({ ...(await endDueGrants(deps, ending(job))) }));
  // Warnings are queued: the notice queue's job (notices.send) sends them, paced with every other DM.
  run(GRANT_WARN_JOB, async (job) => counted({ ...(await sendDueWarnings(deps, { heartbeat: heartbeat(job) })) }));
  run(APPROVAL_REMIND_JOB, async () => counted({ reminded: await remindDueApprovals(deps, { approvals: services.approvalNotifier }) }));
  run(APPROVAL_DEADLINE_JOB, async () => deadlines(await handleApprovalDeadlines(deps, notifiers(services))));
  run(TIMER_SWEEP_JOB, async (job) => {
    const beat = heartbeat(job);
    const ended = await endDueGrants(deps, { ...ending(job), heartbeat: beat });
    const warned = await sendDueWarnings(deps, { heartbeat: beat });
    const reminded = await remindDueApprovals(deps, { approvals: services.approvalNotifier });
    const handled = await handleApprovalDeadlines(deps, notifiers(services));
    return counted({ ...ended, warningsQueued: warned.queued, reminded, ...deadlines(handled) });
  });
}

/** The sweep's interval and name, for `startAgenda`'s recurring jobs. */
export function timerSweep(every = '1 minute'): Record<string, string> {
  return { [TIMER_SWEEP_JOB]: every };
}

/** Each expiry batch's learners, and the staff's Homes (coalesced: one look-up for a burst of batches). */
function grantsEnded(homes: NonNullable<TimerJobServices['homes']>) {
  return (emails: readonly string[]) => {
    homes.learnersChanged(emails);
    homes.staffChanged();
  };
}

function notifiers(services: TimerJobServices) {
  return { bulk: services.bulkNotifier, approvals: services.approvalNotifier };
}

function deadlines(run: { escalated: unknown[]; expired: unknown[] }): Record<string, number> {
  return { escalated: run.escalated.length, expired: run.expired.length };
}

/** Only runs that did something are logged. */
function counted(result: Record<string, number>): Record<string, number> | undefined {
  return Object.values(result).some((n) => n > 0) ? result : undefined;
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}
