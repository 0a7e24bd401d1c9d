import { type Connection, mongo, Types } from 'mongoose';
import { SEARCH_KEYS_VERSION } from '../../licensing/model.js';
import type { ImportStore, LearnerProfile } from '../../licensing/transfer/ports.js';
import { type LearnerDoc, modelsFor } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
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

    async saveLearnerProfiles(profiles, mark) {
      if (profiles.length === 0) return { created: 0, updated: 0, statusChanged: [] };
      const learners = nativeCollection<LearnerDoc>(connection, Learner);
      const statusMark = `${mark}:status`;
      const profileMark = `${mark}:profile`;
      const marked = (label: string) => ({ $push: { profileMarks: { $each: [label], $slice: -5 } } });

      // New learners: one insert; those another import created meanwhile come back as duplicates
      // and are updated below like any other.
      let created = 0;
      try {
        created = (await learners.insertMany(profiles.map(newLearner), { ordered: false })).insertedCount;
      } catch (error) {
        if (!(error instanceof mongo.MongoBulkWriteError) || !onlyDuplicateKeys(error)) throw error;
        created = error.insertedCount;
      }
      const writes: mongo.AnyBulkWriteOperation<LearnerDoc>[] = [];
      for (const p of profiles) {
        // A status change bumps the version, so a Slack change planned before a deactivation
        // fails its version check instead of applying to a deactivated learner.
        if (p.status)
          writes.push({
            updateOne: {
              filter: { email: p.email, status: { $ne: p.status } },
              update: { $set: { status: p.status }, $inc: { version: 1 }, ...marked(statusMark) },
            },
          });
        // Only a profile that differs is written (and marked), so the marks say what this call changed.
        const differs: mongo.Filter<LearnerDoc>[] = [
          { name: { $ne: p.name } },
          { searchName: { $ne: p.searchName } },
          { searchVersion: { $ne: SEARCH_KEYS_VERSION } },
          ...(p.groups ? [{ groups: { $ne: p.groups } }] : []),
        ];
        writes.push({
          updateOne: {
            filter: { email: p.email, $or: differs },
            update: {
              $set: {
                name: p.name,
                ...(p.groups ? { groups: p.groups } : {}),
                searchKeys: p.searchKeys,
                searchName: p.searchName,
                searchVersion: SEARCH_KEYS_VERSION,
              },
              ...marked(profileMark),
            },
          },
        });
      }
      // Licenses are never set here: they change through operations only.
      await learners.bulkWrite(writes, { ordered: true });
      const changed = await learners
        .find({ email: { $in: profiles.map((p) => p.email) }, profileMarks: { $in: [statusMark, profileMark] } })
        .project<Pick<LearnerDoc, '_id' | 'email' | 'status' | 'profileMarks'>>({ _id: 1, email: 1, status: 1, profileMarks: 1 })
        .toArray();
      const statusChanged = changed
        .filter((doc) => doc.profileMarks?.includes(statusMark))
        .map((doc) => ({
          learnerId: String(doc._id),
          email: doc.email,
          to: doc.status,
          from: doc.status === 'active' ? ('deactivated' as const) : ('active' as const),
        }));
      return { created, updated: changed.length, statusChanged };
    },

    async saveLicenseType({ key, name, capacity, platformName }) {
      // The capacity check and the write are one atomic update, like seat reservations.
      const fits = capacity === null || capacity === undefined ? {} : { $expr: { $lte: ['$seatsInUse', capacity] } };
      // platformName undefined: the file did not say, so it stays; null: cleared (the name is used).
      const platform =
        platformName === undefined ? {} : platformName === null ? { $unset: { platformName: 1 } } : { $set: { platformName } };
      // capacity undefined likewise: no seats column, so the stored capacity stays.
      const set = { name, ...(capacity !== undefined ? { capacity } : {}), ...('$set' in platform ? platform.$set : {}) };
      const res = await LicenseType.updateOne(
        { key, ...fits },
        { $set: set, ...('$unset' in platform ? { $unset: platform.$unset } : {}) },
        { runValidators: true },
      );
      if (res.matchedCount === 1) return res.modifiedCount === 1 ? 'updated' : 'unchanged';
      if (await LicenseType.exists({ key })) return 'below_seats_in_use';
      const inserted = await LicenseType.updateOne(
        { key },
        { $setOnInsert: { name, capacity: capacity ?? null, seatsInUse: 0, pending: [], ...(platformName ? { platformName } : {}) } },
        { upsert: true, runValidators: true },
      );
      return inserted.upsertedCount === 1 ? 'created' : 'unchanged';
    },
  };
}

/** A learner as an import first stores it: no license, and the defaults for what the file leaves out. */
function newLearner(p: LearnerProfile): LearnerDoc {
  return {
    _id: new Types.ObjectId(),
    email: p.email,
    name: p.name,
    groups: p.groups ?? [],
    status: p.status ?? 'active',
    licenseTypes: [],
    version: 0,
    recentOps: [],
    searchKeys: p.searchKeys,
    searchName: p.searchName,
    searchVersion: SEARCH_KEYS_VERSION,
  };
}

function onlyDuplicateKeys(error: mongo.MongoBulkWriteError): boolean {
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return !error.writeConcernError && writeErrors.every((writeError) => writeError.code === 11000);
}
