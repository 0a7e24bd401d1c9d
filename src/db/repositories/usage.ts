import type { Connection } from 'mongoose';
import type { ActorSource } from '../../licensing/model.js';
import type { UsageFormat, UsageImportRecord, UsageStore } from '../../licensing/usage/ports.js';
import { type LearnerDoc, modelsFor, type UsageImportDoc } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';

function toRecord(doc: UsageImportDoc): UsageImportRecord {
  return {
    id: doc._id,
    fileName: doc.fileName,
    format: doc.format as UsageFormat,
    importedAt: doc.importedAt,
    importedBy: doc.importedBy,
    source: doc.source as ActorSource,
    periodEnd: doc.periodEnd,
    rows: doc.rows,
    learners: doc.learners,
    matched: doc.matched,
    unknownEmails: doc.unknownEmails,
    status: doc.status,
    ...(doc.completedAt ? { completedAt: doc.completedAt } : {}),
  };
}

/** The MongoDB side of usage imports: the import history and each learner's usage. */
export function createUsageRepository(connection: Connection): UsageStore {
  const { Learner, UsageImport } = modelsFor(connection);
  const learners = nativeCollection<LearnerDoc>(connection, Learner);
  return {
    async startUsageImport(record) {
      const { id, ...rest } = record;
      await UsageImport.updateOne({ _id: id }, { $setOnInsert: { ...rest } }, { upsert: true });
    },
    async finishUsageImport(id, counts, at) {
      await UsageImport.updateOne({ _id: id }, { $set: { ...counts, status: 'completed', completedAt: at } });
    },
    async saveUsage(importId, usage, at) {
      if (usage.length === 0) return { matched: 0, unknown: [] };
      const emails = usage.map((u) => u.email);
      const found = new Set((await Learner.find({ email: { $in: emails } }, { email: 1 }).lean()).map((d) => d.email));
      const writes = usage
        .filter((u) => found.has(u.email))
        .map((u) => ({
          updateOne: {
            filter: { email: u.email },
            update: {
              $set: {
                'usage.hoursViewed': u.hoursViewed,
                'usage.importId': importId,
                'usage.importedAt': at,
                ...(u.daysLoggedIn !== undefined ? { 'usage.daysLoggedIn': u.daysLoggedIn } : {}),
              },
              // Never backwards: an older report cannot make an active learner look idle.
              ...(u.lastActiveAt ? { $max: { 'usage.lastActiveAt': u.lastActiveAt } } : {}),
            },
          },
        }));
      // The driver directly: Mongoose would cast a thousand statements for nothing.
      if (writes.length) await learners.bulkWrite(writes, { ordered: false });
      return { matched: writes.length, unknown: emails.filter((e) => !found.has(e)) };
    },
    async listUsageImports(limit) {
      const docs = await UsageImport.find({}).sort({ importedAt: -1 }).limit(limit).lean();
      return docs.map((d) => toRecord(d as UsageImportDoc));
    },
  };
}
