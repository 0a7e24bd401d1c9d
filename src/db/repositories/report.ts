import type { Connection } from 'mongoose';
import type { ReportStore } from '../../licensing/report/ports.js';
import { modelsFor } from '../models/index.js';

/** The MongoDB side of the seat report. */
export function createReportRepository(connection: Connection): ReportStore {
  const { Assignment, Learner } = modelsFor(connection);
  async function* openRowsOf(licenseType: string, from: Date) {
    const cursor = Assignment.find(
      { licenseType, $or: [{ revokedAt: null }, { revokedAt: { $gte: from } }] },
      { licenseType: 1, assignedAt: 1, revokedAt: 1, _id: 0 },
    )
      .batchSize(5_000)
      .lean()
      .cursor();
    try {
      for await (const doc of cursor) yield { licenseType: doc.licenseType, assignedAt: doc.assignedAt, revokedAt: doc.revokedAt ?? null };
    } finally {
      await cursor.close();
    }
  }
  return {
    async *assignmentsOpenSince(from, types) {
      // Type by type, so the (licenseType, revokedAt) index of the seat checks serves both branches.
      for (const licenseType of types) yield* openRowsOf(licenseType, from);
    },
    async topGroups(limit) {
      const rows = await Learner.aggregate<{ _id: string; holders: number }>([
        { $match: { 'licenseTypes.0': { $exists: true }, status: 'active' } },
        { $project: { groups: 1 } },
        { $unwind: '$groups' },
        { $group: { _id: '$groups', holders: { $sum: 1 } } },
        { $sort: { holders: -1, _id: 1 } },
        { $limit: limit },
      ]);
      return rows.map((r) => ({ group: r._id, holders: r.holders }));
    },
  };
}
