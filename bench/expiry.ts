/**
 * Time-bound licenses ending together: a bulk change of N learners "until" a moment is approved and
 * run in a fresh app process (measured like any bulk job, Approve → completion notice); then the
 * end of all N grants is moved to a few seconds ahead with the product's Extend ("extend all" of the
 * request, which re-times the request's one end job), and the bench waits until every learner is
 * back on the license they had. Expiries are batched (1,000 learners per operation, one Agenda job
 * for the whole request), so their throughput should be close to the bulk job's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { modelsFor } from '../src/db/models/index.js';
import { createAgenda, createTimerScheduler } from '../src/jobs/index.js';
import type { AppServices } from '../src/licensing/app-services.js';
import { submitBulkRequest } from '../src/licensing/bulk/requests.js';
import { extendGrants } from '../src/licensing/schedule/extend.js';
import { createLogger } from '../src/logger.js';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { ADMIN, approveAndWait, CHANNEL, type JobRun, LEAD, openBenchDeps, SIGNING_SECRET } from './bulk.js';
import { startAppChild } from './child.js';
import { BENCH_GROUP, FROM_TYPE, TO_TYPE } from './seed.js';

/** What the expiry bench measured. */
export interface ExpiryRun {
  learners: number;
  /** The bulk job that made the grants: Approve → completion notice. */
  bulk: JobRun;
  /** From the common end to the moment every grant was ended (polled every 200 ms). */
  seconds: number;
  perSec: number;
  /** Expiry throughput / bulk throughput. */
  ratio: number;
  /** Operations the expiry wrote (one per 1,000 learners, not one per learner). */
  operations: number;
  /** Every repetition's ratio, in the order run (the figures above are the median one's). */
  ratios?: number[];
  /** From the common end to the start of the run that ended them (the job's pick-up). */
  startedAfterMs: number;
  /** Agenda jobs that ended grants (one for the whole request, plus the sweep if it ran). */
  endJobs: number;
}

/**
 * How often the bench counts the grants still active. Each count is a query mongo-lite serves
 * between the expiry's own commands (one at a time), so polling every 50 ms slowed the expiry it
 * measures; the cost of this coarser clock is at most a poll interval on a run of seconds.
 */
const POLL_MS = 200;

/** Far enough ahead for the job to be re-timed before it is due (and the half-time warning to go out first). */
const LEAD_TIME_MS = 8_000;

