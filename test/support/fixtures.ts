import type { Database, Repositories } from '../../src/db/index.js';
import { modelsFor } from '../../src/db/models/index.js';
import type { LicensingDeps } from '../../src/licensing/deps.js';
import { SEARCH_KEYS_VERSION, searchFieldsFor } from '../../src/licensing/model.js';

/** Real services over a test database, with the given config admins. */
export function licensingDeps(db: { repositories: Repositories }, configAdmins: string[] = ['UADMIN1']): LicensingDeps {
  const { store, admins, changeRequests } = db.repositories;
  return {
    store,
    admins,
    changeRequests,
    configAdmins,
    processId: `test-${process.pid}`,
    now: () => new Date(),
  };
}

/** Inserts license types with their seat counts consistent with the learners inserted later. */
export async function givenLicenseTypes(db: Database, types: { key: string; name: string; capacity: number | null }[]): Promise<void> {
  const { LicenseType } = modelsFor(db.connection);
  await LicenseType.insertMany(types.map((t) => ({ ...t, seatsInUse: 0, pending: [] })));
}

export interface LearnerSeed {
  email: string;
  name: string;
  groups?: string[];
  status?: 'active' | 'deactivated';
  licenseTypes?: string[];
  slackUserId?: string;
}

/**
 * Inserts learners directly (as an import would) and counts their seats, so the seat invariant
 * holds from the start. Returns their ids in order.
 */
export async function givenLearners(db: Database, seeds: LearnerSeed[]): Promise<string[]> {
  const { Learner, LicenseType } = modelsFor(db.connection);
  const docs = await Learner.insertMany(
    seeds.map((s) => ({
      email: s.email,
      name: s.name,
      ...searchFieldsFor(s.name, s.email),
      searchVersion: SEARCH_KEYS_VERSION,
      groups: s.groups ?? [],
      status: s.status ?? 'active',
      licenseTypes: s.licenseTypes ?? [],
      ...(s.slackUserId ? { slackUserId: s.slackUserId } : {}),
      version: 0,
      recentOps: [],
    })),
  );
  const counts = new Map<string, number>();
  for (const s of seeds) for (const t of s.licenseTypes ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [key, n] of counts) await LicenseType.updateOne({ key }, { $inc: { seatsInUse: n } });
  return docs.map((d) => String(d._id));
}

/** Seats in use per type next to the holders counted from learners: equal when the invariant holds. */
export async function seatLedger(
  db: Database,
): Promise<{ key: string; seatsInUse: number; holders: number; capacity: number | null; pending: number }[]> {
  const { LicenseType, Learner } = modelsFor(db.connection);
  const types = await LicenseType.find({}).lean();
  return Promise.all(
    types.map(async (t) => ({
      key: t.key,
      seatsInUse: t.seatsInUse,
      holders: await Learner.countDocuments({ licenseTypes: t.key }),
      capacity: t.capacity ?? null,
      pending: t.pending.length,
    })),
  );
}

/** Asserts, for every license type, seats in use = holders ≤ capacity and nothing pending. */
export async function expectSeatInvariant(db: Database): Promise<void> {
  for (const row of await seatLedger(db)) {
    expect({ key: row.key, seatsInUse: row.seatsInUse, pending: row.pending }).toEqual({
      key: row.key,
      seatsInUse: row.holders,
      pending: 0,
    });
    if (row.capacity !== null) expect(row.seatsInUse).toBeLessThanOrEqual(row.capacity);
  }
}
