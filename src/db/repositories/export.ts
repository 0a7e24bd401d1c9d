import type { Connection } from 'mongoose';
import type { ActorSource } from '../../licensing/model.js';
import type { ExportStore } from '../../licensing/transfer/ports.js';
import { modelsFor } from '../models/index.js';
import { learnerProjection, toAssignment, toLearner } from './mappers.js';

const BATCH_SIZE = 1_000;

/** Streams learners, history and audit with server-side cursors, each in the order of an index. */
export function createExportRepository(connection: Connection): ExportStore {
  const { Learner, Assignment, Audit } = modelsFor(connection);
  return {
    async *learnersByEmail() {
      // Sorted on the unique email index: no in-memory sort, whatever the size.
      const cursor = Learner.find({}, learnerProjection).sort({ email: 1 }).lean().cursor({ batchSize: BATCH_SIZE });
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
            source: d.source as ActorSource,
            ...(d.details ? { details: d.details as Record<string, string | number | boolean | null> } : {}),
          };
        }
      } finally {
        await cursor.close();
      }
    },
  };
}
