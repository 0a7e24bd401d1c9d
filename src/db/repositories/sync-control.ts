import type { Connection } from 'mongoose';
import type { DriftEntry, SyncControl, SyncControlStore } from '../../licensing/sync/ports.js';
import { modelsFor, type SyncDriftDoc } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';

const ID = 'sync';

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** The sync control document and the drift list, in MongoDB. */
export function createSyncControlRepository(connection: Connection): SyncControlStore {
  const { SyncControl, SyncDrift } = modelsFor(connection);
  const drift = () => nativeCollection<SyncDriftDoc>(connection, SyncDrift);

  return {
    async get(): Promise<SyncControl> {
      const doc = await SyncControl.findById(ID).lean();
      return {
        paused: doc?.paused === true,
        ...(doc?.pausedAt ? { pausedAt: doc.pausedAt } : {}),
        ...(doc?.pauseReason ? { pauseReason: doc.pauseReason } : {}),
        ...(doc?.resumedAt ? { resumedAt: doc.resumedAt } : {}),
        ...(doc?.lastDelivery ? { lastDelivery: doc.lastDelivery } : {}),
        ...(doc?.lastDeliveryError ? { lastDeliveryError: doc.lastDeliveryError } : {}),
        ...(doc?.drift ? { drift: doc.drift } : {}),
      };
    },
    async pause(reason, now) {
      try {
        // Matches only while not paused: of many workers hitting a 401 at once, one pauses (and tells).
        const res = await SyncControl.updateOne(
          { _id: ID, paused: { $ne: true } },
          { $set: { paused: true, pausedAt: now, pauseReason: reason, lastProbeAt: now } },
          { upsert: true },
        );
        return res.modifiedCount + res.upsertedCount === 1;
      } catch (error) {
        if (isDuplicateKey(error)) return false; // the document exists and is paused already
        throw error;
      }
    },
    async resume(now) {
      const res = await SyncControl.updateOne({ _id: ID, paused: true }, { $set: { paused: false, resumedAt: now } });
      return res.modifiedCount === 1;
    },
    async claimProbe(now, everyMs) {
      const res = await SyncControl.updateOne(
        { _id: ID, paused: true, $or: [{ lastProbeAt: { $exists: false } }, { lastProbeAt: { $lte: new Date(now.getTime() - everyMs) } }] },
        { $set: { lastProbeAt: now } },
      );
      return res.modifiedCount === 1;
    },
    async recordDelivery(delivery) {
      const set =
        'error' in delivery
          ? { lastDeliveryError: { at: delivery.at, message: delivery.error } }
          : { lastDelivery: { at: delivery.at, name: delivery.name, rows: delivery.rows } };
      await SyncControl.updateOne(
        { _id: ID },
        { $set: set, ...('error' in delivery ? {} : { $unset: { lastDeliveryError: 1 } }) },
        { upsert: true },
      );
    },
    async saveDrift(report, entries) {
      await drift().deleteMany({});
      let batch: SyncDriftDoc[] = [];
      const flush = async () => {
        if (batch.length) await drift().insertMany(batch, { ordered: false });
        batch = [];
      };
      for await (const entry of entries as AsyncIterable<DriftEntry>) {
        batch.push({ _id: entry.learnerId, email: entry.email, ours: entry.ours, theirs: entry.theirs, at: report.at });
        if (batch.length >= 1_000) await flush();
      }
      await flush();
      await SyncControl.updateOne({ _id: ID }, { $set: { drift: report } }, { upsert: true });
    },
    async *driftEntries() {
      const cursor = SyncDrift.find({}).sort({ _id: 1 }).lean().cursor({ batchSize: 1_000 });
      try {
        for await (const doc of cursor) yield { learnerId: doc._id, email: doc.email, ours: doc.ours, theirs: doc.theirs };
      } finally {
        await cursor.close();
      }
    },
    async clearDrift() {
      await drift().deleteMany({});
      await SyncControl.updateOne({ _id: ID }, { $unset: { drift: 1 } });
    },
  };
}
