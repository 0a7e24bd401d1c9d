import { type Connection, Types } from 'mongoose';
import type { BulkRequest, BulkStore } from '../../licensing/bulk/ports.js';
import type { AdminChange, PlanningLearner } from '../../licensing/model.js';
import { type BulkRequestDoc, type LearnerDoc, modelsFor } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
import { isDuplicateKey, isObjectId, learnerProjection, planningProjection, toLearner, toPlanningLearner } from './mappers.js';
import { allOf, type Filter, selectionFilter } from './selection-filter.js';

const JOB_FINAL: BulkRequestDoc['status'][] = ['completed', 'cancelled', 'failed'];

function toBulkRequest(doc: BulkRequestDoc): BulkRequest {
  const s = doc.selection;
  return {
    id: String(doc._id),
    status: doc.status,
    selection: {
      groups: [...(s.groups ?? [])],
      licenseTypes: [...(s.licenseTypes ?? [])],
      withoutLicense: s.withoutLicense ?? false,
      ...(s.status ? { status: s.status } : {}),
      ...(s.text ? { text: s.text } : {}),
      emails: [...(s.emails ?? [])],
      excludeIds: [...(s.excludeIds ?? [])],
      excludeEmails: [...(s.excludeEmails ?? [])],
      ...(s.idle
        ? {
            idle: {
              before: s.idle.before,
              at: s.idle.at,
              excludeGroups: [...(s.idle.excludeGroups ?? [])],
              ...(s.idle.round ? { round: s.idle.round } : {}),
              ...(s.idle.neverOnly ? { neverOnly: true } : {}),
            },
          }
        : {}),
    },
    change: doc.change as AdminChange,
    reason: doc.reason ?? '',
    requestedBy: doc.requestedBy,
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
    preview: {
      matched: doc.preview.matched,
      alreadyOnTarget: doc.preview.alreadyOnTarget,
      blocked: doc.preview.blocked,
      toChange: doc.preview.toChange,
      seatsNeeded: doc.preview.seatsNeeded,
    },
    ...(doc.decidedBy ? { decidedBy: doc.decidedBy } : {}),
    ...(doc.decidedAt ? { decidedAt: doc.decidedAt } : {}),
    ...(doc.decisionReason ? { decisionReason: doc.decisionReason } : {}),
    ...(doc.cancelRequestedBy ? { cancelRequestedBy: doc.cancelRequestedBy } : {}),
    ...(doc.cancelRequestedAt ? { cancelRequestedAt: doc.cancelRequestedAt } : {}),
    ...(doc.approvalMessage ? { approvalMessage: { channel: doc.approvalMessage.channel, ts: doc.approvalMessage.ts } } : {}),
    ...(doc.progressMessage ? { progressMessage: { channel: doc.progressMessage.channel, ts: doc.progressMessage.ts } } : {}),
    progress: {
      lastBatch: doc.progress.lastBatch,
      lastLearnerId: doc.progress.lastLearnerId ?? null,
      total: doc.progress.total,
      done: doc.progress.done,
      skipped: doc.progress.skipped,
      failed: doc.progress.failed,
    },
    ...(doc.startedAt ? { startedAt: doc.startedAt } : {}),
    ...(doc.finishedAt ? { finishedAt: doc.finishedAt } : {}),
    ...(doc.failureCode ? { failureCode: doc.failureCode } : {}),
    ...(doc.notice?.claimedAt ? { completionNoticeClaimedAt: doc.notice.claimedAt } : {}),
    ...(doc.notice?.postedAt ? { completionNoticePostedAt: doc.notice.postedAt } : {}),
    ...(doc.notice?.ts ? { completionNoticeTs: doc.notice.ts } : {}),
    ...(doc.notice?.channel ? { completionNoticeChannel: doc.notice.channel } : {}),
    ...(doc.syncCaughtUpAt ? { syncCaughtUpAt: doc.syncCaughtUpAt } : {}),
    ...(doc.syncRefused !== undefined ? { syncRefused: doc.syncRefused } : {}),
    ...(doc.reclaim ? { reclaim: { type: doc.reclaim.type, ...(doc.reclaim.roundId ? { roundId: doc.reclaim.roundId } : {}) } } : {}),
    ...(doc.undo ? { undo: { of: doc.undo.of } } : {}),
    ...(doc.undoneBy ? { undoneBy: doc.undoneBy } : {}),
    ...(doc.applyAt ? { applyAt: doc.applyAt } : {}),
    ...(doc.until ? { until: doc.until } : {}),
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
    ...(doc.quorum !== undefined ? { quorum: doc.quorum } : {}),
    ...(doc.approvals ? { approvals: doc.approvals.map((a) => ({ by: a.by, at: a.at })) } : {}),
    ...(doc.remindAt ? { remindAt: doc.remindAt } : {}),
    ...(doc.remindedAt ? { remindedAt: doc.remindedAt } : {}),
    ...(doc.escalatedAt ? { escalatedAt: doc.escalatedAt } : {}),
    ...(doc.escalatedTo
      ? {
          escalatedTo: doc.escalatedTo.channelId ? { channelId: doc.escalatedTo.channelId } : { users: [...(doc.escalatedTo.users ?? [])] },
        }
      : {}),
    ...(doc.escalationMessages ? { escalationMessages: doc.escalationMessages.map((m) => ({ channel: m.channel, ts: m.ts })) } : {}),
    ...(doc.failureDetail ? { failureDetail: doc.failureDetail } : {}),
    ...(doc.notifyLearners ? { notifyLearners: true } : {}),
    ...(doc.learnersToldAt ? { learnersToldAt: doc.learnersToldAt } : {}),
    ...(doc.learnersTold
      ? { learnersTold: { sent: doc.learnersTold.sent, noAccount: doc.learnersTold.noAccount, failed: doc.learnersTold.failed } }
      : {}),
    ...(doc.submissionKey ? { submissionKey: doc.submissionKey } : {}),
  };
}

