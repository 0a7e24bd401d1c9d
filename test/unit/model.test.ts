import { changeBlocker, escapeRegex, freeSeats, nextLicenseTypes, seatDelta } from '../../src/licensing/model.js';

describe('license rules', () => {
  it('replaces only the chosen license on reassign and keeps the others', () => {
    expect(nextLicenseTypes(['core', 'coaching'], { kind: 'reassign', from: 'core', to: 'pro' })).toEqual(['coaching', 'pro']);
  });

  it('adds a license without duplicating one already held', () => {
    expect(nextLicenseTypes(['core'], { kind: 'add', to: 'pro' })).toEqual(['core', 'pro']);
    expect(nextLicenseTypes(['core'], { kind: 'add', to: 'core' })).toEqual(['core']);
  });

  it('revokes every license', () => {
    expect(nextLicenseTypes(['core', 'pro'], { kind: 'revoke' })).toEqual([]);
  });

  it('blocks changes to deactivated learners before anything else', () => {
    expect(changeBlocker({ status: 'deactivated', licenseTypes: [] }, { kind: 'add', to: 'pro' })).toBe('learner_deactivated');
  });

  it('blocks a reassign to a type the learner already holds, and from a type they do not hold', () => {
    expect(changeBlocker({ status: 'active', licenseTypes: ['pro'] }, { kind: 'reassign', from: null, to: 'pro' })).toBe('already_on_type');
    expect(changeBlocker({ status: 'active', licenseTypes: ['core'] }, { kind: 'reassign', from: 'coaching', to: 'pro' })).toBe(
      'not_on_type',
    );
    expect(changeBlocker({ status: 'active', licenseTypes: ['core'] }, { kind: 'reassign', from: 'core', to: 'pro' })).toBeNull();
  });

  it('blocks a revoke of a learner without licenses', () => {
    expect(changeBlocker({ status: 'active', licenseTypes: [] }, { kind: 'revoke' })).toBe('no_licenses');
  });

  it('counts free seats, unlimited as infinite and never negative', () => {
    expect(freeSeats({ capacity: 10, seatsInUse: 4 })).toBe(6);
    expect(freeSeats({ capacity: 3, seatsInUse: 5 })).toBe(0);
    expect(freeSeats({ capacity: null, seatsInUse: 5 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('computes the seat delta of a change per type', () => {
    expect(Object.fromEntries(seatDelta(['core', 'coaching'], ['coaching', 'pro']))).toEqual({ pro: 1, core: -1 });
  });
});

describe('learner search keys', () => {
  it('escapes regex metacharacters so they match literally', () => {
    const pattern = new RegExp(`^${escapeRegex('a.b*(c)+[d]?')}`);
    expect(pattern.test('a.b*(c)+[d]?x')).toBe(true);
    expect(pattern.test('axb')).toBe(false);
  });
});
