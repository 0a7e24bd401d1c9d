import { type Connection, Types } from 'mongoose';
import type { GrantWriter } from '../../licensing/ports.js';
import type {
  EndClaim,
  EndingGrant,
  ExtensionRequest,
  ExtensionStore,
  Grant,
  GrantStore,
  GrantTarget,
  GrantWarning,
  WarningLabel,
} from '../../licensing/schedule/ports.js';
import { type ExtensionDoc, type GrantDoc, type GrantEndClaimDoc, modelsFor } from '../models/index.js';
import { insertNew, nativeCollection } from './batch-writes.js';
import { isObjectId } from './mappers.js';
import type { Filter } from './selection-filter.js';

/** The fields `EndingGrant` needs: claims read a thousand grants at a time. */
const endingProjection = { _id: 1, learnerId: 1, email: 1, added: 1, removed: 1, since: 1, endsAt: 1, grantedBy: 1, requestId: 1 } as const;
type EndingGrantDoc = Pick<GrantDoc, keyof typeof endingProjection>;

function toEndingGrant(doc: EndingGrantDoc): EndingGrant {
  return {
    id: doc._id,
    learnerId: doc.learnerId,
    email: doc.email,
    added: [...doc.added],
    removed: [...doc.removed],
    since: doc.since,
    endsAt: doc.endsAt,
    grantedBy: doc.grantedBy,
    ...(doc.requestId ? { requestId: doc.requestId } : {}),
  };
}

function toGrant(doc: GrantDoc): Grant {
  return {
    ...toEndingGrant(doc),
    grantOpId: doc.grantOpId,
    reason: doc.reason ?? '',
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
    status: doc.status,
    warnings: doc.warnings.map((w) => ({ label: w.label, at: w.at })),
    warned: [...(doc.warned ?? [])],
    nextWarnAt: doc.nextWarnAt ?? null,
    ...(doc.endOpId ? { endOpId: doc.endOpId } : {}),
    ...(doc.endedAt ? { endedAt: doc.endedAt } : {}),
    ...(doc.endOutcome ? { endOutcome: doc.endOutcome } : {}),
    ...(doc.extendedBy ? { extendedBy: doc.extendedBy } : {}),
    ...(doc.extendedAt ? { extendedAt: doc.extendedAt } : {}),
  };
}

function targetFilter(target: GrantTarget): Filter {
  return 'grantId' in target ? { _id: target.grantId } : { requestId: target.requestId };
}

/** The grants the operation engine writes (part of the licensing store). */
export function createGrantWriter(connection: Connection): GrantWriter {
  const { Grant: Model } = modelsFor(connection);
  return {
    async recordGrants(grants) {
      if (grants.length === 0) return;
      // The natural-key _id makes a rerun's inserts duplicates, which are skipped.
      await insertNew(
        nativeCollection<GrantDoc>(connection, Model),
        grants.map(({ id, ...grant }) => ({ _id: id, ...grant, status: 'active' as const, warned: [] as WarningLabel[] })),
      );
    },
  };
}

