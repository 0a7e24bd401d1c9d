/**
 * Reclaim and undo at scale: the reclaim-candidate query over learners with usage (p50/p95 of
 * the counts `/license reclaim` runs per type), and the undo of a job measured against the job
 * itself (both run in this process through the same runner, so the ratio compares like with like).
 */
import type { Connection, Types } from 'mongoose';
import { connectDatabase, openRepositories } from '../src/db/index.js';
import { modelsFor } from '../src/db/models/index.js';
import { approveBulkRequest } from '../src/licensing/bulk/decisions.js';
import { runBulkJob } from '../src/licensing/bulk/runner.js';
import { normalizeSelection } from '../src/licensing/bulk/selection.js';
import { reclaimSelection } from '../src/licensing/reclaim/reclaim.js';
import { requestUndo } from '../src/licensing/undo/undo.js';
import { ADMIN, CHANNEL, LEAD, submitReassignment } from './bulk.js';
import { FROM_TYPE, TO_TYPE } from './seed.js';
import { latencySummary } from './stats.js';

const DAY = 86_400_000;

export interface ReclaimUndoRun {
  learners: number;
  candidates: { idle: number; neverStarted: number; queries: number; p50Ms: number; p95Ms: number; maxMs: number };
  job: { learners: number; seconds: number; perSec: number };
  undo: { learners: number; seconds: number; perSec: number; changedSince: number };
  ratio: number;
}

/**
 * Usage as an import leaves it: a third of the learners active last week, a third idle for months,
 * a third never started. Returns every learner id, in id order.
 */
export async function seedUsage(connection: Connection, now: Date): Promise<Types.ObjectId[]> {
  const { Learner } = modelsFor(connection);
  const learners = Learner.collection;
  const ids = (await Learner.find({}, { _id: 1 }).sort({ _id: 1 }).lean()).map((d) => d._id);
  const third = Math.floor(ids.length / 3);
  const usage = (lastActiveAt: Date) => ({
    $set: { usage: { lastActiveAt, hoursViewed: 1, periodEnd: now, importId: 'bench', importedAt: now } },
  });
  for (let i = 0; i < 2 * third; i += 5_000) {
    const slice = ids.slice(i, Math.min(i + 5_000, 2 * third));
    const active = slice.filter((_, j) => i + j < third);
    const idle = slice.filter((_, j) => i + j >= third);
    if (active.length) await learners.updateMany({ _id: { $in: active } }, usage(new Date(now.getTime() - 7 * DAY)));
    if (idle.length) await learners.updateMany({ _id: { $in: idle } }, usage(new Date(now.getTime() - 120 * DAY)));
  }
  return ids;
}

/** Runs on a database seeded with `learners` learners on FROM_TYPE (bench/seed.ts). */
export async function runReclaimUndoBench(input: {
  mongoUri: string;
  dbName: string;
  learners: number;
  queries?: number;
  log: (m: string) => void;
}): Promise<ReclaimUndoRun> {
  const db = await connectDatabase({ uri: input.mongoUri, dbName: input.dbName });
  try {
    const repositories = await openRepositories(db.connection);
    const now = new Date();
    const deps = {
      ...repositories,
      configAdmins: [ADMIN],
      processId: `bench:${process.pid}`,
      now: () => now,
      configApprovers: [LEAD],
      bulkApprovalThreshold: 25,
      approvalTtlHours: 72,
      undoWindowDays: 14,
    };
    const ids = await seedUsage(db.connection, now);
    const settings = { idleDays: 60, excludeGroups: [], excludeEmails: [] };
    const idleSelection = normalizeSelection(reclaimSelection(settings, FROM_TYPE, now));
    const samples: number[] = [];
    let counts = { idle: 0, neverStarted: 0 };
    const queries = input.queries ?? 30;
    for (let q = 0; q < queries; q += 1) {
      const started = performance.now();
      counts = await repositories.reclaim.countCandidates(idleSelection);
      samples.push(performance.now() - started);
    }
    const latency = latencySummary(samples);
    input.log(
      `  reclaim candidates: ${counts.idle.toLocaleString('en-US')} idle (${counts.neverStarted.toLocaleString('en-US')} never started) of ${ids.length.toLocaleString('en-US')}; p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms`,
    );

    // The job, then its undo, through approval and the same runner.
    const request = await submitReassignment(deps, FROM_TYPE, TO_TYPE);
    await approveBulkRequest(deps, { userId: LEAD, source: 'slack' }, request.id);
    let started = performance.now();
    const job = await runBulkJob(deps, request.id);
    const jobSeconds = (performance.now() - started) / 1000;
    input.log(`  job: ${job.done.toLocaleString('en-US')} learners in ${jobSeconds.toFixed(1)} s`);
    const undo = await requestUndo(deps, { userId: ADMIN, source: 'slack', channelId: CHANNEL }, request.id);
    await approveBulkRequest(deps, { userId: LEAD, source: 'slack' }, undo.request.id);
    started = performance.now();
    const undone = await runBulkJob(deps, undo.request.id);
    const undoSeconds = (performance.now() - started) / 1000;
    input.log(`  undo: ${undone.done.toLocaleString('en-US')} learners in ${undoSeconds.toFixed(1)} s`);
    const jobPerSec = job.done / jobSeconds;
    const undoPerSec = undone.done / undoSeconds;
    return {
      learners: ids.length,
      candidates: { ...counts, queries, ...latency },
      job: { learners: job.done, seconds: Math.round(jobSeconds * 10) / 10, perSec: Math.round(jobPerSec) },
      undo: {
        learners: undone.done,
        seconds: Math.round(undoSeconds * 10) / 10,
        perSec: Math.round(undoPerSec),
        changedSince: undo.changedSince,
      },
      ratio: Math.round((undoPerSec / jobPerSec) * 1000) / 1000,
    };
  } finally {
    await db.close();
  }
}
