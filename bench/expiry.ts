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
  /** From the common end to the moment every grant was ended (the end of the run that ended the last). */
  seconds: number;
  /** The end job's run: its start (Agenda's lastRunAt) to its end (lastFinishedAt). */
  runSeconds: number;
  /** Grants ended per second of the run. */
  perSec: number;
  /** The bulk job's learners per second of its run (startedAt → finishedAt, as the job recorded them). */
  bulkJobPerSec: number;
  /** Expiry throughput / bulk throughput, each over its job's run. */
  ratio: number;
  /** Operations the expiry wrote (one per 1,000 learners, not one per learner). */
  operations: number;
  /** Every repetition's ratio, in the order run (the figures above are the median one's). */
  ratios?: number[];
  /** From the common end to the start of the run that ended them (the job's pick-up). */
  startedAfterMs: number;
  /** Agenda jobs that ended grants (one for the whole request, plus the sweep if it ran). */
  endJobs: number;
  /**
   * CPU seconds the app process and the database spent on the bulk job (Approve → notice) and on
   * the expiry (from the extension to the last grant ended): when the database's seconds are close
   * to the wall clock, it is the bottleneck and only fewer or cheaper commands help.
   */
  cpu?: { bulk: CpuSpent; expiry: CpuSpent };
}

/** CPU seconds spent by the app process and (when the bench started it) the database. */
export interface CpuSpent {
  appSeconds: number;
  dbSeconds?: number;
}

/** How often the bench looks at the end job: a small read, so the clock can be finer than a count of the grants allowed. */
const POLL_MS = 50;

/**
 * Far enough ahead for the job to be re-timed before it is due and for the half-time warning (the
 * extended grants then last about this long, so their one warning falls due half-way) to be over
 * before the end: 10,000 warnings take a few seconds, and with 8 s they sometimes ran into the
 * expiry and were measured with it.
 */
const LEAD_TIME_MS = 20_000;

