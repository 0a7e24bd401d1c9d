import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { escapeRegex } from '../../licensing/model.js';
import type { NoticeContent, NoticeCounts, NoticeState, NoticeStore, QueuedNotice } from '../../licensing/notices/ports.js';
import { modelsFor, type NoticeDoc } from '../models/index.js';
import { insertNew, nativeCollection } from './batch-writes.js';

function toQueuedNotice(doc: NoticeDoc): QueuedNotice {
  return {
    key: doc._id,
    source: doc.source,
    to: doc.to.slackUserId ? { slackUserId: doc.to.slackUserId } : { email: doc.to.email ?? '' },
    // Written by this app from a NoticeContent.
    notice: doc.notice as unknown as NoticeContent,
    attempts: doc.attempts ?? 0,
    enqueuedAt: doc.enqueuedAt,
    ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
    ...(doc.sendingSince ? { sendingSince: doc.sendingSince } : {}),
  };
}

const leaseFree = (now: Date) => ({ $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] });

/** The notice queue in MongoDB: one document per key, leased by drainers, never sent twice. */
export function createNoticeRepository(connection: Connection): NoticeStore {
  const { Notice } = modelsFor(connection);
  const notices = () => nativeCollection<NoticeDoc>(connection, Notice);
  return {
    async enqueueNotices(items, now) {
      // The key is the _id: an item queued before (by a retried settle step, a second process) is a skipped duplicate.
      await insertNew(
        notices(),
        items.map((item) => ({
          _id: item.key,
          source: item.source,
          to: 'slackUserId' in item.to ? { slackUserId: item.to.slackUserId } : { email: item.to.email.toLowerCase() },
          notice: item.notice as unknown as Record<string, unknown>,
          state: 'queued' as const,
          attempts: 0,
          enqueuedAt: now,
          nextAttemptAt: now,
          ...(item.expiresAt ? { expiresAt: item.expiresAt } : {}),
        })),
      );
    },

    async claimDueNotices(now, limit, leaseMs) {
      const token = randomBytes(12).toString('hex');
      const due = await Notice.find({ state: 'queued', nextAttemptAt: { $lte: now }, ...leaseFree(now) }, { _id: 1 })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .lean();
      if (due.length === 0) return { token, notices: [] };
      // Conditional on the lease still being free: of two drainers picking the same notice, one gets it.
      await notices().updateMany(
        { _id: { $in: due.map((doc) => doc._id) }, state: 'queued', ...leaseFree(now) },
        { $set: { leaseToken: token, leaseUntil: new Date(now.getTime() + leaseMs) } },
      );
      const leased = await Notice.find({ leaseToken: token }).sort({ nextAttemptAt: 1, _id: 1 }).lean();
      return { token, notices: leased.map((doc) => toQueuedNotice(doc as NoticeDoc)) };
    },

    async markNoticeSending(key, token, now) {
      const res = await notices().updateOne({ _id: key, leaseToken: token, state: 'queued' }, { $set: { sendingSince: now } });
      return res.matchedCount === 1;
    },

    async recordNoticeOutcome(key, token, outcome, now) {
      const release = { leaseToken: null, leaseUntil: null };
      const filter = { _id: key, leaseToken: token, state: 'queued' as const };
      switch (outcome.kind) {
        case 'sent':
          await notices().updateOne(filter, {
            $set: {
              ...release,
              state: 'sent',
              settledAt: now,
              sendingSince: null,
              slackUserId: outcome.slackUserId,
              channel: outcome.channel,
              ts: outcome.ts,
            },
          });
          return;
        case 'withdrawn':
          await notices().updateOne(filter, {
            $set: { ...release, state: 'withdrawn', settledAt: now, sendingSince: null, lastError: outcome.reason },
          });
          return;
        case 'no_account':
        case 'failed':
          await notices().updateOne(filter, {
            $set: { ...release, state: outcome.kind, settledAt: now, sendingSince: null, lastError: outcome.reason },
            $inc: { attempts: 1 },
          });
          return;
        case 'retry':
          await notices().updateOne(filter, {
            $set: {
              ...release,
              nextAttemptAt: outcome.nextAttemptAt,
              lastError: outcome.reason,
              ...(outcome.mayHaveSent ? {} : { sendingSince: null }),
            },
            ...(outcome.countAttempt ? { $inc: { attempts: 1 } } : {}),
          });
          return;
      }
    },

    async releaseNotices(token) {
      // Notices a send began for keep their mark: whoever takes them next looks before sending.
      await notices().updateMany({ leaseToken: token }, { $set: { leaseToken: null, leaseUntil: null } });
    },

    async noticeCounts(source): Promise<NoticeCounts> {
      const rows = await Notice.aggregate<{ _id: NoticeDoc['state']; n: number }>([
        { $match: { source } },
        { $group: { _id: '$state', n: { $sum: 1 } } },
      ]);
      const count = (state: NoticeDoc['state']) => rows.find((row) => row._id === state)?.n ?? 0;
      return {
        waiting: count('queued'),
        sent: count('sent'),
        noAccount: count('no_account'),
        failed: count('failed'),
        withdrawn: count('withdrawn'),
      };
    },

    async noticeStates(keys) {
      const states = new Map<string, NoticeState>();
      for (let i = 0; i < keys.length; i += 1_000) {
        const docs = await Notice.find({ _id: { $in: keys.slice(i, i + 1_000) } }, { state: 1, slackUserId: 1 }).lean();
        for (const doc of docs)
          states.set(doc._id, doc.state === 'sent' ? { state: 'sent', slackUserId: doc.slackUserId ?? '' } : { state: doc.state });
      }
      return states;
    },

    async withdrawNotices(match, now) {
      // An anchored prefix is a range of the _id index; the exception filters within it.
      const keys = [
        { _id: { $regex: `^${escapeRegex(match.prefix)}` } },
        ...(match.except ? [{ _id: { $not: new RegExp(escapeRegex(match.except)) } }] : []),
      ];
      const res = await notices().updateMany(
        { $and: keys, state: 'queued', sendingSince: null },
        { $set: { state: 'withdrawn', settledAt: now, leaseToken: null, leaseUntil: null, lastError: 'withdrawn: no longer applies' } },
      );
      return res.modifiedCount;
    },
  };
}
