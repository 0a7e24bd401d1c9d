import type { Connection } from 'mongoose';
import { SEARCH_KEYS_VERSION } from '../../licensing/model.js';
import type { ImportStore } from '../../licensing/transfer/ports.js';
import { modelsFor } from '../models/index.js';
import { learnerProjection, toLearner } from './mappers.js';

/** The MongoDB side of imports: learner profiles by email and license types by key. */
export function createImportRepository(connection: Connection): ImportStore {
  const { Learner, LicenseType } = modelsFor(connection);
  return {
    async findLearnersByEmails(emails) {
      if (emails.length === 0) return [];
      const docs = await Learner.find({ email: { $in: [...emails] } }, learnerProjection).lean();
      return docs.map(toLearner);
    },

    async saveLearnerProfiles(profiles) {
      if (profiles.length === 0) return { created: 0 };
      const writes = [];
      for (const p of profiles) {
        // A status change bumps the version, so a Slack change planned before a deactivation
        // fails its version check instead of applying to a deactivated learner.
        writes.push({
          updateOne: {
            filter: { email: p.email, status: { $ne: p.status } },
            update: { $set: { status: p.status }, $inc: { version: 1 } },
          },
        });
        writes.push({
          updateOne: {
            filter: { email: p.email },
            update: {
              $set: {
                name: p.name,
                groups: p.groups,
                status: p.status,
                searchKeys: p.searchKeys,
                searchName: p.searchName,
                searchVersion: SEARCH_KEYS_VERSION,
              },
              // Licenses are never set here: they change through operations only.
              $setOnInsert: { licenseTypes: [], version: 0, recentOps: [] },
            },
            upsert: true,
          },
        });
      }
      // Ordered: each learner's status bump runs before the upsert that would hide it.
      const result = await Learner.bulkWrite(writes, { ordered: true });
      return { created: result.upsertedCount };
    },

    async saveLicenseType({ key, name, capacity, platformName }) {
      // The capacity check and the write are one atomic update, like seat reservations.
      const fits = capacity === null ? {} : { $expr: { $lte: ['$seatsInUse', capacity] } };
      // platformName undefined: the file did not say, so it stays; null: cleared (the name is used).
      const platform =
        platformName === undefined ? {} : platformName === null ? { $unset: { platformName: 1 } } : { $set: { platformName } };
      const set = { name, capacity, ...('$set' in platform ? platform.$set : {}) };
      const res = await LicenseType.updateOne(
        { key, ...fits },
        { $set: set, ...('$unset' in platform ? { $unset: platform.$unset } : {}) },
        { runValidators: true },
      );
      if (res.matchedCount === 1) return res.modifiedCount === 1 ? 'updated' : 'unchanged';
      if (await LicenseType.exists({ key })) return 'below_seats_in_use';
      const inserted = await LicenseType.updateOne(
        { key },
        { $setOnInsert: { name, capacity, seatsInUse: 0, pending: [], ...(platformName ? { platformName } : {}) } },
        { upsert: true, runValidators: true },
      );
      return inserted.upsertedCount === 1 ? 'created' : 'unchanged';
    },
  };
}
