import type { Connection } from 'mongoose';
import type { ActorSource, ChangeSpec } from '../../licensing/model.js';
import type { OperationStore, OpFailure, OpItem, OpState, RecentChange } from '../../licensing/ports.js';
import { modelsFor, type OperationDoc } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
import { itemGroupsOf, toOperation } from './mappers.js';

/**
 * The operations of the exactly-once engine, with their leases, in MongoDB. Reads and writes use
 * the driver directly: a batch's op carries a thousand items, which Mongoose would cast one by
 * one on every state change.
 */
export function createOperationRepository(connection: Connection): OperationStore {
  const { Operation } = modelsFor(connection);
  const operations = () => nativeCollection<OperationDoc>(connection, Operation);
  return {
    async createOperation(op, lease) {
      const leaseUntil = lease ? new Date(Date.now() + lease.ms) : undefined;
      const doc: OperationDoc = {
        _id: op.id,
        state: op.state,
        change: op.change as unknown as Record<string, unknown>,
        actor: op.actor,
        source: op.source,
        reason: op.reason,
        ...(op.channelId ? { channelId: op.channelId } : {}),
        itemGroups: itemGroupsOf(op.items),
        failed: op.failed,
        touchedTypes: op.touchedTypes,
        createdAt: op.createdAt,
        ...(op.sync ? { sync: true } : {}),
        ...(op.action ? { action: op.action } : {}),
        ...(op.grant ? { grant: op.grant } : {}),
        ...(op.notify ? { notify: true } : {}),
        ...(lease && leaseUntil ? { leaseOwner: lease.owner, leaseUntil } : {}),
      };
      // The stored op is the one just written unless it existed already.
      const res = await operations().updateOne({ _id: op.id }, { $setOnInsert: doc }, { upsert: true, ignoreUndefined: true });
      if (res.upsertedCount === 1) return lease && leaseUntil ? { ...op, lease: { owner: lease.owner, until: leaseUntil } } : op;
      const stored = await operations().findOne({ _id: op.id });
      if (!stored) throw new Error(`operation ${op.id} vanished`);
      return toOperation(stored);
    },
    async getOperation(id) {
      const doc = await operations().findOne({ _id: id });
      return doc ? toOperation(doc) : null;
    },
    async leaseOperation(id, owner, ms) {
      const now = new Date();
      const res = await operations().updateOne(
        {
          _id: id,
          state: { $ne: 'settled' },
          $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: owner }],
        },
        { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + ms) } },
      );
      return res.matchedCount === 1;
    },
    async replanOperation(id, items: OpItem[], failed: OpFailure[]) {
      await operations().updateOne(
        { _id: id, state: 'planned' },
        { $set: { itemGroups: itemGroupsOf(items), failed }, $unset: { items: '' } },
      );
    },
    async setOperationState(id, from: OpState, to: OpState, extra) {
      const res = await operations().updateOne(
        { _id: id, state: from },
        {
          $set: {
            state: to,
            // Usually every item applied: a flag instead of a thousand ids.
            ...(extra?.allItems ? { appliedAll: true } : extra?.appliedIds ? { appliedIds: extra.appliedIds } : {}),
          },
        },
      );
      return res.matchedCount === 1;
    },
    async staleOperationIds(now, limit) {
      // An op never leased (its process died right after creating it) counts as stale after a minute.
      const unleasedBefore = new Date(now.getTime() - 60_000);
      const docs = await Operation.find(
        {
          state: { $in: ['planned', 'reserved', 'applied'] },
          $or: [{ leaseUntil: { $lt: now } }, { leaseUntil: { $exists: false }, createdAt: { $lt: unleasedBefore } }],
        },
        { _id: 1 },
      )
        .sort({ createdAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((doc) => String(doc._id));
    },
    async recentChanges(limit) {
      // Counted by the database: a bulk batch's op carries a thousand items nobody needs here.
      const docs = await Operation.aggregate<{
        _id: string;
        change: ChangeSpec;
        actor: string;
        source: string;
        reason?: string;
        createdAt: Date;
        appliedAll?: boolean;
        items: number;
        appliedIds: number;
        failed: number;
        firstEmail?: string;
      }>([
        { $match: { state: 'settled', $or: [{ appliedAll: true }, { 'appliedIds.0': { $exists: true } }] } },
        { $sort: { createdAt: -1, _id: 1 } },
        { $limit: limit },
        {
          $project: {
            change: 1,
            actor: 1,
            source: 1,
            reason: 1,
            createdAt: 1,
            appliedAll: 1,
            // Items are stored column-wise in groups (older ops: one document per item).
            items: {
              $add: [
                { $sum: { $map: { input: { $ifNull: ['$itemGroups', []] }, as: 'group', in: { $size: '$$group.learnerIds' } } } },
                { $size: { $ifNull: ['$items', []] } },
              ],
            },
            appliedIds: { $size: { $ifNull: ['$appliedIds', []] } },
            failed: { $size: '$failed' },
            firstEmail: {
              $ifNull: [
                { $arrayElemAt: [{ $ifNull: [{ $arrayElemAt: ['$itemGroups.emails', 0] }, []] }, 0] },
                { $arrayElemAt: ['$items.email', 0] },
              ],
            },
          },
        },
      ]);
      return docs.map(
        (doc): RecentChange => ({
          opId: doc._id,
          change: doc.change,
          actor: doc.actor,
          source: doc.source as ActorSource,
          reason: doc.reason ?? '',
          at: doc.createdAt,
          applied: doc.appliedAll ? doc.items : doc.appliedIds,
          failed: doc.failed,
          ...(doc.firstEmail ? { firstEmail: doc.firstEmail } : {}),
        }),
      );
    },
  };
}
