import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { OutboxStore, SettledChange } from '../../licensing/ports.js';
import type { SyncOutcome, SyncState, SyncStateStore } from '../../licensing/sync/ports.js';
import { modelsFor, type SyncStateDoc } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';

const BATCH = 1_000;

function toSyncState(doc: SyncStateDoc): SyncState {
  return {
    learnerId: doc._id,
    email: doc.email,
    licenseTypes: [...(doc.licenseTypes ?? [])],
    version: doc.version,
    pushedVersion: doc.pushedVersion ?? -1,
    status: doc.state,
    ...(doc.pendingSince ? { pendingSince: doc.pendingSince } : {}),
    attempts: doc.attempts ?? 0,
    ...(doc.nextAttemptAt ? { nextAttemptAt: doc.nextAttemptAt } : {}),
    ...(doc.lastError
      ? {
          lastError: {
            message: doc.lastError.message,
            at: doc.lastError.at,
            ...(doc.lastError.status ? { status: doc.lastError.status } : {}),
          },
        }
      : {}),
    ...(doc.syncedAt ? { syncedAt: doc.syncedAt } : {}),
    ...(doc.remoteId ? { remoteId: doc.remoteId } : {}),
    ...(doc.bulkRequestId ? { bulkRequestId: doc.bulkRequestId } : {}),
  };
}

/**
 * The outbox entry of one settled change, as one pipeline upsert: it takes the new state only when
 * its version is newer than the one recorded, so a rerun of the same settle step, or an older
 * change settling late, changes nothing. A pending entry keeps the time its oldest change waits.
 */
function recordUpdate(
  change: Pick<SettledChange, 'learnerId' | 'email' | 'licenseTypes' | 'version'> & { bulkRequestId?: string; opId?: string },
  at: Date,
  force = false,
) {
  const newer = force
    ? { $gte: [change.version, { $ifNull: ['$version', -1] }] }
    : { $gt: [change.version, { $ifNull: ['$version', -1] }] };
  const ifNewer = (value: unknown, current: unknown) => ({ $cond: ['$_newer', value, current] });
  return {
    updateOne: {
      filter: { _id: change.learnerId },
      upsert: true,
      update: [
        { $set: { _newer: newer } },
        {
          $set: {
            email: ifNewer(change.email, '$email'),
            licenseTypes: ifNewer({ $literal: change.licenseTypes }, '$licenseTypes'),
            opId: ifNewer(change.opId ?? null, '$opId'),
            bulkRequestId: ifNewer(change.bulkRequestId ?? null, '$bulkRequestId'),
            pendingSince: ifNewer({ $cond: [{ $eq: ['$state', 'pending'] }, { $ifNull: ['$pendingSince', at] }, at] }, '$pendingSince'),
            state: ifNewer('pending', '$state'),
            nextAttemptAt: ifNewer(at, '$nextAttemptAt'),
            attempts: ifNewer(0, { $ifNull: ['$attempts', 0] }),
            pushedVersion: force
              ? { $min: [{ $ifNull: ['$pushedVersion', -1] }, change.version - 1] }
              : { $ifNull: ['$pushedVersion', -1] },
            version: { $max: [change.version, { $ifNull: ['$version', -1] }] },
          },
        },
        { $unset: '_newer' },
      ],
    },
  };
}

