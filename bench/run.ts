/**
 * `npm run bench`: seeds its own data through the product's import, then measures bulk
 * throughput (product vs raw driver), peak memory and Slack calls per job, typeahead latency,
 * slash-command acks during a job, sync to SCIM, reclaim and undo, time-bound licenses ending
 * together, the admins' App Home and the pace of learner notices. Prints a table and writes
 * bench/results.json.
 *
 * BENCH_SCALE (default 1) scales every count. BENCH_REPEAT (default 3) repeats the bulk measurement
 * (the product's job, then the raw driver doing the same writes) and reports the median ratio
 * and the spread. BENCH_ONLY=bulk stops after the bulk measurement; BENCH_ONLY=reclaim runs only
 * the reclaim and undo measurements; BENCH_ONLY=expiry only the grants ending together; BENCH_ONLY=home only the App Home (on its own seeded learners). BENCH_PROFILE=1 also CPU-profiles the app
 * processes and mongo-lite (--cpu-prof) and times the app's database commands. BENCH_CHILD_FLAGS adds Node flags
 * to the app processes (e.g. "--expose-gc" to report the heap after a full GC).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeSlack, startFakeSlack } from '../test/support/fake-slack.js';
import { type AckRun, runAckLoad } from './ack.js';
import type { CommandProfile, LoopDelay, MemoryPeaks } from './app-child.js';
import { ADMIN, approveAndWait, type JobRun, LEAD, openBenchDeps, SIGNING_SECRET, submitReassignment } from './bulk.js';
import { type AppChild, startAppChild } from './child.js';
import { type ExpiryRun, runExpiryBenchRepeated } from './expiry.js';
import { type HomeRun, measureHome } from './home.js';
import { type BenchMongo, dropDatabase, findMongo } from './mongo.js';
import { type NoticeRun, runNoticeBench } from './notices.js';
import { type RawRun, runRawReassignment } from './raw.js';
import { type ReclaimUndoRun, runReclaimUndoBench } from './reclaim-undo.js';
import { FROM_TYPE, type SeededLearners, seedLearners, TO_TYPE } from './seed.js';
import { markdownTable, table } from './stats.js';
import { runSyncBench, type SyncRun } from './sync.js';
import { runTypeahead, runTypeaheadBurst, type TypeaheadBurst, type TypeaheadRun, typeaheadPrefixes } from './typeahead.js';

const TARGETS = {
  ratio: 0.85,
  ratioGoal: 0.9,
  memoryGrowth: 1.3,
  typeaheadP95Ms: 100,
  typeaheadBurstMs: 3_000,
  ackP99Ms: 300,
  syncRatio: 0.8,
  reclaimP95Ms: 500,
  undoRatio: 0.9,
  expiryRatio: 0.8,
  homeP95Ms: 300,
};
/** The pace of the notice measurement (NOTICES_PER_MINUTE); BENCH_NOTICES_PER_MINUTE changes it. */
const NOTICE_PACE = Number(process.env.BENCH_NOTICES_PER_MINUTE ?? 15_000);
/** The notifier edits the progress message at most once per 3 s. */
const PROGRESS_EVERY_S = 3;
const JOB_TIMEOUT_MS = 15 * 60_000;

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const n = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits = 2) => value.toFixed(digits);
const round1 = (value: number) => Math.round(value * 10) / 10;

interface Context {
  mongo: BenchMongo;
  slack: FakeSlack;
  profileDir?: string;
}

interface JobMeasurement extends JobRun {
  maxRssMb: number;
  bootRssMb: number;
  /** Event-loop delay in the app process from ready to stop. */
  loopDelay: LoopDelay;
  memory: MemoryPeaks;
  /** CPU seconds the app and the database used from Approve to the notice: who was busy. */
  cpu: { appSeconds: number; dbSeconds?: number };
  /** Highest RSS sampled in each quarter of the job (flat = memory bounded by the batch, not the job). */
  rssByQuarterMb: number[];
  commands?: CommandProfile;
}

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the bench');
    dir = parent;
  }
  return dir;
}

function benchRepeat(): number {
  const raw = process.env.BENCH_REPEAT || '3';
  const repeat = Number(raw);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20)
    throw new Error(`BENCH_REPEAT must be a whole number from 1 to 20, got "${raw}"`);
  return repeat;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function benchScale(): number {
  const raw = process.env.BENCH_SCALE ?? '1';
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`BENCH_SCALE must be a number in (0, 1], got "${raw}"`);
  return scale;
}

async function seed(ctx: Context, dbName: string, learners: number): Promise<SeededLearners> {
  log(`  seeding ${n(learners)} learners through the product's import (license-bot import learners)…`);
  const seeded = await seedLearners(ctx.mongo.uri, dbName, learners);
  log(`  seeded in ${fixed(seeded.seconds, 1)} s`);
  return seeded;
}

/**
 * Submits the reassignment `from` → `to` of every seeded learner, boots a fresh app process,
 * runs `before` (app idle), clicks Approve and waits for the completion notice, running
 * `during` once the job is under way; then stops the process and collects its figures.
 */
