import { modelsFor } from '../../src/db/models/index.js';
import { LicenseError } from '../../src/licensing/errors.js';
import { cancelChange, confirmChange, requestChange } from '../../src/licensing/single/change-requests.js';
import { openTestDatabase } from '../support/database.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes, licensingDeps } from '../support/fixtures.js';

type TestDb = Awaited<ReturnType<typeof openTestDatabase>>;
let db: TestDb;

beforeEach(async () => {
  db = await openTestDatabase();
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'coaching', name: 'Coaching', capacity: 1 },
  ]);
});
afterEach(async () => {
  await db.drop();
});

const admin = { userId: 'UADMIN1', source: 'slack' as const, channelId: 'C1' };

describe('single-learner changes', () => {
  it('reassigns a learner once, keeping history and exact seats', async () => {
    const deps = licensingDeps(db);
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const review = await requestChange(deps, admin, {
      learnerId: ada!,
      change: { kind: 'reassign', from: 'core', to: 'pro' },
      reason: 'promotion',
    });
    expect(review.before).toEqual(['core']);
    expect(review.after).toEqual(['pro']);

    const outcome = await confirmChange(deps, admin, review.request.id);
    expect(outcome.kind).toBe('applied');

    const { Learner, Assignment, Audit } = modelsFor(db.connection);
    expect((await Learner.findById(ada).lean())?.licenseTypes).toEqual(['pro']);
    const rows = await Assignment.find({ learnerId: ada }).lean();
    expect(rows.map((r) => [r.licenseType, r.revokedAt === null, r.reason])).toEqual([['pro', true, 'promotion']]);
    expect(await Audit.countDocuments({ outcome: 'applied', action: 'reassign', learnerId: ada })).toBe(1);
    await expectSeatInvariant(db);
  });

  it('answers a second Confirm with already_done and changes nothing more', async () => {
    const deps = licensingDeps(db);
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const review = await requestChange(deps, admin, { learnerId: ada!, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: '' });
    const both = await Promise.all([confirmChange(deps, admin, review.request.id), confirmChange(deps, admin, review.request.id)]);
    expect(both.map((o) => o.kind).sort()).toEqual(['already_done', 'applied']);
    const { Assignment, Learner } = modelsFor(db.connection);
    expect(await Assignment.countDocuments({ learnerId: ada, licenseType: 'pro' })).toBe(1);
    expect((await Learner.findById(ada).lean())?.version).toBe(1);
    await expectSeatInvariant(db);
  });

  it('lets exactly as many concurrent confirmations through as there are seats', async () => {
    const deps = licensingDeps(db);
    const ids = await givenLearners(
      db,
      Array.from({ length: 50 }, (_, i) => ({ email: `l${i}@example.com`, name: `Learner ${i}`, licenseTypes: ['core'] })),
    );
    const reviews = await Promise.all(
      ids.map((id) => requestChange(deps, admin, { learnerId: id, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: '' })),
    );
    const outcomes = await Promise.all(reviews.map((r) => confirmChange(deps, admin, r.request.id)));
    expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(10);
    const refused = outcomes.filter((o) => o.kind === 'failed');
    expect(refused).toHaveLength(40);
    expect(new Set(refused.map((o) => (o.kind === 'failed' ? o.code : '')))).toEqual(new Set(['no_seats_left']));
    const { Learner, LicenseType, Assignment } = modelsFor(db.connection);
    expect(await Learner.countDocuments({ licenseTypes: 'pro' })).toBe(10);
    expect(await Learner.countDocuments({ licenseTypes: 'core' })).toBe(40);
    expect((await LicenseType.findOne({ key: 'pro' }).lean())?.seatsInUse).toBe(10);
    expect(await Assignment.countDocuments({ licenseType: 'pro', revokedAt: null })).toBe(10);
    await expectSeatInvariant(db);
  });

  it('refuses a non-admin and audits the attempt', async () => {
    const deps = licensingDeps(db);
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    await expect(
      requestChange(deps, { userId: 'UOTHER', source: 'slack' }, { learnerId: ada!, change: { kind: 'revoke' }, reason: '' }),
    ).rejects.toMatchObject({ code: 'not_admin' });
    const { Audit, Learner } = modelsFor(db.connection);
    expect(await Audit.findOne({ actor: 'UOTHER' }).lean()).toMatchObject({ outcome: 'refused', code: 'not_admin', action: 'revoke' });
    expect((await Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);
  });

  it.each([
    [
      'a deactivated learner',
      { status: 'deactivated' as const, licenseTypes: ['core'] },
      { kind: 'reassign' as const, from: 'core', to: 'pro' },
      'learner_deactivated',
    ],
    ['a learner already on the type', { licenseTypes: ['pro'] }, { kind: 'add' as const, to: 'pro' }, 'already_on_type'],
    ['an unknown type', { licenseTypes: ['core'] }, { kind: 'add' as const, to: 'nope' }, 'unknown_license_type'],
    ['a revoke with nothing to revoke', { licenseTypes: [] }, { kind: 'revoke' as const }, 'no_licenses'],
  ])('refuses %s with a clear code and audits it', async (_label, seed, change, code) => {
    const deps = licensingDeps(db);
    const [id] = await givenLearners(db, [{ email: 'x@example.com', name: 'X Y', ...seed }]);
    const attempt = requestChange(deps, admin, { learnerId: id!, change, reason: '' });
    await expect(attempt).rejects.toBeInstanceOf(LicenseError);
    await expect(attempt).rejects.toMatchObject({ code });
    expect(await modelsFor(db.connection).Audit.countDocuments({ outcome: 'refused', code })).toBe(1);
  });

  it('refuses when no seat is left at request time', async () => {
    const deps = licensingDeps(db);
    const [, b] = await givenLearners(db, [
      { email: 'a@example.com', name: 'A A', licenseTypes: ['coaching'] },
      { email: 'b@example.com', name: 'B B', licenseTypes: [] },
    ]);
    // The one Coaching seat is taken by the first learner.
    expect(await deps.store.getLicenseType('coaching')).toMatchObject({ capacity: 1, seatsInUse: 1 });
    await expect(requestChange(deps, admin, { learnerId: b!, change: { kind: 'add', to: 'coaching' }, reason: '' })).rejects.toMatchObject({
      code: 'no_seats_left',
    });
  });

  it('revokes every license and frees the seats, closing history rows', async () => {
    const deps = licensingDeps(db);
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada Lovelace' }]);
    const add = await requestChange(deps, admin, { learnerId: ada!, change: { kind: 'add', to: 'pro' }, reason: '' });
    await confirmChange(deps, admin, add.request.id);
    const add2 = await requestChange(deps, admin, { learnerId: ada!, change: { kind: 'add', to: 'coaching' }, reason: '' });
    await confirmChange(deps, admin, add2.request.id);
    const revoke = await requestChange(deps, admin, { learnerId: ada!, change: { kind: 'revoke' }, reason: 'left' });
    expect((await confirmChange(deps, admin, revoke.request.id)).kind).toBe('applied');
    const { Assignment, Learner } = modelsFor(db.connection);
    expect((await Learner.findById(ada).lean())?.licenseTypes).toEqual([]);
    const rows = await Assignment.find({ learnerId: ada }).lean();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.revokedAt instanceof Date)).toBe(true);
    await expectSeatInvariant(db);
  });

  it('cancels a pending change and refuses to confirm it afterwards', async () => {
    const deps = licensingDeps(db);
    const [ada] = await givenLearners(db, [{ email: 'ada@example.com', name: 'Ada Lovelace', licenseTypes: ['core'] }]);
    const review = await requestChange(deps, admin, { learnerId: ada!, change: { kind: 'reassign', from: 'core', to: 'pro' }, reason: '' });
    expect((await cancelChange(deps, admin, review.request.id)).kind).toBe('cancelled');
    const outcome = await confirmChange(deps, admin, review.request.id);
    expect(outcome).toMatchObject({ kind: 'already_done', request: { status: 'cancelled' } });
    expect((await modelsFor(db.connection).Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);
  });
});