/** Runs the expiry bench on a seeded database (everyone on `core`); leaves everyone back on `core`. */
export async function runExpiryBench(input: {
  mongoUri: string;
  dbName: string;
  slack: FakeSlack;
  log: (message: string) => void;
  timeoutMs: number;
}): Promise<ExpiryRun> {
  const { db, deps: bulkDeps } = await openBenchDeps(input.mongoUri, input.dbName);
  const native = db.connection.db;
  if (!native) throw new Error('the bench database is not connected');
  // An Agenda that is never started: the bench only schedules through it, the app process runs the jobs.
  const scheduler = await createAgenda({ db: native, logger: createLogger('warn', { service: 'bench-expiry' }) });
  const deps = { ...bulkDeps, timers: createTimerScheduler(scheduler) } as AppServices;
  try {
    const { request, needsApproval } = await submitBulkRequest(
      deps,
      { userId: ADMIN, source: 'slack', channelId: CHANNEL },
      {
        selection: { groups: [BENCH_GROUP], licenseTypes: [FROM_TYPE], status: 'active' },
        change: { kind: 'reassign', from: FROM_TYPE, to: TO_TYPE },
        reason: 'bench: Pro for a day',
        timing: { until: new Date(Date.now() + 24 * 3_600_000) },
      },
    );
    if (!needsApproval) throw new Error('the bench request should need approval');
    const child = await startAppChild({
      mongodbUri: input.mongoUri,
      dbName: input.dbName,
      slackApiUrl: input.slack.apiUrl,
      signingSecret: SIGNING_SECRET,
      admins: [ADMIN],
      approvers: [LEAD],
      ...(process.env.BENCH_PROFILE === '1' ? { profileCommands: true } : {}),
    });
    try {
      input.log(`  bulk job of ${request.preview.toChange.toLocaleString('en-US')} learners until tomorrow: Approve clicked…`);
      const bulk = await approveAndWait({ baseUrl: child.baseUrl, slack: input.slack, deps, request, timeoutMs: input.timeoutMs });
      const grants = await deps.grants.countActiveGrantsFor({ requestId: request.id });
      if (grants !== bulk.learners) throw new Error(`the job made ${grants} grants for ${bulk.learners} learners`);
      input.log(
        `  ${grants.toLocaleString('en-US')} grants made in ${bulk.seconds.toFixed(1)} s; moving their end to ${LEAD_TIME_MS / 1000} s from now`,
      );

      const endsAt = new Date(Date.now() + LEAD_TIME_MS);
      const extended = await extendGrants(deps, { userId: ADMIN, source: 'slack' }, { target: { requestId: request.id }, endsAt });
      if (extended.kind !== 'extended' || extended.learners !== grants) throw new Error(`the extension moved ${JSON.stringify(extended)}`);
      const { Grant, Operation } = modelsFor(db.connection);
      let doneAt = 0;
      const deadline = Date.now() + input.timeoutMs;
      for (;;) {
        const active = await Grant.countDocuments({ requestId: request.id, status: 'active' });
        if (active === 0) {
          doneAt = Date.now();
          break;
        }
        if (Date.now() > deadline) throw new Error(`${active} grants were still active after ${input.timeoutMs / 1000} s`);
        await sleep(POLL_MS);
      }
      const seconds = Math.max(0.001, (doneAt - endsAt.getTime()) / 1000);
      const ended = await Grant.countDocuments({ requestId: request.id, status: 'ended', endOutcome: 'ended' });
      if (ended !== grants) throw new Error(`${ended} of ${grants} grants ended with their learner back on ${FROM_TYPE}`);
      const operations = await Operation.countDocuments({ source: 'expiry', createdAt: { $gte: endsAt } });
      // Every expiry operation of a run is stamped with the run's start: how late the run began.
      const first = await Operation.findOne({ source: 'expiry', createdAt: { $gte: endsAt } }, { createdAt: 1 })
        .sort({ createdAt: 1 })
        .lean();
      const startedAfterMs = first ? first.createdAt.getTime() - endsAt.getTime() : Number.NaN;
      const endJobs = await native
        .collection('agendaJobs')
        .countDocuments({ name: 'licenses.endGrants', lastFinishedAt: { $gte: endsAt } });
      const perSec = grants / seconds;
      return { learners: grants, bulk, seconds, perSec, ratio: perSec / bulk.perSec, operations, endJobs, startedAfterMs };
    } finally {
      const stopped = await child.stop().catch(() => undefined);
      if (stopped?.commands) {
        // The app process's round trips over its life: the bulk job that made the grants, then the expiry.
        const rows = Object.entries(stopped.commands)
          .sort((a, b) => b[1].count - a[1].count)
          .slice(0, 20)
          .map(
            ([command, { count, ms }]) => `    ${command.padEnd(32)} ${String(count).padStart(6)} ${String(Math.round(ms)).padStart(7)} ms`,
          );
        input.log(`  database round trips of the app process (BENCH_PROFILE):\n${rows.join('\n')}`);
      }
    }
  } finally {
    await db.close();
  }
}

/**
 * Runs the expiry bench `repeat` times on the same learners (each run leaves everyone back on
 * `core`) and returns the run with the median ratio, with every ratio: a run lasts about two
 * seconds, so one run says more about the machine's moment than about the expiry.
 */
export async function runExpiryBenchRepeated(input: Parameters<typeof runExpiryBench>[0] & { repeat: number }): Promise<ExpiryRun> {
  const runs: ExpiryRun[] = [];
  for (let i = 0; i < Math.max(1, input.repeat); i += 1) {
    if (input.repeat > 1) input.log(`  run ${i + 1} of ${input.repeat}`);
    const run = await runExpiryBench(input);
    input.log(
      `  all ${run.learners.toLocaleString('en-US')} reverted ${run.seconds.toFixed(1)} s after their end (${Math.round(run.perSec).toLocaleString('en-US')}/s, started ${Math.round(run.startedAfterMs)} ms after it); the bulk job ran at ${Math.round(run.bulk.perSec).toLocaleString('en-US')}/s: ratio ${run.ratio.toFixed(2)}`,
    );
    runs.push(run);
  }
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? runs[0];
  if (!median) throw new Error('the expiry bench ran no run');
  return { ...median, ratios: runs.map((run) => run.ratio) };
}
