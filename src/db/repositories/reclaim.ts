import { type Connection, Types } from 'mongoose';
import type { AdminChange } from '../../licensing/model.js';
import type { ReclaimRound, ReclaimStore } from '../../licensing/reclaim/ports.js';
import { type LearnerDoc, modelsFor, type ReclaimRoundDoc } from '../models/index.js';
import { nativeCollection } from './batch-writes.js';
import { isObjectId, learnerProjection, toLearner } from './mappers.js';
import { selectionFilter } from './selection-filter.js';

function toRound(doc: ReclaimRoundDoc): ReclaimRound {
  return {
    id: String(doc._id),
    type: doc.type,
    change: doc.change as AdminChange,
    reason: doc.reason ?? '',
    requestedBy: doc.requestedBy,
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    createdAt: doc.createdAt,
    idleBefore: doc.idleBefore,
    graceEndsAt: doc.graceEndsAt,
    status: doc.status,
    asked: doc.asked ?? 0,
    sent: doc.sent ?? 0,
    noSlack: doc.noSlack ?? 0,
    failed: doc.failed ?? 0,
    kept: doc.kept ?? 0,
    released: doc.released ?? 0,
    ...(doc.requestId ? { requestId: doc.requestId } : {}),
    ...(doc.failureCode ? { failureCode: doc.failureCode } : {}),
  };
}

