import type { Connection } from 'mongoose';
import { escapeRegex, type Assignment, type AuditEvent, type ChangeSpec, type Learner, type LicenseType } from '../licensing/model.js';
import type { LicensingStore, Operation, OpFailure, OpItem, OpState, ReserveResult } from '../licensing/ports.js';
import { modelsFor, type LearnerDoc, type LicenseTypeDoc, type OperationDoc } from './models.js';

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
      if (items.length === 0) return;
      await m.Learner.bulkWrite(
        items.map((item) => ({
          updateOne: {
            filter: { _id: item.learnerId, version: item.version, recentOps: { $ne: opId } },
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
        channelId: op.channelId,
        items: op.items,
        failed: op.failed,
        touchedTypes: op.touchedTypes,
        createdAt: op.createdAt,
      };
      const stored = await m.Operation.findOneAndUpdate({ _id: op.id }, { $setOnInsert: doc }, { upsert: true, returnDocument: 'after', lean: true });
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
      await m.Operation.updateOne({ _id: id, state: from }, { $set: { state: to, ...(extra?.appliedIds ? { appliedIds: extra.appliedIds } : {}) } });
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
      const closes = [];
      const opens = [];
      for (const item of items) {
        for (const type of item.prev.filter((t) => !item.next.includes(t))) {
          closes.push({
            updateMany: {
              // Only rows opened before this op: a later op may already have re-granted the type.
              filter: { learnerId: item.learnerId, licenseType: type, revokedAt: null, assignedAt: { $lte: op.createdAt }, opId: { $ne: op.id } },
              update: { $set: { revokedAt: at, revokedBy: op.id } },
            },
          });
        }
        for (const type of item.next.filter((t) => !item.prev.includes(t))) {
          opens.push({
            updateOne: {
              filter: { _id: `${op.id}:${item.learnerId}:${type}` },
              update: {
                $setOnInsert: {
                  learnerId: item.learnerId,
                  licenseType: type,
                  opId: op.id,
                  email: item.email,
                  assignedAt: at,
                  revokedAt: null,
                  actor: op.actor,
                  source: op.source,
                  reason: op.reason,
                },
              },
              upsert: true,
            },
          });
        }
      }
      if (closes.length) await m.Assignment.bulkWrite(closes, { ordered: false });
      if (opens.length) await m.Assignment.bulkWrite(opens, { ordered: false });
    },
    async learnerHistory(learnerId, limit): Promise<Assignment[]> {
      const docs = await m.Assignment.find({ learnerId }).sort({ assignedAt: -1 }).limit(limit).lean();
      return docs.map((d) => ({
        learnerId: d.learnerId,
        email: d.email,
        licenseType: d.licenseType,
        assignedAt: d.assignedAt,
        revokedAt: d.revokedAt ?? null,
        actor: d.actor,
        source: d.source,
        reason: d.reason ?? '',
        opId: d.opId,
      }));
    },
    async recordAudit(events: readonly AuditEvent[]) {
      if (events.length === 0) return;
      const keyed = events.filter((e) => e.key);
      const unkeyed = events.filter((e) => !e.key);
      if (keyed.length) {
        await m.Audit.bulkWrite(
          keyed.map((e) => ({ updateOne: { filter: { key: e.key }, update: { $setOnInsert: stripUndefined(e) }, upsert: true } })),
          { ordered: false },
        );
      }
      if (unkeyed.length) await m.Audit.insertMany(unkeyed.map(stripUndefined), { ordered: false });
    },
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
