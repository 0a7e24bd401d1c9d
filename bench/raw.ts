import { type AnyBulkWriteOperation, type Document, MongoClient, type ObjectId } from 'mongodb';
import { BENCH_GROUP } from './seed.js';

/** The raw baseline's result. */
export interface RawRun {
  learners: number;
  seconds: number;
  perSec: number;
  /** CPU seconds of this (the client's) process during the writes. */
  clientCpuSeconds: number;
}

const BATCH = 1_000;

/** A history row as the product stores it (`_id` is `<opId>:<learnerId>:<type>`). */
interface HistoryRow {
  _id: string;
  learnerId: string;
  licenseType: string;
  opId: string;
  email: string;
  assignedAt: Date;
  revokedAt: Date | null;
  revokedBy?: string;
  actor: string;
  source: string;
  reason: string;
}

/** An audit event as the product stores it. */
interface AuditRow {
  key: string;
  at: Date;
  actor: string;
  action: string;
  outcome: string;
  learnerId: string;
  learnerEmail: string;
  from: string[];
  to: string[];
  source: string;
  details: Record<string, unknown>;
}

interface LearnerRow {
  _id: ObjectId;
  email: string;
  version: number;
}

/**
 * The same logical writes as a reassignment job, done with the bare MongoDB driver: stream the
 * learners holding `from` with a cursor and, per 1,000, one `bulkWrite` of learner updates (new
 * license, version + 1), one `bulkWrite` inserting their history rows (the product's row shape
 * and natural `_id`), and one `bulkWrite` moving the seat counters. No operation records,
 * leases, progress or Slack: what a hand-written script would do.
 *
 * `rows: 'minimal'` is the baseline the targets use. `rows: 'all'` also writes the other rows
 * the product keeps for each learner (closing the previous history row, one audit event), so
 * the gap between the two shows what those rows cost and the rest what the product's
 * machinery (operations, leases, fresh reads, checkpoints) costs.
 */
export async function runRawReassignment(
  uri: string,
  dbName: string,
  from: string,
  to: string,
  rows: 'minimal' | 'all' = 'minimal',
): Promise<RawRun> {
  const client = await MongoClient.connect(uri);
  try {
    const db = client.db(dbName);
    const learners = db.collection<LearnerRow>('learners');
    const assignments = db.collection<HistoryRow>('assignments');
    const licenseTypes = db.collection<Document>('license_types');
    const audit = db.collection<AuditRow>('audit_events');
    const runId = `raw:${Date.now().toString(36)}`;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let total = 0;
    let batchNo = 0;
    const cursor = learners.find({ groups: BENCH_GROUP, licenseTypes: from }, { projection: { email: 1, version: 1 }, batchSize: BATCH });
    let batch: LearnerRow[] = [];
    const flush = async () => {
      if (!batch.length) return;
      batchNo += 1;
      const opId = `${runId}:${batchNo}`;
      const at = new Date();
      const learnerWrites: AnyBulkWriteOperation<LearnerRow>[] = batch.map((learner) => ({
        updateOne: {
          filter: { _id: learner._id, version: learner.version },
          update: { $set: { licenseTypes: [to] }, $inc: { version: 1 } },
        },
      }));
      const historyWrites: AnyBulkWriteOperation<HistoryRow>[] = batch.map((learner) => ({
        insertOne: {
          document: {
            _id: `${opId}:${learner._id.toHexString()}:${to}`,
            learnerId: learner._id.toHexString(),
            licenseType: to,
            opId,
            email: learner.email,
            assignedAt: at,
            revokedAt: null,
            actor: 'bench:raw',
            source: 'bench:raw',
            reason: 'raw baseline',
          },
        },
      }));
      const updated = await learners.bulkWrite(learnerWrites, { ordered: false });
      if (rows === 'all') {
        await assignments.updateMany(
          { learnerId: { $in: batch.map((learner) => learner._id.toHexString()) }, licenseType: from, revokedAt: null },
          { $set: { revokedAt: at, revokedBy: opId } },
        );
        await audit.insertMany(
          batch.map((learner) => ({
            key: `${opId}:${learner._id.toHexString()}`,
            at,
            actor: 'bench:raw',
            action: 'reassign',
            outcome: 'applied',
            learnerId: learner._id.toHexString(),
            learnerEmail: learner.email,
            from: [from],
            to: [to],
            source: 'bench:raw',
            details: { opId, reason: 'raw baseline' },
          })),
          { ordered: false },
        );
      }
      await assignments.bulkWrite(historyWrites, { ordered: false });
      await licenseTypes.bulkWrite(
        [
          { updateOne: { filter: { key: from }, update: { $inc: { seatsInUse: -updated.modifiedCount } } } },
          { updateOne: { filter: { key: to }, update: { $inc: { seatsInUse: updated.modifiedCount } } } },
        ],
        { ordered: true },
      );
      total += updated.modifiedCount;
      batch = [];
    };
    for await (const learner of cursor) {
      batch.push(learner);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { learners: total, seconds, perSec: total / seconds, clientCpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await client.close();
  }
}