/** The MongoDB implementation of the bulk store. */
export function createBulkRequestRepository(connection: Connection): BulkStore {
  const { Learner, BulkRequest } = modelsFor(connection);

  const update = async (filter: Filter, changes: Filter): Promise<BulkRequest | null> => {
    const doc = await BulkRequest.findOneAndUpdate(filter, changes, { returnDocument: 'after', lean: true });
    return doc ? toBulkRequest(doc as BulkRequestDoc) : null;
  };
  const ids = async (filter: Filter, sort: Record<string, 1 | -1>, limit: number): Promise<string[]> => {
    const docs = await BulkRequest.find(filter, { _id: 1 }).sort(sort).limit(limit).lean();
    return docs.map((d) => String(d._id));
  };

  return {
    async countLearners(selection, refinement) {
      return Learner.countDocuments(selectionFilter(selection, refinement));
    },
    async learnerPage(selection, afterId, limit) {
      const after = afterId && isObjectId(afterId) ? [{ _id: { $gt: new Types.ObjectId(afterId) } }] : [];
      const filter = allOf([selectionFilter(selection), ...after]);
      const docs = await Learner.find(filter, learnerProjection).sort({ _id: 1 }).limit(limit).lean();
      return docs.map(toLearner);
    },
    async *matchingLearnerBatches(selection, afterId, batchSize) {
      const after = afterId && isObjectId(afterId) ? [{ _id: { $gt: new Types.ObjectId(afterId) } }] : [];
      // The driver's cursor: Mongoose would wrap every document of a 100,000-learner job.
      const cursor = nativeCollection<LearnerDoc>(connection, Learner).find(allOf([selectionFilter(selection), ...after]), {
        projection: planningProjection,
        sort: { _id: 1 },
        batchSize,
      });
      try {
        let batch: PlanningLearner[] = [];
        for await (const doc of cursor) {
          batch.push(toPlanningLearner(doc));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      } finally {
        await cursor.close();
      }
    },
    async matchingLearners(selection, ids) {
      const valid = ids.filter(isObjectId);
      if (valid.length === 0) return [];
      // The id list comes first so it stays a top-level `_id: {$in}` (a selection excluding ids
      // has its own `_id` clause, which then goes into `$and`).
      const filter = allOf([{ _id: { $in: valid.map((id) => new Types.ObjectId(id)) } }, selectionFilter(selection)]);
      // One round trip: the whole batch in the first reply.
      const docs = await Learner.find(filter, learnerProjection).sort({ _id: 1 }).batchSize(valid.length).lean();
      return docs.map(toLearner);
    },
    async missingEmails(emails) {
      const missing: string[] = [];
      for (let i = 0; i < emails.length; i += 1000) {
        const chunk = emails.slice(i, i + 1000);
        const found = new Set((await Learner.find({ email: { $in: chunk } }, { email: 1 }).lean()).map((d) => d.email));
        for (const email of chunk) if (!found.has(email)) missing.push(email);
      }
      return missing;
    },

    async createBulkRequest({ id, ...request }) {
      try {
        const doc = await BulkRequest.create({
          ...(id && isObjectId(id) ? { _id: new Types.ObjectId(id) } : {}),
          ...request,
          change: request.change as unknown as Record<string, unknown>,
          updatedAt: request.createdAt,
          progress: { lastBatch: 0, lastLearnerId: null, total: request.preview.matched, done: 0, skipped: 0, failed: 0 },
        });
        return { request: toBulkRequest(doc.toObject() as BulkRequestDoc), created: true };
      } catch (error) {
        // A retried create with the same id, or the same submission stored a moment ago (a replay
        // racing the original): the request made the first time is the one.
        const existing = !isDuplicateKey(error)
          ? null
          : id
            ? await BulkRequest.findById(id).lean()
            : request.submissionKey
              ? await BulkRequest.findOne({ submissionKey: request.submissionKey }).lean()
              : null;
        if (!existing) throw error;
        return { request: toBulkRequest(existing as BulkRequestDoc), created: false };
      }
    },
    async findBulkRequestBySubmission(submissionKey) {
      const doc = await BulkRequest.findOne({ submissionKey }).lean();
      return doc ? toBulkRequest(doc as BulkRequestDoc) : null;
    },
    async getBulkRequest(id) {
      if (!isObjectId(id)) return null;
      const doc = await BulkRequest.findById(id).lean();
      return doc ? toBulkRequest(doc as BulkRequestDoc) : null;
    },
    async decideBulkRequest(id, decision, now) {
      if (!isObjectId(id)) return null;
      return update(
        { _id: id, status: 'pending_approval', expiresAt: { $gt: now } },
        {
          $set: {
            status: decision.status,
            decidedBy: decision.by,
            decidedAt: now,
            updatedAt: now,
            ...(decision.reason ? { decisionReason: decision.reason } : {}),
            ...(decision.status === 'rejected' ? { finishedAt: now } : {}),
          },
        },
      );
    },
    async expireBulkRequest(id, now) {
      if (!isObjectId(id)) return null;
      return update({ _id: id, status: 'pending_approval', expiresAt: { $lte: now } }, { $set: { status: 'expired', updatedAt: now } });
    },
    async overdueBulkRequestIds(now, limit) {
      return ids({ status: 'pending_approval', expiresAt: { $lte: now } }, { expiresAt: 1 }, limit);
    },
    async startBulkRequest(id, total, now) {
      return update(
        { _id: id, status: 'approved' },
        { $set: { status: 'running', startedAt: now, updatedAt: now, 'progress.total': total } },
      );
    },
    async recordBulkBatch(id, batchNo, batch, now) {
      return update(
        { _id: id, 'progress.lastBatch': batchNo - 1 },
        {
          $set: { 'progress.lastBatch': batchNo, 'progress.lastLearnerId': batch.lastLearnerId, updatedAt: now },
          $inc: { 'progress.done': batch.done, 'progress.skipped': batch.skipped, 'progress.failed': batch.failed },
        },
      );
    },
    async finishBulkRequest(id, status, now, failureCode) {
      return update(
        { _id: id, status: 'running' },
        { $set: { status, finishedAt: now, updatedAt: now, ...(failureCode ? { failureCode } : {}) } },
      );
    },
    async cancelBulkRequestBeforeStart(id, by, now) {
      if (!isObjectId(id)) return null;
      // Nothing ran, so there is no job notice to post: the canceller's answer is the notice.
      return update(
        { _id: id, status: { $in: ['pending_approval', 'approved'] } },
        {
          $set: {
            status: 'cancelled',
            cancelRequestedBy: by,
            cancelRequestedAt: now,
            finishedAt: now,
            updatedAt: now,
            notice: { claimedAt: now, postedAt: now },
          },
        },
      );
    },
    async requestBulkCancel(id, by, now) {
      if (!isObjectId(id)) return null;
      const flagged = await update(
        { _id: id, status: 'running', cancelRequestedBy: { $exists: false } },
        { $set: { cancelRequestedBy: by, cancelRequestedAt: now, updatedAt: now } },
      );
      if (flagged) return flagged;
      const doc = await BulkRequest.findOne({ _id: id, status: 'running' }).lean();
      return doc ? toBulkRequest(doc as BulkRequestDoc) : null;
    },
    async setApprovalMessage(id, ref) {
      if (isObjectId(id)) await BulkRequest.updateOne({ _id: id }, { $set: { approvalMessage: ref } });
    },
    async setProgressMessage(id, ref) {
      if (isObjectId(id)) await BulkRequest.updateOne({ _id: id }, { $set: { progressMessage: ref } });
    },
    async claimCompletionNotice(id, now, leaseMs, token) {
      if (!isObjectId(id)) return false;
      const res = await BulkRequest.updateOne(
        {
          _id: id,
          status: { $in: JOB_FINAL },
          'notice.postedAt': { $exists: false },
          $or: [{ 'notice.claimedAt': { $exists: false } }, { 'notice.claimedAt': { $lt: new Date(now.getTime() - leaseMs) } }],
        },
        { $set: { 'notice.claimedAt': now, 'notice.claimToken': token } },
      );
      return res.modifiedCount === 1;
    },
    async renewCompletionNoticeClaim(id, token, now) {
      if (!isObjectId(id)) return false;
      const res = await BulkRequest.updateOne(
        { _id: id, 'notice.claimToken': token, 'notice.postedAt': { $exists: false } },
        { $set: { 'notice.claimedAt': now } },
      );
      return res.matchedCount === 1;
    },
    async markCompletionNoticePosted(id, posted, now) {
      if (!isObjectId(id)) return;
      await BulkRequest.updateOne(
        { _id: id },
        {
          $set: {
            'notice.postedAt': now,
            ...(posted.ts ? { 'notice.ts': posted.ts } : {}),
            ...(posted.channel ? { 'notice.channel': posted.channel } : {}),
          },
        },
      );
    },
    async syncAwaitingBulkRequests(finishedAfter, limit) {
      const docs = await BulkRequest.find({
        status: { $in: JOB_FINAL },
        finishedAt: { $gte: finishedAfter },
        'notice.ts': { $exists: true },
        syncCaughtUpAt: { $exists: false },
      })
        .sort({ finishedAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async markSyncCaughtUp(id, at, refused) {
      if (!isObjectId(id)) return null;
      return update({ _id: id, syncCaughtUpAt: { $exists: false } }, { $set: { syncCaughtUpAt: at, syncRefused: refused } });
    },
    async learnersAwaitingBulkRequests(finishedAfter, limit) {
      const docs = await BulkRequest.find({
        status: { $in: JOB_FINAL },
        finishedAt: { $gte: finishedAfter },
        notifyLearners: true,
        'notice.ts': { $exists: true },
        learnersToldAt: { $exists: false },
      })
        .sort({ finishedAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async markLearnersTold(id, at, told) {
      if (!isObjectId(id)) return null;
      return update({ _id: id, learnersToldAt: { $exists: false } }, { $set: { learnersToldAt: at, learnersTold: told } });
    },
    async listActiveBulkRequests(limit) {
      const docs = await BulkRequest.find({ status: { $in: ['approved', 'running'] } })
        .sort({ createdAt: -1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async listScheduledBulkRequests(limit) {
      const docs = await BulkRequest.find({ status: 'approved', applyAt: { $exists: true } })
        .sort({ applyAt: 1, _id: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async unnoticedBulkRequestIds(window, limit) {
      return ids(
        {
          status: { $in: JOB_FINAL },
          finishedAt: { $gte: window.finishedAfter, $lt: window.finishedBefore },
          'notice.postedAt': { $exists: false },
          $or: [{ 'notice.claimedAt': { $exists: false } }, { 'notice.claimedAt': { $lt: window.claimedBefore } }],
        },
        { finishedAt: 1 },
        limit,
      );
    },
    async stalledBulkRequestIds(before, limit) {
      // A scheduled change is stalled only once its moment has passed by the same margin.
      return ids(
        {
          status: { $in: ['approved', 'running'] },
          updatedAt: { $lt: before },
          $or: [{ applyAt: { $exists: false } }, { applyAt: { $lt: before } }],
        },
        { updatedAt: 1 },
        limit,
      );
    },
    async recordBulkApproval(id, by, now) {
      if (!isObjectId(id)) return null;
      // One conditional pipeline update: the approval is added only once per lead, and the request
      // becomes approved by the approval that reaches the quorum, whoever of two clickers that is.
      const doc = await BulkRequest.collection.findOneAndUpdate(
        { _id: new Types.ObjectId(id), status: 'pending_approval', expiresAt: { $gt: now }, 'approvals.by': { $ne: by } },
        [
          { $set: { approvals: { $concatArrays: [{ $ifNull: ['$approvals', []] }, [{ by, at: now }]] }, updatedAt: now } },
          {
            $set: {
              status: { $cond: [{ $gte: [{ $size: '$approvals' }, { $ifNull: ['$quorum', 1] }] }, 'approved', '$status'] },
              decidedBy: { $cond: [{ $gte: [{ $size: '$approvals' }, { $ifNull: ['$quorum', 1] }] }, by, '$decidedBy'] },
              decidedAt: { $cond: [{ $gte: [{ $size: '$approvals' }, { $ifNull: ['$quorum', 1] }] }, now, '$decidedAt'] },
            },
          },
        ],
        { returnDocument: 'after' },
      );
      return doc ? toBulkRequest(doc as unknown as BulkRequestDoc) : null;
    },
    async dueBulkReminderIds(now, limit) {
      return ids(
        { status: 'pending_approval', remindAt: { $lte: now }, remindedAt: { $exists: false }, expiresAt: { $gt: now } },
        { remindAt: 1 },
        limit,
      );
    },
    async claimBulkReminder(id, now) {
      if (!isObjectId(id)) return null;
      return update(
        { _id: id, status: 'pending_approval', remindedAt: { $exists: false }, expiresAt: { $gt: now } },
        { $set: { remindedAt: now } },
      );
    },
    async overdueUnescalatedBulkRequestIds(now, limit) {
      return ids({ status: 'pending_approval', expiresAt: { $lte: now }, escalatedAt: { $exists: false } }, { expiresAt: 1 }, limit);
    },
    async escalateBulkRequest(id, to, expiresAt, now) {
      if (!isObjectId(id)) return null;
      return update(
        { _id: id, status: 'pending_approval', expiresAt: { $lte: now }, escalatedAt: { $exists: false } },
        {
          $set: {
            escalatedAt: now,
            escalatedTo: 'channelId' in to ? { channelId: to.channelId } : { users: [...to.users] },
            expiresAt,
            updatedAt: now,
          },
        },
      );
    },
    async setEscalationMessages(id, refs) {
      if (isObjectId(id)) await BulkRequest.updateOne({ _id: id }, { $set: { escalationMessages: refs.map((r) => ({ ...r })) } });
    },
    async failBulkRequestAtStart(id, code, detail, now) {
      if (!isObjectId(id)) return null;
      return update(
        { _id: id, status: 'running', 'progress.lastBatch': 0 },
        { $set: { status: 'failed', failureCode: code, failureDetail: detail, finishedAt: now, updatedAt: now } },
      );
    },
    async listBulkRequests(limit) {
      const docs = await BulkRequest.find({}).sort({ createdAt: -1 }).limit(limit).lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async claimUndo(id, undoId, replacing) {
      if (!isObjectId(id)) return false;
      const res = await BulkRequest.updateOne(
        { _id: id, ...(replacing ? { undoneBy: replacing } : { undoneBy: { $exists: false } }) },
        { $set: { undoneBy: undoId } },
      );
      return res.modifiedCount === 1;
    },
    async reclaimJobsFinishedSince(after, limit) {
      const docs = await BulkRequest.find({ 'reclaim.type': { $exists: true }, status: { $in: JOB_FINAL }, finishedAt: { $gte: after } })
        .sort({ finishedAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
    async listPendingBulkRequests(now, limit) {
      const docs = await BulkRequest.find({ status: 'pending_approval', expiresAt: { $gt: now } })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => toBulkRequest(d as BulkRequestDoc));
    },
  };
}
