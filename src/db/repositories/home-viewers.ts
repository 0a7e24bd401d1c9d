import type { Connection } from 'mongoose';
import type { HomeViewerStore } from '../../licensing/home/ports.js';
import { modelsFor } from '../models/index.js';

/** Who has a Home with the bot and when it was last published. */
export function createHomeViewerRepository(connection: Connection): HomeViewerStore {
  const { HomeViewer } = modelsFor(connection);
  return {
    async rememberHomeViewer(userId, staff, now) {
      await HomeViewer.updateOne({ _id: userId }, { $set: { staff, openedAt: now } }, { upsert: true });
    },
    async staffHomeViewers(limit) {
      const docs = await HomeViewer.find({ staff: true }, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean();
      return docs.map((doc) => doc._id);
    },
    async homeViewersAmong(userIds) {
      if (userIds.length === 0) return [];
      const docs = await HomeViewer.find({ _id: { $in: [...userIds] } }, { _id: 1 }).lean();
      return docs.map((doc) => doc._id).sort();
    },
    async claimHomePublish(userId, now, windowMs) {
      const res = await HomeViewer.updateOne(
        { _id: userId, $or: [{ publishedAt: { $exists: false } }, { publishedAt: { $lte: new Date(now.getTime() - windowMs) } }] },
        { $set: { publishedAt: now } },
      );
      if (res.matchedCount === 1) return { claimed: true };
      const doc = await HomeViewer.findById(userId, { publishedAt: 1 }).lean();
      // No viewer document (never opened): nobody published it, so this caller may.
      if (!doc?.publishedAt) {
        await HomeViewer.updateOne({ _id: userId }, { $set: { publishedAt: now } });
        return { claimed: true };
      }
      return { claimed: false, publishedAt: doc.publishedAt };
    },
  };
}
