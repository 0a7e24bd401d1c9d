import { type Connection, Types } from 'mongoose';
import type { LicenseRequest, LicenseRequestStore } from '../../licensing/self-service/ports.js';
import { type LicenseRequestDoc, modelsFor } from '../models/index.js';
import { isObjectId } from './mappers.js';

function toLicenseRequest(doc: LicenseRequestDoc): LicenseRequest {
  return {
    id: String(doc._id),
    status: doc.status,
    learnerId: doc.learnerId,
    learnerEmail: doc.learnerEmail,
    requestedBy: doc.requestedBy,
    licenseType: doc.licenseType,
    reason: doc.reason ?? '',
    createdAt: doc.createdAt,
    attempt: doc.attempt ?? 1,
    ...(doc.decidedBy ? { decidedBy: doc.decidedBy } : {}),
    ...(doc.decidedAt ? { decidedAt: doc.decidedAt } : {}),
    ...(doc.decisionReason ? { decisionReason: doc.decisionReason } : {}),
    ...(doc.outcomeCode ? { outcomeCode: doc.outcomeCode } : {}),
    ...(doc.message?.channel && doc.message.ts ? { message: { channel: doc.message.channel, ts: doc.message.ts } } : {}),
  };
}

const lean = (doc: unknown) => (doc ? toLicenseRequest(doc as LicenseRequestDoc) : null);

/** Learners' license requests in MongoDB; each decision is one conditional update. */
export function createLicenseRequestRepository(connection: Connection): LicenseRequestStore {
  const { LicenseRequest } = modelsFor(connection);
  const byId = (id: string) => (isObjectId(id) ? new Types.ObjectId(id) : null);
  return {
    async createLicenseRequest(request) {
      try {
        const doc = await LicenseRequest.create({ ...request, status: 'pending', open: true, attempt: 1 });
        return toLicenseRequest(doc.toObject() as LicenseRequestDoc);
      } catch (error) {
        // The partial unique index: this learner already has an open request for the type.
        if ((error as { code?: unknown }).code === 11000) return null;
        throw error;
      }
    },
    async getLicenseRequest(id) {
      const _id = byId(id);
      return _id ? lean(await LicenseRequest.findById(_id).lean()) : null;
    },
    async openLicenseRequest(learnerId, licenseType) {
      return lean(await LicenseRequest.findOne({ learnerId, licenseType, open: true }).lean());
    },
    async listPendingLicenseRequests(limit) {
      const docs = await LicenseRequest.find({ status: 'pending' }).sort({ createdAt: 1, _id: 1 }).limit(limit).lean();
      return docs.map((doc) => toLicenseRequest(doc as LicenseRequestDoc));
    },
    async listOpenLicenseRequestsOf(learnerId, limit) {
      const docs = await LicenseRequest.find({ learnerId, open: true }).sort({ createdAt: -1, _id: 1 }).limit(limit).lean();
      return docs.map((doc) => toLicenseRequest(doc as LicenseRequestDoc));
    },
    async claimLicenseRequest(id, by, now, leaseMs) {
      const _id = byId(id);
      if (!_id) return null;
      return lean(
        await LicenseRequest.findOneAndUpdate(
          { _id, $or: [{ status: 'pending' }, { status: 'approving', claimedUntil: { $lt: now } }] },
          { $set: { status: 'approving', claimedBy: by, claimedUntil: new Date(now.getTime() + leaseMs) } },
          { returnDocument: 'after' },
        ).lean(),
      );
    },
    async reopenLicenseRequest(id, attempt) {
      const _id = byId(id);
      if (!_id) return;
      await LicenseRequest.updateOne(
        { _id, status: 'approving' },
        { $set: { status: 'pending', attempt }, $unset: { claimedBy: '', claimedUntil: '' } },
      );
    },
    async finishLicenseRequest(id, result) {
      const _id = byId(id);
      if (!_id) return null;
      return lean(
        await LicenseRequest.findOneAndUpdate(
          { _id, status: 'approving' },
          {
            $set: {
              status: result.status,
              decidedBy: result.by,
              decidedAt: result.at,
              ...(result.code ? { outcomeCode: result.code } : {}),
            },
            $unset: { open: '', claimedBy: '', claimedUntil: '' },
          },
          { returnDocument: 'after' },
        ).lean(),
      );
    },
    async denyLicenseRequest(id, by, at, reason) {
      const _id = byId(id);
      if (!_id) return null;
      return lean(
        await LicenseRequest.findOneAndUpdate(
          { _id, status: 'pending' },
          { $set: { status: 'denied', decidedBy: by, decidedAt: at, ...(reason ? { decisionReason: reason } : {}) }, $unset: { open: '' } },
          { returnDocument: 'after' },
        ).lean(),
      );
    },
    async setLicenseRequestMessage(id, ref) {
      const _id = byId(id);
      if (_id) await LicenseRequest.updateOne({ _id }, { $set: { message: ref } });
    },
  };
}