/** Time-bound grants in MongoDB: claims are conditional updates under a lease token. */
export function createGrantRepository(connection: Connection): GrantStore {
  const { Grant: Model, GrantEndClaim } = modelsFor(connection);
  const grants = () => nativeCollection<GrantDoc>(connection, Model);
  const endClaims = () => nativeCollection<GrantEndClaimDoc>(connection, GrantEndClaim);
  /** Leases a claim of a previous version's operation (made here when missing); false while another run holds it. */
  const leaseClaim = async (opId: string, now: Date, leaseUntil: Date): Promise<boolean> => {
    try {
      const res = await endClaims().updateOne(
        { _id: opId, leaseUntil: { $lte: now } },
        { $set: { leaseUntil }, $setOnInsert: { createdAt: now } },
        { upsert: true },
      );
      return res.modifiedCount + res.upsertedCount === 1;
    } catch (error) {
      // The upsert met a claim of that id whose lease is still running.
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  };
  const findEnding = async (filter: Filter): Promise<EndingGrant[]> =>
    (await grants().find(filter, { projection: endingProjection }).sort({ _id: 1 }).toArray()).map(toEndingGrant);
  const find = async (filter: Filter, sort: Record<string, 1 | -1> = { endsAt: 1, _id: 1 }, limit = 0) => {
    const docs = await Model.find(filter).sort(sort).limit(limit).lean();
    return (docs as GrantDoc[]).map(toGrant);
  };
  const freeOf = (field: 'endLeaseUntil' | 'warnLeaseUntil', now: Date) => ({ $or: [{ [field]: null }, { [field]: { $lte: now } }] });

  return {
    async getGrant(id) {
      const doc = await Model.findById(id).lean();
      return doc ? toGrant(doc as GrantDoc) : null;
    },
    async activeGrantsOf(learnerId) {
      return find({ learnerId, status: 'active' });
    },
    async activeGrantsFor(target, limit) {
      return find({ ...targetFilter(target), status: 'active' }, { endsAt: 1, _id: 1 }, limit);
    },
    async countActiveGrantsFor(target) {
      return Model.countDocuments({ ...targetFilter(target), status: 'active' });
    },
    async activeGrantsEndingBetween(after, before, limit) {
      return find({ status: 'active', endsAt: { $gt: after, $lte: before } }, { endsAt: 1, _id: 1 }, limit);
    },
    async claimDueGrants(now, newOpId, limit, leaseMs) {
      // A grant leased by a run of the previous version (endLeaseUntil) is left to that run.
      const due: Filter = { status: 'active', endsAt: { $lte: now }, ...freeOf('endLeaseUntil', now) };
      // Any due grants will do (a run takes them all, batch after batch), so no sort: the oldest
      // first would only matter to a run that stops early, and the next run takes the rest.
      const candidates = await grants()
        .find(due, { projection: { ...endingProjection, endOpId: 1 }, limit, batchSize: limit })
        .toArray();
      if (candidates.length === 0) return { claims: [], seen: 0 };
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const ended = { status: 'ended' as const, endOutcome: 'ended' as const, endedAt: now };
      // Grants a previous version's run had given an operation keep it: that operation is finished, not redone.
      const groups = new Map<string, (EndingGrantDoc & Pick<GrantDoc, 'endOpId'>)[]>();
      for (const doc of candidates) {
        const opId = doc.endOpId ?? newOpId;
        const group = groups.get(opId);
        if (group) group.push(doc);
        else groups.set(opId, [doc]);
      }
      const claims: EndClaim[] = [];
      for (const [opId, docs] of groups) {
        const fresh = opId === newOpId;
        // The claim is written before its grants: a run that dies after ending them leaves the
        // claim, and the run that finds it expired finishes their ending.
        if (fresh) await endClaims().insertOne({ _id: opId, leaseUntil, createdAt: now });
        else if (!(await leaseClaim(opId, now, leaseUntil))) continue;
        const ids = docs.map((d) => d._id);
        const res = await grants().updateMany(
          { _id: { $in: ids }, ...due, endOpId: fresh ? { $exists: false } : opId },
          { $set: { ...ended, endOpId: opId }, $unset: { endToken: '', endLeaseUntil: '' } },
        );
        // Nobody else took any of them (the usual case): they are what was read, now ended under this claim.
        const got =
          res.modifiedCount === docs.length
            ? docs.map(toEndingGrant)
            : await findEnding({ _id: { $in: ids }, endOpId: opId, status: 'ended', endOutcome: 'ended' });
        if (got.length === 0 && fresh) {
          await endClaims().deleteOne({ _id: opId });
          continue;
        }
        claims.push({ opId, grants: got, fresh });
      }
      return { claims, seen: candidates.length };
    },
    async takeStaleEndClaims(now, leaseMs, limit) {
      const stale = await endClaims()
        .find({ leaseUntil: { $lte: now } })
        .sort({ leaseUntil: 1, _id: 1 })
        .limit(limit)
        .toArray();
      const taken: string[] = [];
      for (const claim of stale) {
        // Conditional on the lease as read: of two runs finding it, one takes it.
        const res = await endClaims().updateOne(
          { _id: claim._id, leaseUntil: claim.leaseUntil },
          { $set: { leaseUntil: new Date(now.getTime() + leaseMs) } },
        );
        if (res.modifiedCount === 1) taken.push(claim._id);
      }
      return taken;
    },
    async grantsEndedBy(opId) {
      return findEnding({ endOpId: opId, status: 'ended', endOutcome: 'ended' });
    },
    async setEndOutcome(opId, ids, status, outcome) {
      for (let i = 0; i < ids.length; i += 1000) {
        await grants().updateMany(
          { _id: { $in: ids.slice(i, i + 1000) }, endOpId: opId, status: 'ended', endOutcome: 'ended' },
          { $set: { status, endOutcome: outcome } },
        );
      }
    },
    async reopenGrants(opId, ids) {
      for (let i = 0; i < ids.length; i += 1000) {
        await grants().updateMany(
          { _id: { $in: ids.slice(i, i + 1000) }, endOpId: opId, status: 'ended', endOutcome: 'ended' },
          { $set: { status: 'active' }, $unset: { endOpId: '', endOutcome: '', endedAt: '' } },
        );
      }
    },
    async finishEndClaim(opId) {
      await endClaims().deleteOne({ _id: opId });
    },
    async claimDueWarnings(now, token, limit, leaseMs) {
      // A grant already at its end is ended instead of warned.
      const due: Filter = { status: 'active', nextWarnAt: { $lte: now }, endsAt: { $gt: now }, ...freeOf('warnLeaseUntil', now) };
      // As for ends: any due warnings will do, the run takes them all.
      const candidates = (await Model.find(due).limit(limit).lean()) as GrantDoc[];
      if (candidates.length === 0) return [];
      const ids = candidates.map((d) => d._id);
      const leased = await grants().updateMany(
        { _id: { $in: ids }, ...due },
        { $set: { warnToken: token, warnLeaseUntil: new Date(now.getTime() + leaseMs) } },
      );
      if (leased.modifiedCount === candidates.length) return candidates.map(toGrant);
      return find({ _id: { $in: ids }, warnToken: token, status: 'active' }, { _id: 1 });
    },
    async markWarned(token, updates) {
      // Grants of one bulk change share their end and plan: one write per distinct outcome, not per grant.
      const groups = new Map<string, { endsAt: Date; warned: WarningLabel[]; nextWarnAt: Date | null; ids: string[] }>();
      for (const u of updates) {
        const key = `${u.endsAt.getTime()}|${u.warned.join(',')}|${u.nextWarnAt?.getTime() ?? ''}`;
        const group = groups.get(key);
        if (group) group.ids.push(u.id);
        else groups.set(key, { endsAt: u.endsAt, warned: u.warned, nextWarnAt: u.nextWarnAt, ids: [u.id] });
      }
      for (const group of groups.values()) {
        for (let i = 0; i < group.ids.length; i += 1000) {
          // Only where the lease is still ours and the end unchanged: an extension restarted the plan.
          await grants().updateMany(
            { _id: { $in: group.ids.slice(i, i + 1000) }, warnToken: token, endsAt: group.endsAt },
            { $set: { warned: group.warned, nextWarnAt: group.nextWarnAt }, $unset: { warnToken: '', warnLeaseUntil: '' } },
          );
        }
      }
    },
    async extendGrants(target, change) {
      // Only grants no expiry run holds: one being ended now is past extending.
      const movable: Filter = { ...targetFilter(target), status: 'active', endOpId: { $exists: false } };
      const ids = (await Model.find(movable, { _id: 1 }).lean()).map((d) => d._id);
      if (ids.length === 0) return [];
      const warnings: GrantWarning[] = change.warnings.map((w) => ({ label: w.label, at: w.at }));
      for (let i = 0; i < ids.length; i += 1000) {
        await grants().updateMany(
          { _id: { $in: ids.slice(i, i + 1000) }, status: 'active', endOpId: { $exists: false } },
          {
            $set: {
              endsAt: change.endsAt,
              warnings,
              warned: [],
              nextWarnAt: change.nextWarnAt,
              extendedBy: change.by,
              extendedAt: change.at,
            },
            $unset: { warnToken: '', warnLeaseUntil: '' },
          },
        );
      }
      const moved = await Model.find(
        { _id: { $in: ids }, status: 'active', endsAt: change.endsAt, extendedAt: change.at },
        { _id: 1 },
      ).lean();
      return moved.map((d) => d._id);
    },
  };
}

function toExtension(doc: ExtensionDoc): ExtensionRequest {
  return {
    id: String(doc._id),
    target: doc.target.grantId ? { grantId: doc.target.grantId } : { requestId: doc.target.requestId ?? '' },
    endsAt: doc.endsAt,
    previousEndsAt: doc.previousEndsAt,
    learners: doc.learners,
    requestedBy: doc.requestedBy,
    reason: doc.reason ?? '',
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
    status: doc.status,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    ...(doc.decidedBy ? { decidedBy: doc.decidedBy } : {}),
    ...(doc.decidedAt ? { decidedAt: doc.decidedAt } : {}),
    ...(doc.approvalMessage ? { approvalMessage: { channel: doc.approvalMessage.channel, ts: doc.approvalMessage.ts } } : {}),
  };
}

/** Extension requests waiting for a lead, in MongoDB. */
export function createExtensionRepository(connection: Connection): ExtensionStore {
  const { GrantExtension: Model } = modelsFor(connection);
  return {
    async createExtension(request) {
      const doc = await Model.create({ ...request, target: { ...request.target }, status: 'pending_approval' });
      return toExtension(doc.toObject() as ExtensionDoc);
    },
    async getExtension(id) {
      if (!isObjectId(id)) return null;
      const doc = await Model.findById(id).lean();
      return doc ? toExtension(doc as ExtensionDoc) : null;
    },
    async decideExtension(id, status, by, now) {
      if (!isObjectId(id)) return null;
      const doc = await Model.findOneAndUpdate(
        { _id: new Types.ObjectId(id), status: 'pending_approval', expiresAt: { $gt: now } },
        { $set: { status, decidedBy: by, decidedAt: now } },
        { returnDocument: 'after', lean: true },
      );
      return doc ? toExtension(doc as ExtensionDoc) : null;
    },
    async setExtensionMessage(id, ref) {
      if (!isObjectId(id)) return;
      await Model.updateOne({ _id: new Types.ObjectId(id) }, { $set: { approvalMessage: ref } });
    },
  };
}