async function runJob(
  ctx: Context,
  dbName: string,
  change: { from: string; to: string },
  hooks: { before?: (app: AppChild) => Promise<void>; during?: (app: AppChild) => Promise<void> } = {},
): Promise<JobMeasurement> {
  const { db, deps } = await openBenchDeps(ctx.mongo.uri, dbName);
  try {
    const request = await submitReassignment(deps, change.from, change.to);
    const child = await startAppChild(
      {
        mongodbUri: ctx.mongo.uri,
        dbName,
        slackApiUrl: ctx.slack.apiUrl,
        signingSecret: SIGNING_SECRET,
        admins: [ADMIN],
        approvers: [LEAD],
        profileCommands: Boolean(ctx.profileDir),
      },
      ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [],
    );
    let stopped = false;
    try {
      await hooks.before?.(child);
      log(
        `  job of ${n(request.preview.toChange)} learners (${change.from} → ${change.to}): Approve clicked, waiting for the completion notice…`,
      );
      const during = hooks.during;
      const [appCpuBefore, dbCpuBefore] = [await child.cpuMs(), ctx.mongo.cpuMs()];
      const approvedAt = Date.now();
      const windowStart = process.hrtime.bigint() / 1000n;
      const run = await approveAndWait(
        { baseUrl: child.baseUrl, slack: ctx.slack, deps, request, timeoutMs: JOB_TIMEOUT_MS },
        during ? () => during(child) : undefined,
      );
      const [appCpuAfter, dbCpuAfter] = [await child.cpuMs(), ctx.mongo.cpuMs()];
      // In CLOCK_MONOTONIC µs, the clock of CPU profiles' timestamps, to cut a database profile to the job.
      if (process.env.BENCH_PROFILE === '1') log(`  job window (monotonic µs): ${windowStart} ${process.hrtime.bigint() / 1000n}`);
      const { maxRssMb, loopDelay, memory, commands } = await child.stop();
      stopped = true;
      const cpu = {
        appSeconds: round1((appCpuAfter - appCpuBefore) / 1000),
        ...(dbCpuBefore !== undefined && dbCpuAfter !== undefined ? { dbSeconds: round1((dbCpuAfter - dbCpuBefore) / 1000) } : {}),
      };
      const rssByQuarterMb = [0, 1, 2, 3].map((q) => {
        const span = (run.noticeAt - approvedAt) / 4;
        const inQuarter = memory.rssSamples
          .filter(([at]) => at >= approvedAt + q * span && at <= approvedAt + (q + 1) * span)
          .map(([, rss]) => rss);
        return inQuarter.length ? Math.max(...inQuarter) : 0;
      });
      log(
        `  ${n(run.learners)} learners in ${fixed(run.seconds, 1)} s (${n(run.perSec)}/s), peak RSS ${fixed(maxRssMb, 0)} MB, ${run.slackCalls} Slack calls`,
      );
      log(
        `  CPU: app ${cpu.appSeconds} s${cpu.dbSeconds !== undefined ? `, database ${cpu.dbSeconds} s` : ''} in ${fixed(run.seconds, 1)} s; event-loop delay p99 ${loopDelay.p99Ms} ms, max ${loopDelay.maxMs} ms`,
      );
      log(
        `  memory peaks (MB): heap total ${memory.heapTotalMb}, heap used ${memory.heapUsedMb}, external ${memory.externalMb}` +
          (memory.heapUsedAfterGcMb !== undefined ? `; heap used after a full GC at the end ${memory.heapUsedAfterGcMb}` : '') +
          `; highest RSS per quarter of the job ${rssByQuarterMb.join(' / ')}`,
      );
      printCommands(commands);
      return { ...run, maxRssMb, bootRssMb: child.bootRssMb, loopDelay, memory, cpu, rssByQuarterMb, ...(commands ? { commands } : {}) };
    } finally {
      if (!stopped) await child.stop().catch(() => undefined);
    }
  } finally {
    await db.close();
  }
}

function printCommands(commands: CommandProfile | undefined): void {
  if (!commands) return;
  const rows = Object.entries(commands)
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 15)
    .map(([key, value]) => [key, n(value.count), n(value.ms)]);
  log(`  database round trips of the app process (BENCH_PROFILE):\n${table([['command', 'count', 'ms'], ...rows])}`);
}

/** The App Home's rows of the results table. */
function homeRows(home: HomeRun, learners: string, yes: (ok: boolean) => string): string[][] {
  return [
    [
      `App Home of an admin, app_home_opened → views.publish p50 / p95 / p99 (${n(home.opens)} admins; ${learners} learners, ${home.licenseTypes} types, ${n(home.jobs)} jobs, ${n(home.scheduled)} scheduled, ${n(home.grantsEndingSoon)} licenses ending this week)`,
      `${home.p50Ms} / ${home.p95Ms} / ${home.p99Ms} ms`,
      `p95 ≤ ${TARGETS.homeP95Ms} ms`,
      yes(home.p95Ms <= TARGETS.homeP95Ms),
    ],
    [
      'App Home: idle seats shown (counted in the background) after the first open; Homes published again once counted',
      `${home.idleSeatsShownMs === null ? 'never' : `${n(home.idleSeatsShownMs)} ms`}; ${n(home.republished)}`,
      '',
      '',
    ],
  ];
}

