import type { Connection } from 'mongoose';
import type { Assignment } from '../../licensing/model.js';
import type { HistoryStore } from '../../licensing/ports.js';
import { type AssignmentDoc, modelsFor } from '../models/index.js';
import { insertNew, nativeCollection } from './batch-writes.js';
import { toAssignment } from './mappers.js';

/** The append-only assignment history, in MongoDB: rows are closed, never deleted. */
export function createHistoryRepository(connection: Connection): HistoryStore {
  const { Assignment } = modelsFor(connection);
  const assignments = () => nativeCollection<AssignmentDoc>(connection, Assignment);
  return {
    async recordAssignments(op, items, at) {
      if (items.length === 0) return;
      // Closing: one updateMany per removed type over all the op's learners that lose it
      // (instead of one statement per learner), and only rows opened before this op: a later
      // op may already have re-granted the type.
      const closing = new Map<string, string[]>();
      const opens: AssignmentDoc[] = [];
      for (const item of items) {
        for (const type of item.prev) {
          if (item.next.includes(type)) continue;
          const ids = closing.get(type);
          if (ids) ids.push(item.learnerId);
          else closing.set(type, [item.learnerId]);
        }
        for (const type of item.next.filter((t) => !item.prev.includes(t))) {
          opens.push({
            _id: `${op.id}:${item.learnerId}:${type}`,
            learnerId: item.learnerId,
            licenseType: type,
            opId: op.id,
            email: item.email,
            assignedAt: at,
            revokedAt: null,
            actor: op.actor,
            source: op.source,
            reason: op.reason,
          });
        }
      }
      const close = async () => {
        for (const [type, learnerIds] of closing) {
          for (let i = 0; i < learnerIds.length; i += 1000) {
            await assignments().updateMany(
              {
                learnerId: { $in: learnerIds.slice(i, i + 1000) },
                licenseType: type,
                revokedAt: null,
                assignedAt: { $lte: op.createdAt },
                opId: { $ne: op.id },
              },
              { $set: { revokedAt: at, revokedBy: op.id } },
            );
          }
        }
      };
      // Closing and opening touch different rows (opened before this op / by it), so they run at
      // once. The natural-key _id makes a rerun's inserts duplicates, which are skipped.
      const [closed, opened] = await Promise.allSettled([close(), insertNew(assignments(), opens)]);
      if (closed.status === 'rejected') throw closed.reason;
      if (opened.status === 'rejected') throw opened.reason;
    },
    async learnerHistory(learnerId, limit): Promise<Assignment[]> {
      const docs = await Assignment.find({ learnerId }).sort({ assignedAt: -1 }).limit(limit).lean();
      return docs.map(toAssignment);
    },
  };
}
