import { type Connection, Types } from 'mongoose';
import { escapeRegex } from '../../licensing/model.js';
import type { LearnerStore } from '../../licensing/ports.js';
import { type LearnerDoc, modelsFor } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
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
      const doc = await Learner.findOne({ email: email.trim().toLowerCase() }, learnerProjection).lean();
      return doc ? toLearner(doc) : null;
    },
    async findLearnersByIds(ids) {
      const valid = ids.filter(isObjectId);
      if (valid.length === 0) return [];
      const docs = await Learner.find({ _id: { $in: valid } }, learnerProjection).lean();
      return docs.map(toLearner);
    },
    async searchLearners(terms, limit) {
      if (terms.length === 0) return [];
      // Each term must be the start of some key (a name word or the email). Anchored,
      // case-sensitive regexes over lower-cased keys are index range scans on MongoDB.
      const filter = { $and: terms.map((term) => ({ searchKeys: { $regex: `^${escapeRegex(term)}` } })) };
      const docs = await Learner.find(filter, learnerProjection).limit(limit).lean();
      return docs.map(toLearner).sort((a, b) => a.name.localeCompare(b.name));
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
      const result = await nativeCollection<LearnerDoc>(connection, Learner).bulkWrite(
        valid.map((item) => ({
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
      );
      // The filter skips learners changed since they were planned (this op's earlier run included):
      // each match is a learner this call changed.
      return result.matchedCount;
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
