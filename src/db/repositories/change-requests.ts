import { type Connection, Types } from 'mongoose';
import type { AdminChange } from '../../licensing/model.js';
import type { ChangeRequest, ChangeRequestStore } from '../../licensing/single/ports.js';
import { type ChangeRequestDoc, modelsFor } from '../models/index.js';
import { isDuplicateKey } from './mappers.js';

function toRequest(doc: ChangeRequestDoc): ChangeRequest {
  return {
    id: String(doc._id),
    status: doc.status,
    learnerId: doc.learnerId,
    change: doc.change as AdminChange,
    reason: doc.reason ?? '',
    requestedBy: doc.requestedBy,
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    createdAt: doc.createdAt,
    ...(doc.decidedBy ? { decidedBy: doc.decidedBy } : {}),
    ...(doc.decidedAt ? { decidedAt: doc.decidedAt } : {}),
    ...(doc.outcomeCode ? { outcomeCode: doc.outcomeCode } : {}),
    ...(doc.applyAt ? { applyAt: doc.applyAt } : {}),
    ...(doc.until ? { until: doc.until } : {}),
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
    ...(doc.submissionKey ? { submissionKey: doc.submissionKey } : {}),
    ...(doc.reviewMessage?.channel && doc.reviewMessage.ts
      ? { reviewMessage: { channel: doc.reviewMessage.channel, ts: doc.reviewMessage.ts } }
      : {}),
  };
}

/** Review-message change requests, in MongoDB. */
export function createChangeRequestRepository(connection: Connection): ChangeRequestStore {
  const { ChangeRequest } = modelsFor(connection);
  const valid = (id: string) => Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id);
  return {
    async createChangeRequest(request) {
      try {
        const doc = await ChangeRequest.create({
          ...request,
          change: request.change as unknown as Record<string, unknown>,
          status: 'pending',
        });
        return { request: toRequest(doc.toObject()), created: true };
      } catch (error) {
        // The same submission stored a moment ago (a replay racing the original): that one stands.
        const existing =
          request.submissionKey && isDuplicateKey(error)
            ? await ChangeRequest.findOne({ submissionKey: request.submissionKey }).lean()
            : null;
        if (!existing) throw error;
        return { request: toRequest(existing), created: false };
      }
    },
    async findChangeRequestBySubmission(submissionKey) {
      const doc = await ChangeRequest.findOne({ submissionKey }).lean();
      return doc ? toRequest(doc) : null;
    },
    async setReviewMessage(id, ref) {
      if (valid(id)) await ChangeRequest.updateOne({ _id: id }, { $set: { reviewMessage: { channel: ref.channel, ts: ref.ts } } });
    },
    async getChangeRequest(id) {
      if (!valid(id)) return null;
      const doc = await ChangeRequest.findById(id).lean();
      return doc ? toRequest(doc) : null;
    },
    async claimChangeRequest(id, actor, leaseMs, now) {
      if (!valid(id)) return null;
      const doc = await ChangeRequest.findOneAndUpdate(
        { _id: id, $or: [{ status: 'pending' }, { status: 'confirmed', leaseUntil: { $lt: now } }] },
        { $set: { status: 'confirmed', decidedBy: actor, decidedAt: now, leaseUntil: new Date(now.getTime() + leaseMs) } },
        { returnDocument: 'after', lean: true },
      );
      return doc ? toRequest(doc) : null;
    },
    async finishChangeRequest(id, status, outcomeCode) {
      await ChangeRequest.updateOne(
        { _id: id, status: 'confirmed' },
        { $set: { status, ...(outcomeCode ? { outcomeCode } : {}) }, $unset: { leaseUntil: 1 } },
      );
    },
    async cancelChangeRequest(id, actor, now) {
      if (!valid(id)) return null;
      const doc = await ChangeRequest.findOneAndUpdate(
        { _id: id, status: 'pending' },
        { $set: { status: 'cancelled', decidedBy: actor, decidedAt: now } },
        { returnDocument: 'after', lean: true },
      );
      return doc ? toRequest(doc) : null;
    },
  };
}