/** The sync outbox in MongoDB: written by the operation engine, leased and settled by the sync workers. */
export function createSyncStateRepository(connection: Connection): SyncStateStore & OutboxStore {
  const { SyncState } = modelsFor(connection);
  const states = () => nativeCollection<SyncStateDoc>(connection, SyncState);
  const leaseFree = (now: Date) => ({ $or: [{ leaseUntil: null }, { leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }] });

  const lease = async (ids: string[], now: Date, leaseMs: number) => {
    const token = randomBytes(12).toString('hex');
    if (ids.length === 0) return { token, states: [] };
    // Conditional on the entry still being free: of two workers that picked the same ids, each
    // gets only the entries its own update matched, and reads back exactly those by token.
    for (let i = 0; i < ids.length; i += BATCH) {
      await states().updateMany({ _id: { $in: ids.slice(i, i + BATCH) }, state: 'pending', ...leaseFree(now) }, [
        { $set: { leaseToken: token, leaseUntil: new Date(now.getTime() + leaseMs), leasedVersion: '$version' } },
      ]);
    }
    const docs = await SyncState.find({ leaseToken: token }).sort({ _id: 1 }).lean();
    return { token, states: docs.map((doc) => toSyncState(doc as SyncStateDoc)) };
  };

  return {
    async recordSettledChanges(changes, at) {
      for (let i = 0; i < changes.length; i += BATCH) {
        await states().bulkWrite(
          changes.slice(i, i + BATCH).map((change) => recordUpdate(change, at)),
          { ordered: false },
        );
      }
    },

    async claimDue(now, limit, leaseMs) {
      const due = await SyncState.find({ state: 'pending', nextAttemptAt: { $lte: now }, ...leaseFree(now) }, { _id: 1 })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .lean();
      return lease(
        due.map((doc) => String(doc._id)),
        now,
        leaseMs,
      );
    },

    async claimAllPending(now, leaseMs) {
      const token = randomBytes(12).toString('hex');
      const res = await states().updateMany({ state: 'pending', ...leaseFree(now) }, [
        { $set: { leaseToken: token, leaseUntil: new Date(now.getTime() + leaseMs), leasedVersion: '$version' } },
      ]);
      return { token, count: res.modifiedCount };
    },

    async *leasedStates(token) {
      const cursor = SyncState.find({ leaseToken: token }).sort({ _id: 1 }).lean().cursor({ batchSize: BATCH });
      try {
        for await (const doc of cursor) yield toSyncState(doc as SyncStateDoc);
      } finally {
        await cursor.close();
      }
    },

    async markLeasedDelivered(token, now) {
      await states().updateMany({ leaseToken: token }, [
        { $set: { pushedVersion: { $max: ['$leasedVersion', { $ifNull: ['$pushedVersion', -1] }] } } },
        {
          $set: {
            state: { $cond: [{ $gt: ['$version', '$pushedVersion'] }, 'pending', 'synced'] },
            pendingSince: { $cond: [{ $gt: ['$version', '$pushedVersion'] }, '$pendingSince', null] },
            syncedAt: now,
            attempts: 0,
            lastError: null,
            leaseToken: null,
            leaseUntil: null,
          },
        },
      ]);
    },

    async renewLease(token, now, leaseMs) {
      await states().updateMany({ leaseToken: token }, { $set: { leaseUntil: new Date(now.getTime() + leaseMs) } });
    },

    async recordOutcomes(token, outcomes: readonly SyncOutcome[], now) {
      if (outcomes.length === 0) return;
      const unlease = { leaseToken: null, leaseUntil: null };
      const writes = outcomes.map((outcome) => {
        const filter = { _id: outcome.learnerId, leaseToken: token };
        switch (outcome.kind) {
          case 'pushed':
            // A change recorded while the push was in flight has a higher version: the entry
            // stays pending (due at once) and the next round pushes the newer state.
            return {
              updateOne: {
                filter,
                update: [
                  { $set: { pushedVersion: { $max: [outcome.version, { $ifNull: ['$pushedVersion', -1] }] } } },
                  {
                    $set: {
                      state: { $cond: [{ $gt: ['$version', '$pushedVersion'] }, 'pending', 'synced'] },
                      pendingSince: { $cond: [{ $gt: ['$version', '$pushedVersion'] }, '$pendingSince', null] },
                      syncedAt: now,
                      nextAttemptAt: now,
                      attempts: 0,
                      lastError: null,
                      ...(outcome.remoteId ? { remoteId: outcome.remoteId } : {}),
                      ...unlease,
                    },
                  },
                ],
              },
            };
          case 'retry':
            return {
              updateOne: {
                filter,
                update: {
                  $set: { nextAttemptAt: outcome.nextAttemptAt, lastError: { message: outcome.reason, at: now }, ...unlease },
                  $inc: { attempts: 1 },
                },
              },
            };
          case 'dead':
            // Refused for good, unless a newer change arrived meanwhile: that one deserves a try.
            return {
              updateOne: {
                filter,
                update: [
                  {
                    $set: {
                      state: { $cond: [{ $gt: ['$version', outcome.version] }, 'pending', 'dead'] },
                      deadAt: now,
                      nextAttemptAt: now,
                      lastError: { message: outcome.reason, at: now, ...(outcome.status ? { status: outcome.status } : {}) },
                      ...unlease,
                    },
                  },
                ],
              },
            };
          default: // 'released'
            return { updateOne: { filter, update: { $set: unlease } } };
        }
      });
      for (let i = 0; i < writes.length; i += BATCH) await states().bulkWrite(writes.slice(i, i + BATCH), { ordered: false });
    },

    async release(token) {
      await states().updateMany({ leaseToken: token }, { $set: { leaseToken: null, leaseUntil: null } });
    },

    async getState(learnerId) {
      const doc = await SyncState.findById(learnerId).lean();
      return doc ? toSyncState(doc as SyncStateDoc) : null;
    },

    async counts() {
      const [pending, dead, synced, oldest] = await Promise.all([
        SyncState.countDocuments({ state: 'pending' }),
        SyncState.countDocuments({ state: 'dead' }),
        SyncState.countDocuments({ state: 'synced' }),
        SyncState.findOne({ state: 'pending' }, { pendingSince: 1 }).sort({ pendingSince: 1 }).lean(),
      ]);
      return { pending, dead, synced, ...(oldest?.pendingSince ? { oldestPendingSince: oldest.pendingSince } : {}) };
    },

    async listDead(limit) {
      const docs = await SyncState.find({ state: 'dead' }).sort({ deadAt: -1, _id: 1 }).limit(limit).lean();
      return docs.map((doc) => toSyncState(doc as SyncStateDoc));
    },

    async retryDead(now, learnerIds) {
      const res = await states().updateMany(
        { state: 'dead', ...(learnerIds ? { _id: { $in: [...learnerIds] } } : {}) },
        { $set: { state: 'pending', nextAttemptAt: now, attempts: 0, pendingSince: now } },
      );
      return res.modifiedCount;
    },

    async forcePending(learners, now) {
      for (let i = 0; i < learners.length; i += BATCH) {
        await states().bulkWrite(
          learners.slice(i, i + BATCH).map((learner) => recordUpdate(learner, now, true)),
          { ordered: false },
        );
      }
    },

    async pendingAmong(ids) {
      const pending = new Set<string>();
      for (let i = 0; i < ids.length; i += BATCH) {
        const docs = await SyncState.find({ _id: { $in: ids.slice(i, i + BATCH) }, state: 'pending' }, { _id: 1 }).lean();
        for (const doc of docs) pending.add(String(doc._id));
      }
      return pending;
    },

    async bulkProgress(bulkRequestId) {
      const [pending, dead] = await Promise.all([
        SyncState.countDocuments({ bulkRequestId, state: 'pending' }),
        SyncState.countDocuments({ bulkRequestId, state: 'dead' }),
      ]);
      return { pending, dead };
    },
  };
}
