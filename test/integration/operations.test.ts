import { modelsFor } from '../../src/db/models/index.js';
import { createLeasedOperation, planItems, resumeStaleOperations, runOperation, touchedTypes } from '../../src/licensing/operations.js';
import type { Operation } from '../../src/licensing/ports.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes, licensingDeps } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 3 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
});
afterEach(async () => {
  await db.drop();
});

async function plannedOp(id: string, learnerIds: string[], extra: Partial<Operation> = {}): Promise<Operation> {
  const deps = licensingDeps(db);
  const learners = await deps.store.findLearnersByIds(learnerIds);
  const change = { kind: 'reassign' as const, from: 'core', to: 'pro' };
  const { items, failed } = planItems(learners, { change });
  return deps.store.createOperation({
    id,
    state: 'planned',
    change,
    actor: 'UADMIN1',
    source: 'job',
    reason: 'r',
    items,
    failed,
    touchedTypes: touchedTypes(items),
    createdAt: new Date(),
    ...extra,
  });
}

describe('operations', () => {
  it('queues one DM per learner it changed when it notifies, however often its settle step runs', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 4 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: i === 3 ? ['pro'] : ['core'] })),
    );
    const deps = licensingDeps(db);
    await plannedOp('op-notify', ids, { notify: true, reason: 'renewal' });
    await runOperation(deps.store, 'op-notify', 'p1');
    // A rerun of the settle step (a crash after it): the same notices, none twice.
    const { Operation: Ops, Notice } = modelsFor(db.connection);
    await Ops.updateOne({ _id: 'op-notify' }, { $set: { state: 'applied' } });
    await runOperation(deps.store, 'op-notify', 'p1');

    const notices = await Notice.find().sort({ _id: 1 }).lean();
    // Pro has 3 seats and one is taken: the third learner was not changed, so is not told.
    expect(notices.map((n) => n._id)).toEqual(
      ids
        .slice(0, 2)
        .map((id) => `op-notify:${id}`)
        .sort(),
    );
    expect(notices[0]).toMatchObject({
      source: 'op:op-notify',
      state: 'queued',
      to: { email: expect.stringMatching(/^l\d@example\.com$/) },
      notice: { kind: 'license_changed', before: ['core'], after: ['pro'], changedBy: 'UADMIN1', reason: 'renewal' },
    });
  });

  it('queues no DM for an operation that does not notify', async () => {
    const ids = await givenLearners(db, [{ email: 'l0@example.com', name: 'L 0', licenseTypes: ['core'] }]);
    await plannedOp('op-quiet', ids);
    await runOperation(licensingDeps(db).store, 'op-quiet', 'p1');
    expect(await modelsFor(db.connection).Notice.countDocuments()).toBe(0);
  });

  it('fails the learners beyond the free seats with no_seats_left and keeps seats exact', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 5 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: ['core'] })),
    );
    await plannedOp('op-1', ids);
    const result = await runOperation(licensingDeps(db).store, 'op-1', 'p1');
    expect(result.applied).toHaveLength(3);
    expect(result.failed.map((f) => f.code)).toEqual(['no_seats_left', 'no_seats_left']);
    await expectSeatInvariant(db);
  });

  it('keeps seats exact when a type short of seats drops learners who also needed a type reserved before it', async () => {
    // Restoring learners to two types at once (an undo of a revoke does): "coaching" comes first
    // and is reserved for all three; "pro" has room for one, so two learners are dropped, and the
    // coaching seats reserved for them must come back.
    await givenLicenseTypes(db, [{ key: 'coaching', name: 'Coaching', capacity: 10 }]);
    await modelsFor(db.connection).LicenseType.updateOne({ key: 'pro' }, { $set: { capacity: 1 } });
    const ids = await givenLearners(
      db,
      Array.from({ length: 3 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: [] })),
    );
    const deps = licensingDeps(db);
    const items = (await deps.store.findLearnersByIds(ids)).map((learner) => ({
      learnerId: learner.id,
      email: learner.email,
      version: learner.version,
      prev: [],
      next: ['coaching', 'pro'],
    }));
    expect(touchedTypes(items)).toEqual(['coaching', 'pro']);
    await deps.store.createOperation({
      id: 'op-two-types',
      state: 'planned',
      change: { kind: 'reassign', from: null, to: 'pro' },
      actor: 'UADMIN1',
      source: 'job',
      reason: 'r',
      items,
      failed: [],
      touchedTypes: touchedTypes(items),
      createdAt: new Date(),
    });
    const result = await runOperation(deps.store, 'op-two-types', 'p1');
    expect(result.applied).toHaveLength(1);
    expect(result.failed.map((f) => f.code)).toEqual(['no_seats_left', 'no_seats_left']);
    const types = await modelsFor(db.connection).LicenseType.find({}, { key: 1, seatsInUse: 1 }).sort({ key: 1 }).lean();
    expect(types.map((t) => [t.key, t.seatsInUse])).toEqual([
      ['coaching', 1],
      ['core', 0],
      ['pro', 1],
    ]);
    await expectSeatInvariant(db);
  });

  it('frees seats of a type that is over its capacity (lowered by hand) instead of waiting for room it does not need', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 3 }, (_, i) => ({ email: `p${i}@example.com`, name: `P ${i}`, licenseTypes: ['pro'] })),
    );
    await modelsFor(db.connection).LicenseType.updateOne({ key: 'pro' }, { $set: { capacity: 1 } });
    const deps = licensingDeps(db);
    const learners = await deps.store.findLearnersByIds(ids.slice(0, 2));
    const change = { kind: 'revoke' as const };
    const { items, failed } = planItems(learners, { change });
    await deps.store.createOperation({
      id: 'op-free',
      state: 'planned',
      change,
      actor: 'UADMIN1',
      source: 'job',
      reason: 'r',
      items,
      failed,
      touchedTypes: touchedTypes(items),
      createdAt: new Date(),
    });
    const result = await runOperation(deps.store, 'op-free', 'p1');
    expect(result.applied).toHaveLength(2);
    expect((await modelsFor(db.connection).LicenseType.findOne({ key: 'pro' }).lean())?.seatsInUse).toBe(1);
    await expectSeatInvariant(db);
  });

  it('finishes an operation a crashed process left after reserving seats and changing learners', async () => {
    const ids = await givenLearners(
      db,
      Array.from({ length: 3 }, (_, i) => ({ email: `l${i}@example.com`, name: `L ${i}`, licenseTypes: ['core'] })),
    );
    const deps = licensingDeps(db);
    const op = await plannedOp('op-crash', ids);
    // What a process did before dying: seats reserved, two of three learners written, no history.
    expect(await deps.store.reserveSeats('pro', op.id, 3)).toBe('reserved');
    await deps.store.reserveSeats('core', op.id, 0);
    await deps.store.setOperationState(op.id, 'planned', 'reserved');
    await deps.store.applyLearnerChanges(op.id, op.items.slice(0, 2));
    const { Operation: Ops, Assignment, LicenseType } = modelsFor(db.connection);
    await Ops.updateOne({ _id: op.id }, { $set: { leaseOwner: 'dead', leaseUntil: new Date(Date.now() - 1000) } });
    expect((await LicenseType.findOne({ key: 'pro' }).lean())?.pending).toHaveLength(1);

    expect(await resumeStaleOperations(deps.store, 'p2')).toBe(1);
    expect(await resumeStaleOperations(deps.store, 'p3')).toBe(0);

    expect((await Ops.findById(op.id).lean())?.state).toBe('settled');
    expect(await Assignment.countDocuments({ opId: op.id })).toBe(3);
    await expectSeatInvariant(db);
  });

  it('does not let a second process run an operation whose lease is held', async () => {
    const ids = await givenLearners(db, [{ email: 'a@example.com', name: 'A', licenseTypes: ['core'] }]);
    const deps = licensingDeps(db);
    await plannedOp('op-lease', ids);
    expect(await deps.store.leaseOperation('op-lease', 'p1', 60_000)).toBe(true);
    await expect(runOperation(deps.store, 'op-lease', 'p2')).rejects.toThrow(/another process/);
    const result = await runOperation(deps.store, 'op-lease', 'p1');
    expect(result.applied).toHaveLength(1);
  });

  it('runs an op created with its lease without leasing it again, and keeps another process out meanwhile', async () => {
    const ids = await givenLearners(db, [{ email: 'a@example.com', name: 'A', licenseTypes: ['core'] }]);
    const deps = licensingDeps(db);
    const { Operation: Ops } = modelsFor(db.connection);
    // Planned by the helper, then created again as a caller that runs it would.
    const planned = await plannedOp('op-born-leased', ids);
    await Ops.deleteOne({ _id: 'op-born-leased' });
    const created = await createLeasedOperation(deps.store, planned, 'p1');
    const stored = await Ops.findById('op-born-leased').lean();
    expect(stored?.leaseOwner).toBe('p1');
    expect(stored?.leaseUntil?.getTime()).toBeGreaterThan(Date.now() + 30_000);
    // Another process finds it leased from the start (no window between creation and lease).
    await expect(runOperation(deps.store, 'op-born-leased', 'p2')).rejects.toThrow(/another process/);
    // The creator runs it with the op it got back; a later create of the same id returns the stored op, unleased.
    const again = await createLeasedOperation(deps.store, planned, 'p3');
    expect(again.lease).toBeUndefined();
    const result = await runOperation(deps.store, 'op-born-leased', 'p1', () => new Date(), created);
    expect(result.applied.map((item) => item.learnerId)).toEqual(ids);
    const settled = await Ops.findById('op-born-leased').lean();
    expect(settled?.state).toBe('settled');
    // The lease it was born with was all it needed: not written again.
    expect(settled?.leaseUntil?.getTime()).toBe(created.lease?.until.getTime());
    await expectSeatInvariant(db);
  });

  it('is a no-op when run again after it settled', async () => {
    const ids = await givenLearners(db, [{ email: 'a@example.com', name: 'A', licenseTypes: ['core'] }]);
    const deps = licensingDeps(db);
    await plannedOp('op-twice', ids);
    await runOperation(deps.store, 'op-twice', 'p1');
    await runOperation(deps.store, 'op-twice', 'p2');
    const { Assignment, Learner } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({})).toBe(1);
    expect((await Learner.findById(ids[0]).lean())?.version).toBe(1);
    await expectSeatInvariant(db);
  });
});
