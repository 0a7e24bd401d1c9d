import type { Connection } from 'mongoose';
import type { LeadRecord, LeadStore } from '../../licensing/bulk/ports.js';
import { type LeadDoc, modelsFor } from '../models/index.js';

function toLead(doc: LeadDoc): LeadRecord {
  return { userId: doc.userId, groups: [...(doc.groups ?? [])], addedBy: doc.addedBy, addedAt: doc.addedAt };
}

/** Team leads added from Slack, in MongoDB. */
export function createLeadRepository(connection: Connection): LeadStore {
  const { Lead } = modelsFor(connection);
  return {
    async getLead(userId) {
      const doc = await Lead.findOne({ userId }).lean();
      return doc ? toLead(doc) : null;
    },
    async upsertLead(record) {
      const res = await Lead.updateOne(
        { userId: record.userId },
        { $set: { groups: record.groups }, $setOnInsert: { addedBy: record.addedBy, addedAt: record.addedAt } },
        { upsert: true },
      );
      return res.upsertedCount === 1 ? 'added' : 'updated';
    },
    async removeLead(userId) {
      const res = await Lead.deleteOne({ userId });
      return res.deletedCount === 1;
    },
    async listLeads() {
      const docs = await Lead.find({}).sort({ addedAt: 1 }).lean();
      return docs.map(toLead);
    },
  };
}
