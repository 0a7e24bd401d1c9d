import type { Connection } from 'mongoose';
import type { ExportStore } from '../licensing/exporting.js';
import { modelsFor } from './models.js';
import { toAssignment, toLearner } from './store.js';

const BATCH_SIZE = 1_000;

/** Streams learners, history and audit with server-side cursors, each in the order of an index. */
export function createExportStore(connection: Connection): ExportStore {
  const { Learner, Assignment, Audit } = modelsFor(connection);
  return {
    async *learnersByEmail() {
      // Sorted on the unique email index: no in-memory sort, whatever the size.
      const cursor = Learner.find({}, { email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1, slackUserId: 1, version: 1 })
        .sort({ email: 1 })
        .lean()
        .cursor({ batchSize: BATCH_SIZE });
      try {
        for await (const doc of cursor) yield toLearner(doc);
      } finally {
        await cursor.close();
      }
    },

    async *assignmentsByTime() {
      const cursor = Assignment.find({}).sort({ assignedAt: 1 }).lean().cursor({ batchSize: BATCH_SIZE });
      try {
        for await (const d of cursor) {
          yield toAssignment(d);
        }
      } finally {
        await cursor.close();
      }
    },

    async *auditByTime() {
      const cursor = Audit.find({}).sort({ at: 1 }).lean().cursor({ batchSize: BATCH_SIZE });
      try {
        for await (const d of cursor) {
          yield {
            at: d.at,
            actor: d.actor,
            action: d.action,
            outcome: d.outcome as 'applied' | 'refused' | 'failed',
            ...(d.code ? { code: d.code } : {}),
            ...(d.learnerId ? { learnerId: d.learnerId } : {}),
            ...(d.learnerEmail ? { learnerEmail: d.learnerEmail } : {}),
            ...(d.from ? { from: d.from } : {}),
            ...(d.to ? { to: d.to } : {}),
            ...(d.channelId ? { channelId: d.channelId } : {}),
            source: d.source,
            ...(d.details ? { details: d.details as Record<string, string | number | boolean | null> } : {}),
          };
        }
      } finally {
        await cursor.close();
      }
    },
  };
}
