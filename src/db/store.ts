import mongoose, { Types, type Connection } from 'mongoose';
import { escapeRegex, type Assignment, type AuditEvent, type ChangeSpec, type Learner, type LicenseType } from '../licensing/model.js';
import type { LicensingStore, Operation, OpFailure, OpItem, OpState, ReserveResult } from '../licensing/ports.js';
import { modelsFor, type AssignmentDoc, type AuditDoc, type LearnerDoc, type LicenseTypeDoc, type OperationDoc } from './models.js';

const isObjectId = (id: string) => /^[0-9a-f]{24}$/i.test(id);

/** Maps a stored learner to the domain shape. */
export function toLearner(doc: Pick<LearnerDoc, '_id' | 'email' | 'name' | 'groups' | 'status' | 'licenseTypes' | 'slackUserId' | 'version'>): Learner {
  return {
    id: String(doc._id),
    email: doc.email,
    name: doc.name,
    groups: [...(doc.groups ?? [])],
    status: doc.status,
    licenseTypes: [...(doc.licenseTypes ?? [])],
    ...(doc.slackUserId ? { slackUserId: doc.slackUserId } : {}),
    version: doc.version ?? 0,
  };
}

/** Maps a stored history row to the domain shape. */
export function toAssignment(d: Omit<AssignmentDoc, '_id'>): Assignment {
  return {
    learnerId: d.learnerId,
    email: d.email,
    licenseType: d.licenseType,
    assignedAt: d.assignedAt,
    revokedAt: d.revokedAt ?? null,
    actor: d.actor,
    source: d.source,
    reason: d.reason ?? '',
    opId: d.opId,
  };
}

function toLicenseType(doc: Omit<LicenseTypeDoc, 'pending'>): LicenseType {
  return { key: doc.key, name: doc.name, capacity: doc.capacity ?? null, seatsInUse: doc.seatsInUse };
}

function toOperation(doc: OperationDoc): Operation {
  return {
    id: doc._id,
    state: doc.state,
    change: doc.change as ChangeSpec,
    actor: doc.actor,
    source: doc.source,
    reason: doc.reason ?? '',
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    items: doc.items.map((item) => ({ learnerId: item.learnerId, email: item.email, version: item.version, prev: [...item.prev], next: [...item.next] })),
    failed: doc.failed.map((f) => ({ learnerId: f.learnerId, email: f.email, code: f.code })),
    touchedTypes: [...doc.touchedTypes],
    createdAt: doc.createdAt,
    ...(doc.appliedIds ? { appliedIds: [...doc.appliedIds] } : {}),
  };
}

const learnerProjection = { email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1, slackUserId: 1, version: 1 } as const;