/** The App Home's line of the log. */
function expiryLine(expiry: ExpiryRun): string {
  return `  median run: all ${n(expiry.learners)} reverted ${fixed(expiry.seconds, 1)} s after their end (run of ${fixed(expiry.runSeconds, 1)} s at ${n(expiry.perSec)}/s, ${expiry.operations} operations, ${expiry.endJobs} end job(s)); the bulk job ran at ${n(expiry.bulkJobPerSec)}/s: ratio ${fixed(expiry.ratio)}${spreadOf(expiry.ratios)}`;
}

/** ", 0.74–0.89 over 3 runs" when there was more than one run. */
function spreadOf(ratios: readonly number[] | undefined): string {
  if (!ratios || ratios.length < 2) return '';
  return `; ${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))} over ${ratios.length} runs`;
}

function homeLine(home: HomeRun): string {
  return `  app_home_opened → views.publish p50 ${home.p50Ms} ms, p95 ${home.p95Ms} ms, p99 ${home.p99Ms} ms, max ${home.maxMs} ms (${home.blocks} blocks); idle seats shown after ${home.idleSeatsShownMs ?? '—'} ms, ${home.republished} Homes published again`;
}

async function main(): Promise<void> {
  const root = packageRoot();
  const scale = benchScale();
  const repeat = benchRepeat();
  const onlyBulk = process.env.BENCH_ONLY === 'bulk';
  const scaled = (count: number, min: number) => Math.max(min, Math.round(count * scale));
  const counts = {
    scale,
    learnersSmall: scaled(10_000, 200),
    learnersBig: scaled(100_000, 2_000),
    typeaheadRequests: scaled(1_000, 50),
    typeaheadBurst: 300,
    ackRequests: scaled(200, 20),
    ackConcurrency: 20,
    learnersSync: scaled(20_000, 500),
    grantsExpiring: scaled(10_000, 500),
    homeOpens: scaled(300, 30),
    learnersNotices: scaled(20_000, 1_000),
    repeat,
  };
  const profileDir = process.env.BENCH_PROFILE === '1' ? mkdtempSync(path.join(os.tmpdir(), 'bench-profile-')) : undefined;

  const mongo = await findMongo(root, profileDir);
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    mongodb: mongo.server,
    mongodbOrigin: mongo.origin,
  };
  log(`database: ${mongo.server} via ${mongo.origin}`);
  log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}; scale ${scale}`);

  if (process.env.BENCH_ONLY === 'home') {
    // Only the App Home measurement (issues 9, 10, 11), on its own seeded database.
    const only = `bench_${randomBytes(3).toString('hex')}_home`;
    const slack = await startFakeSlack();
    try {
      log(`App Home of ${n(counts.homeOpens)} admins over ${n(counts.learnersBig)} learners, 20 license types and 1,000 bulk jobs`);
      await seedLearners(mongo.uri, only, counts.learnersBig);
      const home = await measureHome({ mongoUri: mongo.uri, dbName: only, slack, opens: counts.homeOpens });
      log(homeLine(home));
      process.stdout.write(
        `\n${table([['Measurement', 'Result', 'Target', 'Met'], ...homeRows(home, n(counts.learnersBig), (ok) => (ok ? 'yes' : 'NO'))])}\n`,
      );
      writeFileSync(
        path.join(root, 'bench', 'results-home.json'),
        `${JSON.stringify({ ranAt: new Date().toISOString(), machine, counts, home }, null, 2)}\n`,
      );
    } finally {
      await dropDatabase(mongo.uri, only).catch(() => undefined);
      await slack.close();
      await mongo.stop();
    }
    return;
  }
  if (process.env.BENCH_ONLY === 'expiry') {
    // Only the time-bound licenses ending together (issue 10), on their own seeded database.
    const only = `bench_${randomBytes(3).toString('hex')}_expiry`;
    const slack = await startFakeSlack();
    try {
      log(`${n(counts.grantsExpiring)} time-bound licenses ending in the same minute, against the bulk job that made them`);
      await seedLearners(mongo.uri, only, counts.grantsExpiring);
      const expiry = await runExpiryBenchRepeated({
        mongoUri: mongo.uri,
        dbName: only,
        slack,
        log,
        timeoutMs: JOB_TIMEOUT_MS,
        repeat,
        dbCpuMs: mongo.cpuMs,
      });
      log(expiryLine(expiry));
    } finally {
      await dropDatabase(mongo.uri, only).catch(() => undefined);
      await slack.close();
      await mongo.stop();
    }
    return;
  }
  if (process.env.BENCH_ONLY === 'reclaim') {
    // Only the reclaim and undo measurements (issue 11), on their own seeded database.
    const only = `bench_${randomBytes(3).toString('hex')}_reclaim`;
    try {
      log(`reclaim candidates and undo over ${n(counts.learnersBig)} learners`);
      await seedLearners(mongo.uri, only, counts.learnersBig);
      const result = await runReclaimUndoBench({ mongoUri: mongo.uri, dbName: only, learners: counts.learnersBig, log });
      process.stdout.write(`\n${table(reclaimUndoRows(result, (ok) => (ok ? 'yes' : 'NO')))}\n`);
      writeFileSync(
        path.join(root, 'bench', 'results-reclaim.json'),
        `${JSON.stringify({ ranAt: new Date().toISOString(), machine, reclaimUndo: result }, null, 2)}\n`,
      );
    } finally {
      await dropDatabase(mongo.uri, only).catch(() => undefined);
      await mongo.stop();
    }
    return;
  }
  const slack = await startFakeSlack();
  const ctx: Context = { mongo, slack, ...(profileDir ? { profileDir } : {}) };
  const run = randomBytes(3).toString('hex');
  const smallDb = `bench_${run}_small`;
  const bigDb = `bench_${run}_big`;
  const syncDb = `bench_${run}_sync`;
  const expiryDb = `bench_${run}_expiry`;
  const noticesDb = `bench_${run}_notices`;
  let sync: SyncRun | undefined;
  let burst: TypeaheadBurst | undefined;
  let reclaimUndo: ReclaimUndoRun | undefined;
  let expiry: ExpiryRun | undefined;
  let home: HomeRun | undefined;
  let notices: NoticeRun | undefined;
  const started = performance.now();
  const smalls: JobMeasurement[] = [];
  const pairs: {
    job: JobMeasurement;
    raw: RawRun;
    rawCpu: { appSeconds: number; dbSeconds?: number };
    ratio: number;
    cpuRatio?: number;
  }[] = [];
  let loaded: JobMeasurement | undefined;
  let raw: RawRun;
  let typeahead: TypeaheadRun | undefined;
  let coldAcks: AckRun | undefined;
  let acks: AckRun | undefined;
  // Jobs alternate direction so that every run starts from the same data (everyone on one type).
  const forth = { from: FROM_TYPE, to: TO_TYPE };
  const back = { from: TO_TYPE, to: FROM_TYPE };
  try {
    log(`1/9 bulk job of ${n(counts.learnersSmall)} learners, ${repeat} time(s)`);
    await seed(ctx, smallDb, counts.learnersSmall);
    for (let i = 0; i < repeat; i += 1) smalls.push(await runJob(ctx, smallDb, i % 2 === 0 ? forth : back));
    await dropDatabase(mongo.uri, smallDb);

    log(
      `2/9 bulk job of ${n(counts.learnersBig)} learners, then the raw driver doing the same writes (bulkWrite × 1,000), ${repeat} time(s)`,
    );
    const seeded = await seed(ctx, bigDb, counts.learnersBig);
    for (let i = 0; i < repeat; i += 1) {
      log(`  run ${i + 1} of ${repeat}`);
      const job = await runJob(ctx, bigDb, forth);
      const dbCpuBefore = ctx.mongo.cpuMs();
      const rawStart = process.hrtime.bigint() / 1000n;
      const rawAll = await runRawReassignment(mongo.uri, bigDb, TO_TYPE, FROM_TYPE, 'all');
      const dbCpuAfter = ctx.mongo.cpuMs();
      if (process.env.BENCH_PROFILE === '1') log(`  raw window (monotonic µs): ${rawStart} ${process.hrtime.bigint() / 1000n}`);
      const rawCpu = {
        appSeconds: round1(rawAll.clientCpuSeconds),
        ...(dbCpuBefore !== undefined && dbCpuAfter !== undefined ? { dbSeconds: round1((dbCpuAfter - dbCpuBefore) / 1000) } : {}),
      };
      if (rawAll.learners !== counts.learnersBig)
        throw new Error(`the raw baseline changed ${rawAll.learners} learners, expected ${counts.learnersBig}`);
      const ratio = job.perSec / rawAll.perSec;
      // CPU seconds spent (client or app + database) for the same learners: unlike the wall clock, it
      // hardly moves when other processes compete for the cores.
      const cpuRatio =
        rawCpu.dbSeconds !== undefined && job.cpu.dbSeconds !== undefined
          ? (rawCpu.appSeconds + rawCpu.dbSeconds) / (job.cpu.appSeconds + job.cpu.dbSeconds)
          : undefined;
      log(
        `  raw driver, same writes: ${n(rawAll.learners)} learners in ${fixed(rawAll.seconds, 1)} s (${n(rawAll.perSec)}/s), CPU client ${rawCpu.appSeconds} s${rawCpu.dbSeconds !== undefined ? `, database ${rawCpu.dbSeconds} s` : ''}; ratio ${fixed(ratio)}${cpuRatio !== undefined ? `, CPU ratio ${fixed(cpuRatio)}` : ''}`,
      );
      pairs.push({ job, raw: rawAll, rawCpu, ratio, ...(cpuRatio !== undefined ? { cpuRatio } : {}) });
    }

    log(`3/9 raw driver writing only the learner and a history row: ${FROM_TYPE} → ${TO_TYPE}`);
    raw = await runRawReassignment(mongo.uri, bigDb, FROM_TYPE, TO_TYPE);
    log(`  ${n(raw.learners)} learners in ${fixed(raw.seconds, 1)} s (${n(raw.perSec)}/s)`);

    if (!onlyBulk) {
      log(
        `4/9 typeahead (${n(counts.typeaheadRequests)} requests), then a ${n(counts.learnersBig)}-learner job with ${n(counts.ackRequests)} slash commands at concurrency ${counts.ackConcurrency}`,
      );
      const prefixes = typeaheadPrefixes(seeded, counts.typeaheadRequests);
      loaded = await runJob(ctx, bigDb, back, {
        before: async (app) => {
          typeahead = await runTypeahead(app.baseUrl, prefixes);
          log(
            `  typeahead p50 ${typeahead.p50Ms} ms, p95 ${typeahead.p95Ms} ms, p99 ${typeahead.p99Ms} ms (${typeahead.withOptions} of ${typeahead.requests} answers with options)`,
          );
          burst = await runTypeaheadBurst(app.baseUrl, prefixes.slice(0, counts.typeaheadBurst), 'UBENCHSTORED');
          log(
            `  ${burst.requests} simultaneous typeahead requests: all answered in ${burst.allAnsweredMs} ms (p50 ${burst.p50Ms} ms, max ${burst.maxMs} ms)`,
          );
          // A fresh process compiles its command handlers and opens its response_url connections
          // on its first commands; a running bot has done that long before a job starts. That
          // first wave is measured (idle) and reported, not mixed into the load.
          coldAcks = await runAckLoad(app.baseUrl, slack, counts.ackConcurrency, counts.ackConcurrency);
          log(`  first ${coldAcks.requests} commands of the fresh process (idle): p50 ${coldAcks.p50Ms} ms, max ${coldAcks.maxMs} ms`);
        },
        during: async (app) => {
          acks = await runAckLoad(app.baseUrl, slack, counts.ackRequests, counts.ackConcurrency);
          log(`  acks during the job: p50 ${acks.p50Ms} ms, p95 ${acks.p95Ms} ms, p99 ${acks.p99Ms} ms, max ${acks.maxMs} ms`);
        },
      });
      log(`5/9 sync of a ${n(counts.learnersSync)}-learner job to the SCIM test server (scimmy)`);
      sync = await runSyncBench({ mongoUri: mongo.uri, dbName: syncDb, slack, count: counts.learnersSync, log });
      log(
        `  in sync ${sync.secondsToInSync} s after the notice; ${sync.requests} requests (${sync.requestsPerLearner} per learner); pushes ${sync.productPushSeconds} s vs the bare requests ${sync.rawSeconds} s (ratio ${sync.ratio})`,
      );
      log(`6/9 reclaim candidates (usage on every learner) and the undo of a ${n(counts.learnersBig)}-learner job`);
      reclaimUndo = await runReclaimUndoBench({ mongoUri: mongo.uri, dbName: bigDb, learners: counts.learnersBig, log });
      log(`7/9 ${n(counts.grantsExpiring)} time-bound licenses ending in the same minute, against the bulk job that made them`);
      await seed(ctx, expiryDb, counts.grantsExpiring);
      expiry = await runExpiryBenchRepeated({
        mongoUri: mongo.uri,
        dbName: expiryDb,
        slack,
        log,
        timeoutMs: JOB_TIMEOUT_MS,
        repeat: counts.repeat,
        dbCpuMs: mongo.cpuMs,
      });
      log(expiryLine(expiry));

      log(`8/9 App Home of ${n(counts.homeOpens)} admins over ${n(counts.learnersBig)} learners, 20 license types and 1,000 bulk jobs`);
      home = await measureHome({ mongoUri: mongo.uri, dbName: bigDb, slack, opens: counts.homeOpens });
      log(homeLine(home));

      log(`9/9 learners told: a ${n(counts.learnersNotices)}-learner job with LEARNER_NOTICES=on at ${n(NOTICE_PACE)} calls a minute`);
      notices = await runNoticeBench({
        mongoUri: mongo.uri,
        dbName: noticesDb,
        slack,
        count: counts.learnersNotices,
        perMinute: NOTICE_PACE,
        log,
      });
      log(
        `  ${n(notices.dms)} DMs and ${n(notices.lookups)} look-ups in ${notices.seconds} s: ${n(notices.callsPerMinute)} calls/min (${n(notices.dmsPerMinute)} DMs/min), busiest second ${n(notices.busiestSecondPerMinute)}/min, ${notices.rateLimited} 429s; all told ${notices.toldSeconds} s after Approve`,
      );
    }
  } finally {
    await dropDatabase(mongo.uri, expiryDb).catch(() => undefined);
    await dropDatabase(mongo.uri, noticesDb).catch(() => undefined);
    await dropDatabase(mongo.uri, syncDb).catch(() => undefined);
    await dropDatabase(mongo.uri, smallDb).catch(() => undefined);
    await dropDatabase(mongo.uri, bigDb).catch(() => undefined);
    await slack.close();
    await mongo.stop();
  }

  // The issue's baseline is "the same writes done by the raw driver": every row the product writes
  // per learner (learner, history close, history row, audit event, seats), measured right after
  // each product run on the same learners. The ratio is each run's product / raw; its median is
  // what the target is about, and the spread shows how noisy the machine was.
  const ratios = pairs.map((pair) => pair.ratio);
  const cpuRatios = pairs.flatMap((pair) => (pair.cpuRatio !== undefined ? [pair.cpuRatio] : []));
  const ratio = median(ratios);
  const bigs = pairs.map((pair) => pair.job);
  const medianJob = (jobs: JobMeasurement[]) => [...jobs].sort((a, b) => a.perSec - b.perSec)[Math.floor((jobs.length - 1) / 2)];
  const big = medianJob(bigs) as JobMeasurement;
  const small = medianJob(smalls) as JobMeasurement;
  const productPerSec = median(bigs.map((job) => job.perSec));
  const rawPerSec = median(pairs.map((pair) => pair.raw.perSec));
  const rssSmall = median(smalls.map((job) => job.maxRssMb));
  const rssBig = median(bigs.map((job) => job.maxRssMb));
  const growth = rssBig / rssSmall;
  // At most one progress edit per PROGRESS_EVERY_S, plus the first and the final one.
  const timeBound = (job: JobRun) => job.progressUpdates <= job.seconds / PROGRESS_EVERY_S + 2;
  const met = {
    ratio: ratio >= TARGETS.ratio,
    ratioGoal: ratio >= TARGETS.ratioGoal,
    memory: growth <= TARGETS.memoryGrowth,
    slackCalls: [...smalls, ...bigs].every(timeBound),
    ...(typeahead ? { typeahead: typeahead.p95Ms <= TARGETS.typeaheadP95Ms } : {}),
    ...(acks ? { ack: acks.p99Ms <= TARGETS.ackP99Ms } : {}),
    ...(sync ? { sync: sync.ratio >= TARGETS.syncRatio } : {}),
    ...(burst ? { typeaheadBurst: burst.maxMs <= TARGETS.typeaheadBurstMs } : {}),
    ...(reclaimUndo ? { reclaim: reclaimUndo.candidates.p95Ms <= TARGETS.reclaimP95Ms, undo: reclaimUndo.ratio >= TARGETS.undoRatio } : {}),
    ...(expiry ? { expiry: expiry.ratio >= TARGETS.expiryRatio } : {}),
    ...(home ? { home: home.p95Ms <= TARGETS.homeP95Ms } : {}),
    // Under the pace over the run, and never refused by a fake Slack that allows only that pace.
    ...(notices ? { notices: notices.callsPerMinute <= NOTICE_PACE && notices.rateLimited === 0 } : {}),
  };
  const jobFigures = (job: JobMeasurement) => ({
    learners: job.learners,
    seconds: round1(job.seconds),
    jobSeconds: round1(job.jobSeconds),
    perSec: Math.round(job.perSec),
    maxRssMb: job.maxRssMb,
    slackCalls: job.slackCalls,
    slackCallsByMethod: job.slackCallsByMethod,
    cpu: job.cpu,
    loopDelay: job.loopDelay,
    rssByQuarterMb: job.rssByQuarterMb,
    memory: {
      heapTotalMb: job.memory.heapTotalMb,
      heapUsedMb: job.memory.heapUsedMb,
      externalMb: job.memory.externalMb,
      arrayBuffersMb: job.memory.arrayBuffersMb,
    },
  });
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  const results = {
    ranAt: new Date().toISOString(),
    totalSeconds: round1((performance.now() - started) / 1000),
    machine,
    counts,
    bulk: {
      learners10k: small.learners,
      learners100k: big.learners,
      repeat,
      productPerSec: Math.round(productPerSec),
      rawPerSec: Math.round(rawPerSec),
      ratio: round3(ratio),
      ratioMin: round3(Math.min(...ratios)),
      ratioMax: round3(Math.max(...ratios)),
      runs: pairs.map((pair) => ({
        productPerSec: Math.round(pair.job.perSec),
        rawPerSec: Math.round(pair.raw.perSec),
        ratio: round3(pair.ratio),
        productCpu: pair.job.cpu,
        rawCpu: pair.rawCpu,
        ...(pair.cpuRatio !== undefined ? { cpuRatio: round3(pair.cpuRatio) } : {}),
      })),
      ...(cpuRatios.length ? { cpuRatio: round3(median(cpuRatios)) } : {}),
      rawMinimalPerSec: Math.round(raw.perSec),
      ratioToRawMinimal: round3(productPerSec / raw.perSec),
      rssMb10k: rssSmall,
      rssMb100k: rssBig,
      rssGrowth: Math.round(growth * 100) / 100,
      slackCalls10k: small.slackCalls,
      slackCalls100k: big.slackCalls,
      jobs: {
        small: smalls.map(jobFigures),
        big: bigs.map(jobFigures),
        ...(loaded ? { underAckLoad: jobFigures(loaded) } : {}),
      },
      raw: { ...raw, seconds: round1(raw.seconds), perSec: Math.round(raw.perSec) },
    },
    ...(typeahead ? { typeahead: { learners: big.learners, ...typeahead, ...(burst ? { burst } : {}) } } : {}),
    ...(acks && coldAcks && loaded
      ? {
          ack: {
            requests: acks.requests,
            concurrency: acks.concurrency,
            p50Ms: acks.p50Ms,
            p95Ms: acks.p95Ms,
            p99Ms: acks.p99Ms,
            maxMs: acks.maxMs,
            duringJob: acks.finishedAt <= loaded.noticeAt,
            firstWaveOfFreshProcess: { requests: coldAcks.requests, p50Ms: coldAcks.p50Ms, maxMs: coldAcks.maxMs },
          },
        }
      : {}),
    ...(sync ? { sync } : {}),
    ...(reclaimUndo ? { reclaimUndo } : {}),
    ...(expiry
      ? {
          expiry: {
            learners: expiry.learners,
            seconds: round1(expiry.seconds),
            runSeconds: round1(expiry.runSeconds),
            startedAfterMs: Math.round(expiry.startedAfterMs),
            perSec: Math.round(expiry.perSec),
            bulkJobPerSec: Math.round(expiry.bulkJobPerSec),
            bulkJobSeconds: round1(expiry.bulk.jobSeconds),
            bulkPerSec: Math.round(expiry.bulk.perSec),
            bulkSeconds: round1(expiry.bulk.seconds),
            ...(expiry.cpu ? { cpu: expiry.cpu } : {}),
            ratio: round3(expiry.ratio),
            ratios: (expiry.ratios ?? [expiry.ratio]).map(round3),
            operations: expiry.operations,
            endJobs: expiry.endJobs,
          },
        }
      : {}),
    ...(home ? { home } : {}),
    ...(notices ? { notices } : {}),
    targets: { ...TARGETS, noticesPerMinute: NOTICE_PACE, met },
  };

  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  const smallLabel = n(small.learners);
  const bigLabel = n(big.learners);
  const spread = repeat > 1 ? ` (${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))} over ${repeat} runs)` : '';
  const rows = [
    ['Measurement', 'Result', 'Target', 'Met'],
    [`Bulk throughput, product (${bigLabel} learners, Approve → completion notice), median`, `${n(productPerSec)} learners/s`, '', ''],
    ['Bulk throughput, raw driver, the same writes (bulkWrite × 1,000), median', `${n(rawPerSec)} learners/s`, '', ''],
    [
      'Throughput ratio product / raw, median of the runs',
      `${fixed(ratio)}${spread}`,
      `≥ ${TARGETS.ratio} (goal ${TARGETS.ratioGoal})`,
      yes(met.ratio),
    ],
    ...(cpuRatios.length
      ? [
          [
            'CPU seconds (client or app + database), raw / product, median',
            `${fixed(median(cpuRatios))} (${fixed(Math.min(...cpuRatios))}–${fixed(Math.max(...cpuRatios))})`,
            '',
            '',
          ],
        ]
      : []),
    [
      'Raw driver writing only the learner and a history row',
      `${n(raw.perSec)} learners/s (ratio ${fixed(productPerSec / raw.perSec)})`,
      '',
      '',
    ],
    [`Peak RSS, ${smallLabel}-learner job (median)`, `${fixed(rssSmall, 0)} MB`, '', ''],
    [
      `Peak RSS, ${bigLabel}-learner job (median)`,
      `${fixed(rssBig, 0)} MB (× ${fixed(growth)})`,
      `≤ ${TARGETS.memoryGrowth} × ${smallLabel}`,
      yes(met.memory),
    ],
    [`Slack calls, ${smallLabel}-learner job`, `${small.slackCalls} in ${fixed(small.seconds, 1)} s`, '', ''],
    [
      `Slack calls, ${bigLabel}-learner job`,
      `${big.slackCalls} in ${fixed(big.seconds, 1)} s`,
      `≤ 1 edit / ${PROGRESS_EVERY_S} s`,
      yes(met.slackCalls),
    ],
    ...(typeahead
      ? [
          [
            `Typeahead p50 / p95 / p99 (${n(typeahead.requests)} requests, ${bigLabel} learners)`,
            `${typeahead.p50Ms} / ${typeahead.p95Ms} / ${typeahead.p99Ms} ms`,
            `p95 ≤ ${TARGETS.typeaheadP95Ms} ms`,
            yes(typeahead.p95Ms <= TARGETS.typeaheadP95Ms),
          ],
        ]
      : []),
    ...(burst
      ? [
          [
            `Typeahead: ${burst.requests} simultaneous requests of an admin added from Slack (${bigLabel} learners), slowest answer`,
            `${n(burst.maxMs)} ms (p50 ${n(burst.p50Ms)} ms)`,
            `≤ ${n(TARGETS.typeaheadBurstMs)} ms`,
            yes(burst.maxMs <= TARGETS.typeaheadBurstMs),
          ],
        ]
      : []),
    ...(acks
      ? [
          [
            `Slash-command ack p50 / p99 during the job (${n(acks.requests)} at ${acks.concurrency})`,
            `${acks.p50Ms} / ${acks.p99Ms} ms`,
            `p99 ≤ ${TARGETS.ackP99Ms} ms`,
            yes(acks.p99Ms <= TARGETS.ackP99Ms),
          ],
        ]
      : []),
    ...(sync
      ? [
          [
            `Sync to SCIM (scimmy), ${n(sync.learners)}-learner job: completion notice → in sync`,
            `${fixed(sync.secondsToInSync, 1)} s`,
            '',
            '',
          ],
          [
            'Sync: HTTP requests per learner (Bulk)',
            `${sync.requestsPerLearner} (${n(sync.requests)} requests)`,
            '≪ 1',
            yes(sync.requestsPerLearner < 0.1),
          ],
          [
            'Sync: bare loop of the same requests / product pushes',
            `${fixed(sync.ratio)} (${fixed(sync.rawSeconds, 1)} s / ${fixed(sync.productPushSeconds, 1)} s)`,
            `≥ ${TARGETS.syncRatio}`,
            yes(sync.ratio >= TARGETS.syncRatio),
          ],
        ]
      : []),
    ...(reclaimUndo ? reclaimUndoRows(reclaimUndo, yes).slice(1) : []),
    ...(expiry
      ? [
          [
            `Expiry: ${n(expiry.learners)} grants ending in the same minute → all reverted`,
            `${fixed(expiry.seconds, 1)} s (run ${fixed(expiry.runSeconds, 1)} s, started ${n(expiry.startedAfterMs)} ms after the end; ${expiry.operations} operations)`,
            '',
            '',
          ],
          [
            'Expiry throughput / bulk job of the same size (each over its job run), median of the runs',
            `${fixed(expiry.ratio)} (${n(expiry.perSec)}/s vs ${n(expiry.bulkJobPerSec)}/s)${spreadOf(expiry.ratios)}`,
            `≥ ${TARGETS.expiryRatio}`,
            yes(expiry.ratio >= TARGETS.expiryRatio),
          ],
        ]
      : []),
    ...(home ? homeRows(home, bigLabel, yes) : []),
    ...(notices
      ? [
          [
            `Learner notices, ${n(notices.learners)}-learner job: Web API calls per minute over ${notices.seconds} s (DMs per minute)`,
            `${n(notices.callsPerMinute)} (${n(notices.dmsPerMinute)} DMs)`,
            `≤ ${n(NOTICE_PACE)} configured`,
            yes(notices.callsPerMinute <= NOTICE_PACE && notices.rateLimited === 0),
          ],
          [
            'Learner notices: busiest second / ten seconds, as calls per minute; 429s from a Slack allowing only that pace',
            `${n(notices.busiestSecondPerMinute)} / ${n(notices.busiestTenSecondsPerMinute)}; ${notices.rateLimited}`,
            '',
            '',
          ],
        ]
      : []),
  ];

  const resultsFile = path.join(root, 'bench', 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify({ ...results, markdownTable: markdownTable(rows) }, null, 2)}\n`);
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `Database: ${mongo.server} (${mongo.origin}). Machine: ${machine.cpus} CPUs, ${machine.memoryGb} GB, Node ${machine.node}. Scale ${scale}. Total ${results.totalSeconds} s.\n`,
  );
  process.stdout.write(`Results: ${path.relative(process.cwd(), resultsFile) || resultsFile}\n`);
  if (profileDir) process.stdout.write(`CPU profiles of the app processes (and of mongo-lite, when the bench started it): ${profileDir}\n`);
}

/** The reclaim and undo rows of the table (header first). */
function reclaimUndoRows(r: ReclaimUndoRun, yes: (ok: boolean) => string): string[][] {
  return [
    ['Measurement', 'Result', 'Target', 'Met'],
    [
      `Reclaim candidates p50 / p95 (${n(r.learners)} learners with usage, idle + never started per type)`,
      `${r.candidates.p50Ms} / ${r.candidates.p95Ms} ms`,
      `p95 ≤ ${TARGETS.reclaimP95Ms} ms`,
      yes(r.candidates.p95Ms <= TARGETS.reclaimP95Ms),
    ],
    [
      `Undo of a ${n(r.job.learners)}-learner job vs the job`,
      `${n(r.undo.perSec)} vs ${n(r.job.perSec)} learners/s (${fixed(r.ratio)})`,
      `≥ ${TARGETS.undoRatio}`,
      yes(r.ratio >= TARGETS.undoRatio),
    ],
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
