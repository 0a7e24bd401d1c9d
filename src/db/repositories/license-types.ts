import type { Connection } from 'mongoose';
import type { LicenseTypeStore, ReserveResult } from '../../licensing/ports.js';
import { type LicenseTypeDoc, modelsFor } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
import { toLicenseType } from './mappers.js';

/** License types and their seat counters, in MongoDB. */
export function createLicenseTypeRepository(connection: Connection): LicenseTypeStore {
  const { LicenseType } = modelsFor(connection);
  return {
    async listLicenseTypes() {
      const docs = await LicenseType.find({}, { pending: 0 }).sort({ name: 1 }).lean();
      return docs.map(toLicenseType);
    },
    async getLicenseType(key) {
      const doc = await LicenseType.findOne({ key }, { pending: 0 }).lean();
      return doc ? toLicenseType(doc) : null;
    },
    async upsertLicenseType({ key, name, capacity }) {
      await LicenseType.updateOne(
        { key },
        { $set: { name, capacity }, $setOnInsert: { seatsInUse: 0, pending: [] } },
        { upsert: true, runValidators: true },
      );
    },
    async reserveSeats(typeKey, opId, seats): Promise<ReserveResult> {
      const now = new Date();
      const res = await LicenseType.updateOne(
        {
          key: typeKey,
          'pending.op': { $ne: opId },
          // Unlimited, or enough room: the capacity check and the increment are one atomic update.
          // An op that takes no seat (it only frees some) needs no room, even on a type already
          // over its capacity (lowered by hand): it must be able to run, or nothing frees a seat.
          ...(seats > 0 ? { $or: [{ capacity: null }, { $expr: { $lte: [{ $add: ['$seatsInUse', seats] }, '$capacity'] } }] } : {}),
        },
        { $inc: { seatsInUse: seats }, $push: { pending: { op: opId, n: seats, at: now } } },
      );
      if (res.modifiedCount === 1) return 'reserved';
      const marked = await LicenseType.exists({ key: typeKey, 'pending.op': opId });
      return marked ? 'already_reserved' : 'insufficient';
    },
    async settleSeats(typeKey, opId, actual) {
      // One update computes from the mark itself: seats in use + actual − what the mark reserved.
      const op = { $literal: opId };
      const mine = { $filter: { input: '$pending', as: 'p', cond: { $eq: ['$$p.op', op] } } };
      await nativeCollection<LicenseTypeDoc>(connection, LicenseType).updateOne({ key: typeKey, 'pending.op': opId }, [
        {
          $set: {
            seatsInUse: { $subtract: [{ $add: ['$seatsInUse', actual] }, { $sum: { $map: { input: mine, as: 'p', in: '$$p.n' } } }] },
            pending: { $filter: { input: '$pending', as: 'p', cond: { $ne: ['$$p.op', op] } } },
          },
        },
      ]);
    },
  };
}