/** The MongoDB implementation of the licensing store. */
export function createStore(connection: Connection): LicensingStore {
  const m = modelsFor(connection);
  // The driver's collections, for the batch writes of operations: typed by their documents and
  // without Mongoose casting every statement (the values are converted here).
  const native = <T extends mongoose.mongo.Document>(model: { collection: { collectionName: string } }) => {
    if (!connection.db) throw new Error('the database connection is not open');
    return connection.db.collection<T>(model.collection.collectionName);
  };

  return {
    async listLicenseTypes() {
      const docs = await m.LicenseType.find({}, { pending: 0 }).sort({ name: 1 }).lean();
      return docs.map(toLicenseType);
    },
    async getLicenseType(key) {
      const doc = await m.LicenseType.findOne({ key }, { pending: 0 }).lean();
      return doc ? toLicenseType(doc) : null;
    },
    async upsertLicenseType({ key, name, capacity }) {
      await m.LicenseType.updateOne(
        { key },
        { $set: { name, capacity }, $setOnInsert: { seatsInUse: 0, pending: [] } },
        { upsert: true, runValidators: true },
      );
    },
    async reserveSeats(typeKey, opId, seats): Promise<ReserveResult> {
      const now = new Date();
      const res = await m.LicenseType.updateOne(
        {
          key: typeKey,
          'pending.op': { $ne: opId },
          // Unlimited, or enough room: the capacity check and the increment are one atomic update.
          $or: [{ capacity: null }, { $expr: { $lte: [{ $add: ['$seatsInUse', seats] }, '$capacity'] } }],
        },
        { $inc: { seatsInUse: seats }, $push: { pending: { op: opId, n: seats, at: now } } },
      );
      if (res.modifiedCount === 1) return 'reserved';
      const marked = await m.LicenseType.exists({ key: typeKey, 'pending.op': opId });
      return marked ? 'already_reserved' : 'insufficient';
    },
    async settleSeats(typeKey, opId, adjust) {
      await m.LicenseType.updateOne({ key: typeKey, 'pending.op': opId }, { $inc: { seatsInUse: adjust }, $pull: { pending: { op: opId } } });
    },
    async countHolders(typeKey) {
      return m.Learner.countDocuments({ licenseTypes: typeKey });
    },

    async findLearnerById(id) {
      if (!isObjectId(id)) return null;
      const doc = await m.Learner.findById(id, learnerProjection).lean();
      return doc ? toLearner(doc) : null;
    },
    async findLearnerByEmail(email) {
      const doc = await m.Learner.findOne({ email: email.trim().toLowerCase() }, learnerProjection).lean();
      return doc ? toLearner(doc) : null;
    },
    async findLearnersByIds(ids) {
      const valid = ids.filter(isObjectId);
      if (valid.length === 0) return [];
      const docs = await m.Learner.find({ _id: { $in: valid } }, learnerProjection).lean();
      return docs.map(toLearner);
    },
    async searchLearners(terms, limit) {
      if (terms.length === 0) return [];
      // Each term must be the start of some key (a name word or the email). Anchored,
      // case-sensitive regexes over lower-cased keys are index range scans on MongoDB.
      const filter = { $and: terms.map((term) => ({ searchKeys: { $regex: `^${escapeRegex(term)}` } })) };
      const docs = await m.Learner.find(filter, learnerProjection).limit(limit).lean();
      return docs.map(toLearner).sort((a, b) => a.name.localeCompare(b.name));
    },
    async listGroups(limit) {
      const groups = (await m.Learner.distinct('groups')) as string[];
      return groups.filter((g) => typeof g === 'string' && g.length > 0).sort((a, b) => a.localeCompare(b)).slice(0, limit);
    },
    async applyLearnerChanges(opId, items) {
      const valid = items.filter((item) => isObjectId(item.learnerId));
      if (valid.length === 0) return 0;
      const result = await native<LearnerDoc>(m.Learner).bulkWrite(
        valid.map((item) => ({
          updateOne: {
            filter: { _id: new Types.ObjectId(item.learnerId), version: item.version, recentOps: { $ne: opId } },
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
      // The filter skips learners already marked: each match is a learner this call changed.
      return result.matchedCount;
    },
    async learnersChangedBy(opId, ids) {
      const changed = new Set<string>();
      for (let i = 0; i < ids.length; i += 1000) {
        const docs = await m.Learner.find({ _id: { $in: ids.slice(i, i + 1000) }, recentOps: opId }, { _id: 1 }).lean();
        for (const doc of docs) changed.add(String(doc._id));
      }
      return changed;
    },

    async createOperation(op) {
      const doc: OperationDoc = {
        _id: op.id,
        state: op.state,
        change: op.change as unknown as Record<string, unknown>,
        actor: op.actor,
        source: op.source,
        reason: op.reason,
        ...(op.channelId ? { channelId: op.channelId } : {}),
        items: op.items,
        failed: op.failed,
        touchedTypes: op.touchedTypes,
        createdAt: op.createdAt,
      };
      // The driver's upsert: a batch's op carries a thousand items, which Mongoose would cast
      // one by one, and the stored op is the one just written unless it existed already.
      const res = await native<OperationDoc>(m.Operation).updateOne({ _id: op.id }, { $setOnInsert: doc }, { upsert: true, ignoreUndefined: true });
      if (res.upsertedCount === 1) return op;
      const stored = await m.Operation.findById(op.id).lean();
      if (!stored) throw new Error(`operation ${op.id} vanished`);
      return toOperation(stored as OperationDoc);
    },
    async getOperation(id) {
      const doc = await m.Operation.findById(id).lean();
      return doc ? toOperation(doc as OperationDoc) : null;
    },
    async leaseOperation(id, owner, ms) {
      const now = new Date();
      const res = await m.Operation.updateOne(
        { _id: id, state: { $ne: 'settled' }, $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: { $lt: now } }, { leaseOwner: owner }] },
        { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + ms) } },
      );
      return res.matchedCount === 1;
    },
    async replanOperation(id, items: OpItem[], failed: OpFailure[]) {
      await m.Operation.updateOne({ _id: id, state: 'planned' }, { $set: { items, failed } });
    },
    async setOperationState(id, from: OpState, to: OpState, extra) {
      const res = await m.Operation.updateOne({ _id: id, state: from }, { $set: { state: to, ...(extra?.appliedIds ? { appliedIds: extra.appliedIds } : {}) } });
      return res.matchedCount === 1;
    },
    async staleOperationIds(now, limit) {
      // An op never leased (its process died right after creating it) counts as stale after a minute.
      const unleasedBefore = new Date(now.getTime() - 60_000);
      const docs = await m.Operation.find(
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
            await native<AssignmentDoc>(m.Assignment).updateMany(
              { learnerId: { $in: learnerIds.slice(i, i + 1000) }, licenseType: type, revokedAt: null, assignedAt: { $lte: op.createdAt }, opId: { $ne: op.id } },
              { $set: { revokedAt: at, revokedBy: op.id } },
            );
          }
        }
      };
      // Closing and opening touch different rows (opened before this op / by it), so they run at
      // once. The natural-key _id makes a rerun's inserts duplicates, which are skipped.
      const [closed, opened] = await Promise.allSettled([close(), insertNew(native<AssignmentDoc>(m.Assignment), opens)]);
      if (closed.status === 'rejected') throw closed.reason;
      if (opened.status === 'rejected') throw opened.reason;
    },
    async learnerHistory(learnerId, limit): Promise<Assignment[]> {
      const docs = await m.Assignment.find({ learnerId }).sort({ assignedAt: -1 }).limit(limit).lean();
      return docs.map(toAssignment);
    },
    async recordAudit(events: readonly AuditEvent[]) {
      if (events.length === 0) return;
      const keyed = events.filter((e) => e.key);
      const unkeyed = events.filter((e) => !e.key);
      // Keyed events are written once: the unique index on `key` turns a rerun's inserts into skipped duplicates.
      if (keyed.length) await insertNew(native<AuditDoc>(m.Audit), keyed);
      if (unkeyed.length) await m.Audit.insertMany(unkeyed.map(stripUndefined), { ordered: false });
    },
  };
}

/**
 * Inserts documents whose unique key says whether they were written already (an `_id` or key
 * derived from the op), skipping the ones that exist: one unordered insert instead of an upsert
 * per document. Any error other than a duplicate key is thrown.
 */
async function insertNew<T extends mongoose.mongo.Document>(collection: mongoose.mongo.Collection<T>, docs: readonly mongoose.mongo.OptionalUnlessRequiredId<T>[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) {
    try {
      // Absent optional fields are left out (as Mongoose does) instead of stored as null, and the
      // server makes missing _ids, so the caller's objects are not modified.
      await collection.insertMany(docs.slice(i, i + 1000), { ordered: false, ignoreUndefined: true, forceServerObjectId: true });
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  }
}

function onlyDuplicates(error: unknown): boolean {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError) || error.writeConcernError) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
