import { type Connection, type mongo, Types } from 'mongoose';
import { escapeRegex, type Learner, normalizeEmail, SEARCH_KEYS_VERSION, searchFieldsFor } from '../../licensing/model.js';
import type { LearnerStore } from '../../licensing/ports.js';
import { type LearnerDoc, modelsFor } from '../models/index.js';
import { nativeCollection, pipelined } from './batch-writes.js';
import { isObjectId, learnerProjection, toLearner } from './mappers.js';

/** Learners in MongoDB: lookups, the typeahead, and the version-checked license writes of operations. */
export function createLearnerRepository(connection: Connection): LearnerStore {
  const { Learner } = modelsFor(connection);
  return {
    async findLearnerById(id) {
      if (!isObjectId(id)) return null;
      const doc = await Learner.findById(id, learnerProjection).lean();
      return doc ? toLearner(doc) : null;
    },
    async findLearnerByEmail(email) {
      const doc = await Learner.findOne({ email: normalizeEmail(email) }, learnerProjection).lean();
      return doc ? toLearner(doc) : null;
    },
    async findLearnersByIds(ids) {
      const valid = ids.filter(isObjectId);
      if (valid.length === 0) return [];
      // One round trip: the whole batch in the first reply.
      const docs = await Learner.find({ _id: { $in: valid } }, learnerProjection)
        .batchSize(valid.length)
        .lean();
      return docs.map(toLearner);
    },
    async searchLearners(terms, limit) {
      if (terms.length === 0) return [];
      const [first, ...rest] = terms as [string, ...string[]];
      // Whole-word matches, by equality (an index lookup), so a learner typed in full is never
      // crowded out by the many whose words merely start the same.
      const whole = Learner.find(
        { searchKeys: first, ...(rest.length ? { $and: rest.map((term) => ({ searchKeys: term })) } : {}) },
        learnerProjection,
      )
        .sort({ searchName: 1, _id: 1 })
        .limit(limit)
        .lean();
      // Each term the start of some key. Anchored, case-sensitive regexes over folded keys are
      // index range scans on MongoDB, which yields them in key order; the domain ranks and sorts
      // what comes back. (Sorting here would make mongo-lite, which has no index ranges, scan and
      // sort every match: ~15 times slower.)
      const prefix = Learner.find({ $and: terms.map((term) => ({ searchKeys: { $regex: `^${escapeRegex(term)}` } })) }, learnerProjection)
        .limit(limit)
        .lean();
      const found = new Map<string, Learner>();
      for (const doc of [...(await whole), ...(await prefix)]) found.set(String(doc._id), toLearner(doc));
      return [...found.values()];
    },
    async listGroups(limit) {
      const groups = (await Learner.distinct('groups')) as string[];
      return groups
        .filter((g) => typeof g === 'string' && g.length > 0)
        .sort((a, b) => a.localeCompare(b))
        .slice(0, limit);
    },
    async countHolders(typeKey) {
      return Learner.countDocuments({ licenseTypes: typeKey });
    },
    async applyLearnerChanges(opId, items) {
      const valid = items.filter((item) => isObjectId(item.learnerId));
      if (valid.length === 0) return 0;
      const learners = nativeCollection<LearnerDoc>(connection, Learner);
      const results = await pipelined(valid, (chunk) =>
        learners.bulkWrite(
          chunk.map((item) => ({
            updateOne: {
              // The version alone makes a rerun skip a learner this op already changed (the change
              // bumped it); the mark records which op that was, for learnersChangedBy.
              filter: { _id: new Types.ObjectId(item.learnerId), version: item.version },
              update: {
                $set: { licenseTypes: item.next },
                $inc: { version: 1 },
                // The mark proves the op changed this learner; only the last few are kept.
                $push: { recentOps: { $each: [opId], $slice: -20 } },
              },
            },
          })),
          { ordered: false },
        ),
      );
      // The filter skips learners changed since they were planned (this op's earlier run included):
      // each match is a learner this call changed.
      return results.reduce((sum, result) => sum + result.matchedCount, 0);
    },
    async learnersChangedBy(opId, ids) {
      const changed = new Set<string>();
      for (let i = 0; i < ids.length; i += 1000) {
        const docs = await Learner.find({ _id: { $in: ids.slice(i, i + 1000) }, recentOps: opId }, { _id: 1 }).lean();
        for (const doc of docs) changed.add(String(doc._id));
      }
      return changed;
    },
  };
}

/**
 * Gives every learner the search keys of this version (SEARCH_KEYS_VERSION): run at start, so
 * learners stored before the keys changed are found like new ones. Names and emails stored before
 * they were Unicode-normalised get their one form (NFC; emails also trimmed and lower case), so
 * the next import of the same person finds them instead of adding a second learner; when another
 * learner already holds that email, both stay as they are (merging two learners' histories is an
 * admin's call) and only the keys are rebuilt. Each update is conditional on the name and email it
 * was computed from, so a learner renamed meanwhile keeps its newer keys. Returns how many learners
 * were rebuilt.
 */
export async function rebuildSearchKeys(connection: Connection, batchSize = 1_000): Promise<number> {
  const { Learner } = modelsFor(connection);
  const collection = nativeCollection<LearnerDoc>(connection, Learner);
  // $ne also matches learners without a version (stored before versions existed).
  const stale = { searchVersion: { $ne: SEARCH_KEYS_VERSION } };
  if (!(await Learner.exists(stale))) return 0;
  let rebuilt = 0;
  let batch: mongo.AnyBulkWriteOperation<LearnerDoc>[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const result = await collection.bulkWrite(batch, { ordered: false });
    rebuilt += result.modifiedCount;
    batch = [];
  };
  const cursor = Learner.find(stale, { _id: 1, name: 1, email: 1 }).sort({ _id: 1 }).lean().cursor({ batchSize });
  try {
    for await (const doc of cursor) {
      const filter = { _id: doc._id, name: doc.name, email: doc.email };
      const name = doc.name.normalize('NFC');
      const email = normalizeEmail(doc.email);
      if (email !== doc.email) {
        // Rare (stored before normalisation), and it may collide with the learner already holding
        // that email: one at a time, so a collision leaves just this learner's email as it was.
        try {
          const res = await collection.updateOne(filter, {
            $set: { name, email, ...searchFieldsFor(name, email), searchVersion: SEARCH_KEYS_VERSION },
          });
          rebuilt += res.modifiedCount;
          continue;
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
        }
      }
      batch.push({
        updateOne: {
          filter,
          update: { $set: { name, ...searchFieldsFor(name, doc.email), searchVersion: SEARCH_KEYS_VERSION } },
        },
      });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await cursor.close();
  }
  return rebuilt;
}