/** The MongoDB side of reclaim: rounds, and each asked learner's state on the learner. */
export function createReclaimRepository(connection: Connection): ReclaimStore {
  const { Learner, ReclaimRound } = modelsFor(connection);
  const learners = nativeCollection<LearnerDoc>(connection, Learner);
  return {
    async createRound(round) {
      const doc = await ReclaimRound.create({ ...round, change: round.change as unknown as Record<string, unknown> });
      return toRound(doc.toObject() as ReclaimRoundDoc);
    },
    async getRound(id) {
      if (!isObjectId(id)) return null;
      const doc = await ReclaimRound.findById(id).lean();
      return doc ? toRound(doc as ReclaimRoundDoc) : null;
    },
    async markAsked(roundId, selection, at) {
      const res = await learners.updateMany(selectionFilter(selection), {
        $set: { reclaimAsk: { round: roundId, state: 'asked', dm: 'pending', askedAt: at } },
      });
      await ReclaimRound.updateOne({ _id: roundId }, { $set: { asked: res.modifiedCount } });
      return res.modifiedCount;
    },
    async pendingAsks(roundId, limit) {
      const docs = await Learner.find({ 'reclaimAsk.round': roundId, 'reclaimAsk.dm': 'pending' }, learnerProjection)
        .sort({ _id: 1 })
        .limit(limit)
        .lean();
      return docs.map(toLearner);
    },
    async markAsksQueued(roundId, learnerIds) {
      const ids = learnerIds.filter(isObjectId).map((id) => new Types.ObjectId(id));
      if (ids.length)
        await learners.updateMany(
          { _id: { $in: ids }, 'reclaimAsk.round': roundId, 'reclaimAsk.dm': 'pending' },
          { $set: { 'reclaimAsk.dm': 'queued' } },
        );
    },
    async queuedAsks(roundId, limit, afterId) {
      const docs = await Learner.find(
        {
          'reclaimAsk.round': roundId,
          'reclaimAsk.dm': 'queued',
          ...(afterId && isObjectId(afterId) ? { _id: { $gt: new Types.ObjectId(afterId) } } : {}),
        },
        { _id: 1 },
      )
        .sort({ _id: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => String(d._id));
    },
    async recordAsks(roundId, results) {
      // Each outcome apart, so each count is what this call changed: a batch recorded twice counts once.
      const fields = { sent: 'sent', no_slack: 'noSlack', failed: 'failed' } as const;
      const counts: Partial<Record<(typeof fields)[keyof typeof fields], number>> = {};
      for (const outcome of ['sent', 'no_slack', 'failed'] as const) {
        const writes = results
          .filter((r) => r.outcome === outcome && isObjectId(r.learnerId))
          .map((r) => ({
            updateOne: {
              filter: { _id: new Types.ObjectId(r.learnerId), 'reclaimAsk.round': roundId, 'reclaimAsk.dm': 'queued' },
              update: {
                $set:
                  r.outcome === 'sent'
                    ? { 'reclaimAsk.dm': 'sent', 'reclaimAsk.slackUserId': r.slackUserId }
                    : { 'reclaimAsk.dm': outcome },
              },
            },
          }));
        const changed = writes.length ? (await learners.bulkWrite(writes, { ordered: false })).modifiedCount : 0;
        if (changed) counts[fields[outcome]] = changed;
      }
      if (Object.keys(counts).length) await ReclaimRound.updateOne({ _id: roundId }, { $inc: counts });
    },
    async answerAsk(roundId, learnerId, slackUserId, answer) {
      if (!isObjectId(learnerId)) return null;
      const doc = await Learner.findOneAndUpdate(
        { _id: learnerId, 'reclaimAsk.round': roundId, 'reclaimAsk.state': 'asked', 'reclaimAsk.slackUserId': slackUserId },
        {
          $set: {
            'reclaimAsk.state': answer.state,
            'reclaimAsk.answeredAt': answer.at,
            ...(answer.exemptUntil ? { reclaimExemptUntil: answer.exemptUntil } : {}),
          },
        },
        { returnDocument: 'after', projection: learnerProjection, lean: true },
      );
      if (!doc) return null;
      await ReclaimRound.updateOne({ _id: roundId }, { $inc: answer.state === 'kept' ? { kept: 1 } : { released: 1 } });
      return toLearner(doc);
    },
    async countCandidates(selection) {
      // The count command, not countDocuments: no aggregation stage runs over the matched learners.
      const count = async (filter: Record<string, unknown>) => {
        const res = await connection.db!.command({ count: Learner.collection.collectionName, query: filter });
        return Number(res.n ?? 0);
      };
      const idle = await count(selectionFilter(selection));
      const neverStarted = selection.idle
        ? await count(selectionFilter({ ...selection, idle: { ...selection.idle, neverOnly: true } }))
        : 0;
      return { idle, neverStarted };
    },
    async askOf(learnerId) {
      if (!isObjectId(learnerId)) return null;
      const doc = await Learner.findById(learnerId, { reclaimAsk: 1 }).lean();
      const ask = doc?.reclaimAsk;
      return ask ? { round: ask.round, dm: ask.dm, state: ask.state, ...(ask.slackUserId ? { slackUserId: ask.slackUserId } : {}) } : null;
    },
    async dueRounds(now, limit) {
      const docs = await ReclaimRound.find({ status: 'asking', graceEndsAt: { $lte: now } }, { _id: 1 })
        .sort({ graceEndsAt: 1 })
        .limit(limit)
        .lean();
      return docs.map((d) => String(d._id));
    },
    async moveRound(id, from, to, extra = {}) {
      if (!isObjectId(id)) return null;
      const doc = await ReclaimRound.findOneAndUpdate(
        { _id: id, status: from },
        { $set: { status: to, ...extra } },
        { returnDocument: 'after', lean: true },
      );
      return doc ? toRound(doc as ReclaimRoundDoc) : null;
    },
    async openRounds(limit) {
      const docs = await ReclaimRound.find({ status: 'asking' }).sort({ graceEndsAt: 1 }).limit(limit).lean();
      return docs.map((d) => toRound(d as ReclaimRoundDoc));
    },
    async releasedSince(after) {
      const docs = await ReclaimRound.find({ createdAt: { $gte: after }, released: { $gt: 0 } }, { type: 1, released: 1 }).lean();
      const byType = new Map<string, number>();
      for (const d of docs) byType.set(d.type, (byType.get(d.type) ?? 0) + d.released);
      return byType;
    },
  };
}