/** Runs the expiry bench on a seeded database (everyone on `core`); leaves everyone back on `core`. */
export async function runExpiryBench(input: {
  mongoUri: string;
  dbName: string;
  slack: FakeSlack;
  log: (message: string) => void;
  timeoutMs: number;
  /** The database's CPU time so far (ms), when the bench started it. */
  dbCpuMs?: () => number | undefined;
}): Promise<ExpiryRun> {
  const dbCpu = () => input.dbCpuMs?.();
  const monotonicUs = () => process.hrtime.bigint() / 1000n;
  const spent = (app: [number, number], db: [number | undefined, number | undefined]): CpuSpent => ({
    appSeconds: Math.round((app[1] - app[0]) / 100) / 10,
    ...(db[0] !== undefined && db[1] !== undefined ? { dbSeconds: Math.round((db[1] - db[0]) / 100) / 10 } : {}),
  });
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
      const bulkApp0 = await child.cpuMs();
      const bulkDb0 = dbCpu();
      const bulkWindowStart = monotonicUs();
      const bulk = await approveAndWait({ baseUrl: child.baseUrl, slack: input.slack, deps, request, timeoutMs: input.timeoutMs });
      if (process.env.BENCH_PROFILE === '1') input.log(`  bulk window (monotonic µs): ${bulkWindowStart} ${monotonicUs()}`);
      const bulkCpu = spent([bulkApp0, await child.cpuMs()], [bulkDb0, dbCpu()]);
      const grants = await deps.grants.countActiveGrantsFor({ requestId: request.id });
      if (grants !== bulk.learners) throw new Error(`the job made ${grants} grants for ${bulk.learners} learners`);
      input.log(
        `  ${grants.toLocaleString('en-US')} grants made in ${bulk.seconds.toFixed(1)} s; moving their end to ${LEAD_TIME_MS / 1000} s from now`,
      );

      const endsAt = new Date(Date.now() + LEAD_TIME_MS);
      const extended = await extendGrants(deps, { userId: ADMIN, source: 'slack' }, { target: { requestId: request.id }, endsAt });
      if (extended.kind !== 'extended' || extended.learners !== grants) throw new Error(`the extension moved ${JSON.stringify(extended)}`);
      const { Grant, Operation } = modelsFor(db.connection);
      // CPU is counted from just before the end, after the warnings.
      await sleep(Math.max(0, endsAt.getTime() - 100 - Date.now()));
      const expiryApp0 = await child.cpuMs();
      const expiryDb0 = dbCpu();
      const windowStart = monotonicUs();
      const deadline = Date.now() + input.timeoutMs;
      const agendaJobs = native.collection('agendaJobs');
      for (;;) {
        // Polled on the end job's document (a few small documents), not by counting the grants:
        // mongo-lite serves one command at a time, and a count scans the grants between the
        // expiry's own commands. Once a run has finished, the grants are counted once to be sure.
        const finished = await agendaJobs.findOne(
          { name: 'licenses.endGrants', lastFinishedAt: { $gte: new Date(endsAt.getTime() - 100) } },
          { projection: { _id: 1 } },
        );
        if (finished) {
          const active = await Grant.countDocuments({ requestId: request.id, status: 'active' });
          if (active === 0) break;
          if (Date.now() > deadline) throw new Error(`${active} grants were still active after ${input.timeoutMs / 1000} s`);
        } else if (Date.now() > deadline) throw new Error(`the end job had not finished after ${input.timeoutMs / 1000} s`);
        await sleep(POLL_MS);
      }
      // The window in CLOCK_MONOTONIC µs, the clock of the CPU profiles' timestamps (BENCH_PROFILE).
      if (process.env.BENCH_PROFILE === '1') input.log(`  expiry window (monotonic µs): ${windowStart} ${monotonicUs()}`);
      const expiryCpu = spent([expiryApp0, await child.cpuMs()], [expiryDb0, dbCpu()]);
      const ended = await Grant.countDocuments({ requestId: request.id, status: 'ended', endOutcome: 'ended' });
      if (ended !== grants) throw new Error(`${ended} of ${grants} grants ended with their learner back on ${FROM_TYPE}`);
      const operations = await Operation.countDocuments({ source: 'expiry', createdAt: { $gte: endsAt } });
      // The end job's own record of its run (Agenda's lastRunAt → lastFinishedAt), like the bulk
      // job's startedAt → finishedAt: the throughput of the work, whatever the poll's clock. The
      // pick-up after the end (bounded by JOB_PROCESS_EVERY) is reported apart, and counted in
      // the time until all were reverted.
      const runs = await agendaJobs
        .find({ name: 'licenses.endGrants', lastFinishedAt: { $gte: new Date(endsAt.getTime() - 100) } })
        .toArray();
      const runStart = Math.min(...runs.map((job) => new Date(job.lastRunAt).getTime()));
      const runEnd = Math.max(...runs.map((job) => new Date(job.lastFinishedAt).getTime()));
      if (!Number.isFinite(runStart) || !Number.isFinite(runEnd)) throw new Error('the end job left no record of its run');
      const seconds = Math.max(0.001, (runEnd - endsAt.getTime()) / 1000);
      const runSeconds = Math.max(0.001, (runEnd - runStart) / 1000);
      const startedAfterMs = runStart - endsAt.getTime();
      const endJobs = await native
        .collection('agendaJobs')
        .countDocuments({ name: 'licenses.endGrants', lastFinishedAt: { $gte: endsAt } });
      // The half-time warning (the grants now last ~10 s) must be over before the end, or it is measured too.
      const warned = await native
        .collection('agendaJobs')
        .findOne(
          { name: 'licenses.warnGrants', lastFinishedAt: { $gte: new Date(endsAt.getTime() - LEAD_TIME_MS) } },
          { sort: { lastFinishedAt: -1 } },
        );
      const warningsDoneBeforeEndMs = warned?.lastFinishedAt ? endsAt.getTime() - new Date(warned.lastFinishedAt).getTime() : undefined;
      if (warningsDoneBeforeEndMs === undefined || warningsDoneBeforeEndMs < 0)
        input.log(
          `  NOTE: the half-time warnings ${warningsDoneBeforeEndMs === undefined ? 'did not run' : `finished ${-warningsDoneBeforeEndMs} ms after the end`}, so this run measured them too`,
        );
      const perSec = grants / runSeconds;
      const bulkJobPerSec = bulk.learners / Math.max(0.001, bulk.jobSeconds);
      return {
        learners: grants,
        bulk,
        seconds,
        runSeconds,
        perSec,
        bulkJobPerSec,
        ratio: perSec / bulkJobPerSec,
        operations,
        endJobs,
        startedAfterMs,
        cpu: { bulk: bulkCpu, expiry: expiryCpu },
      };
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
      `  all ${run.learners.toLocaleString('en-US')} reverted ${run.seconds.toFixed(1)} s after their end (started ${Math.round(run.startedAfterMs)} ms after it, run of ${run.runSeconds.toFixed(2)} s at ${Math.round(run.perSec).toLocaleString('en-US')}/s); the bulk job's run ${run.bulk.jobSeconds.toFixed(2)} s at ${Math.round(run.bulkJobPerSec).toLocaleString('en-US')}/s: ratio ${run.ratio.toFixed(2)}${cpuLine(run.cpu)}`,
    );
    runs.push(run);
  }
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? runs[0];
  if (!median) throw new Error('the expiry bench ran no run');
  return { ...median, ratios: runs.map((run) => run.ratio) };
}

function cpuLine(cpu: ExpiryRun['cpu']): string {
  if (!cpu) return '';
  const one = (c: CpuSpent) => `app ${c.appSeconds} s${c.dbSeconds !== undefined ? `, database ${c.dbSeconds} s` : ''}`;
  return `; CPU bulk ${one(cpu.bulk)}, expiry ${one(cpu.expiry)}`;
}
