import type { Connection } from 'mongoose';
import type { AdminStore } from '../../licensing/ports.js';
import { modelsFor } from '../models/index.js';

/** Admins added from Slack, in MongoDB. */
export function createAdminRepository(connection: Connection): AdminStore {
  const { Admin } = modelsFor(connection);
  return {
    async isStoredAdmin(userId) {
      return (await Admin.exists({ userId })) !== null;
    },
    async addAdmin(record) {
      const res = await Admin.updateOne({ userId: record.userId }, { $setOnInsert: record }, { upsert: true });
      return res.upsertedCount === 1;
    },
    async removeAdmin(userId) {
      const res = await Admin.deleteOne({ userId });
      return res.deletedCount === 1;
    },
    async listAdmins() {
      const docs = await Admin.find({}).sort({ addedAt: 1 }).lean();
      return docs.map((d) => ({ userId: d.userId, addedBy: d.addedBy, addedAt: d.addedAt }));
    },
  };
}
