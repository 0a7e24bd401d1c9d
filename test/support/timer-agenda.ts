import type { Agenda } from 'agenda';
import type { Database } from '../../src/db/connection.js';
import { createAgenda, defineLicenseJobs, defineTimerJobs, startAgenda, timerSweep } from '../../src/jobs/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import type { ApprovalNotifier } from '../../src/licensing/policy/ports.js';
import type { Logger } from '../../src/logger.js';
import { nativeDb } from './bulk-agenda.js';
import { recordingNotifier } from './bulk-fixtures.js';

/**
 * One bot process's Agenda with the license and timer jobs, polling every `processEvery`, as
 * `startApp` wires it (without Slack). `deps.timers` should be this or another process's scheduler.
 */
export async function startTimerAgenda(
  db: Database,
  input: {
    deps: AppServices;
    logger: Logger;
    approvalNotifier: ApprovalNotifier;
    name: string;
    processEvery?: number;
    lockLifetime?: number;
    sweepEvery?: string;
  },
): Promise<Agenda> {
  const agenda = await createAgenda({
    db: nativeDb(db),
    processEvery: input.processEvery ?? 100,
    lockLifetime: input.lockLifetime ?? 2_000,
    logger: input.logger,
    name: input.name,
  });
  const notifier = recordingNotifier();
  defineLicenseJobs(agenda, { deps: input.deps, notifier, logger: input.logger, runOptions: { leasePollMs: 50 } });
  defineTimerJobs(agenda, {
    deps: input.deps,
    approvalNotifier: input.approvalNotifier,
    bulkNotifier: notifier,
    logger: input.logger,
  });
  await startAgenda(agenda, { expireEvery: null, recurring: timerSweep(input.sweepEvery ?? '1 minute') });
  return agenda;
}
