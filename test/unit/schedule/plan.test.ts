import { LicenseError } from '../../../src/licensing/errors.js';
import type { Learner } from '../../../src/licensing/model.js';
import { planReturns } from '../../../src/licensing/schedule/grants.js';
import { grantsOf, grantTimerKey, grantTimers, nextWarningAt, warningPlan } from '../../../src/licensing/schedule/plan.js';
import type { Grant } from '../../../src/licensing/schedule/ports.js';
import { checkTiming } from '../../../src/licensing/schedule/timing.js';
import { grantFixture } from '../../support/schedule-fixtures.js';

const DAY = 24 * 3_600_000;
const at = (iso: string) => new Date(iso);

function grant(overrides: Partial<Grant> & Pick<Grant, 'id' | 'learnerId' | 'added' | 'removed'>): Grant {
  return grantFixture(overrides);
}

function learner(id: string, licenseTypes: string[], status: Learner['status'] = 'active'): Learner {
  return { id, email: `${id}@example.com`, name: id, groups: [], status, licenseTypes, version: 3 };
}

describe('when a grant warns its holders', () => {
  it('warns 7 days and 1 day before the end of a long grant', () => {
    expect(warningPlan(at('2026-12-01T09:00:00Z'), at('2026-12-31T09:00:00Z'))).toEqual([
      { label: '7d', at: at('2026-12-24T09:00:00Z') },
      { label: '1d', at: at('2026-12-30T09:00:00Z') },
    ]);
  });

  it('warns at half the time instead of 7 days before when the grant is shorter than 7 days', () => {
    expect(warningPlan(at('2026-12-01T00:00:00Z'), at('2026-12-04T00:00:00Z'))).toEqual([
      { label: '7d', at: at('2026-12-02T12:00:00Z') },
      { label: '1d', at: at('2026-12-03T00:00:00Z') },
    ]);
  });

  it('warns once, at half the time, when the grant is shorter than a day', () => {
    expect(warningPlan(at('2026-12-01T08:00:00Z'), at('2026-12-01T20:00:00Z'))).toEqual([{ label: '1d', at: at('2026-12-01T14:00:00Z') }]);
  });

  it('rounds warnings up to the minute so a bulk change’s learners share them', () => {
    const plan = warningPlan(at('2026-12-01T00:00:00.400Z'), at('2026-12-01T00:10:00Z'));
    expect(plan).toEqual([{ label: '1d', at: at('2026-12-01T00:06:00Z') }]);
  });

  it('goes on to the next unsent warning', () => {
    const plan = warningPlan(at('2026-12-01T00:00:00Z'), at('2026-12-31T00:00:00Z'));
    expect(nextWarningAt(plan, [])).toEqual(at('2026-12-24T00:00:00Z'));
    expect(nextWarningAt(plan, ['7d'])).toEqual(at('2026-12-30T00:00:00Z'));
    expect(nextWarningAt(plan, ['7d', '1d'])).toBeNull();
  });

  it('schedules one end and one job per warning under the grant’s key', () => {
    const endsAt = at('2026-12-31T00:00:00Z');
    const plan = warningPlan(at('2026-12-01T00:00:00Z'), endsAt);
    expect(grantTimers(grantTimerKey({ requestId: 'r1' }), endsAt, plan)).toEqual([
      { kind: 'grant_end', key: 'bulk:r1', at: endsAt },
      { kind: 'grant_warning', key: 'bulk:r1:7d', at: at('2026-12-24T00:00:00Z') },
      { kind: 'grant_warning', key: 'bulk:r1:1d', at: at('2026-12-30T00:00:00Z') },
    ]);
  });
});

describe('the grants an operation with an end records', () => {
  it('keeps what each learner got and what it replaced, and nothing for a learner who got nothing new', () => {
    const grants = grantsOf(
      {
        id: 'bulk:aaaaaaaaaaaaaaaaaaaaaaaa:1',
        actor: 'UADMIN1',
        reason: 'contract',
        source: 'bulk:aaaaaaaaaaaaaaaaaaaaaaaa',
        grant: { endsAt: at('2026-12-31T00:00:00Z'), since: at('2026-12-01T00:00:00Z'), timeZone: 'Europe/Berlin' },
      },
      [
        { learnerId: 'l1', email: 'l1@x.com', version: 0, prev: ['core'], next: ['pro'] },
        { learnerId: 'l2', email: 'l2@x.com', version: 0, prev: ['pro'], next: ['pro'] },
      ],
    );
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({
      id: 'bulk:aaaaaaaaaaaaaaaaaaaaaaaa:1:l1',
      added: ['pro'],
      removed: ['core'],
      requestId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
      grantedBy: 'UADMIN1',
      timeZone: 'Europe/Berlin',
      nextWarnAt: at('2026-12-24T00:00:00Z'),
    });
  });
});

describe('what learners hold once their grants end', () => {
  it('takes back what was added and gives back what it replaced', () => {
    const { items, superseded } = planReturns(
      [
        grant({ id: 'o1:l1', learnerId: 'l1', added: ['pro'], removed: ['core'] }),
        grant({ id: 'o1:l2', learnerId: 'l2', added: ['coaching'], removed: [] }),
      ],
      new Map([
        ['l1', learner('l1', ['pro'])],
        ['l2', learner('l2', ['core', 'coaching'])],
      ]),
    );
    expect(superseded).toEqual([]);
    expect(items).toEqual([
      { learnerId: 'l1', email: 'l1@example.com', version: 3, prev: ['pro'], next: ['core'] },
      { learnerId: 'l2', email: 'l2@example.com', version: 3, prev: ['core', 'coaching'], next: ['core'] },
    ]);
  });

  it('undoes two grants ending together latest first, back to where the learner started', () => {
    const { items } = planReturns(
      [
        grant({ id: 'o1:l1', learnerId: 'l1', added: ['pro'], removed: ['core'], since: at('2026-12-01T00:00:00Z') }),
        grant({ id: 'o2:l1', learnerId: 'l1', added: ['coaching'], removed: ['pro'], since: at('2026-12-02T00:00:00Z') }),
      ],
      new Map([['l1', learner('l1', ['coaching'])]]),
    );
    expect(items).toEqual([{ learnerId: 'l1', email: 'l1@example.com', version: 3, prev: ['coaching'], next: ['core'] }]);
  });

  it('leaves a learner who no longer holds what was granted, or was deactivated, as they are', () => {
    const moved = grant({ id: 'o1:l1', learnerId: 'l1', added: ['pro'], removed: ['core'] });
    const gone = grant({ id: 'o1:l2', learnerId: 'l2', added: ['pro'], removed: ['core'] });
    const missing = grant({ id: 'o1:l3', learnerId: 'l3', added: ['pro'], removed: [] });
    const { items, superseded } = planReturns(
      [moved, gone, missing],
      new Map([
        ['l1', learner('l1', ['coaching'])],
        ['l2', learner('l2', ['pro'], 'deactivated')],
      ]),
    );
    expect(items).toEqual([]);
    expect(superseded.map((g) => g.id).sort()).toEqual(['o1:l1', 'o1:l2', 'o1:l3']);
  });
});

describe('checking when a change applies and ends', () => {
  const now = at('2026-12-01T12:00:00Z');
  const reassign = { kind: 'reassign' as const };
  const codeOf = (fn: () => void) => {
    try {
      fn();
      return null;
    } catch (error) {
      return error instanceof LicenseError ? error.code : String(error);
    }
  };

  it('refuses a schedule in the past and an end before the start', () => {
    expect(codeOf(() => checkTiming({ applyAt: at('2026-12-01T11:59:00Z') }, reassign, now))).toBe('schedule_in_past');
    expect(codeOf(() => checkTiming({ until: at('2026-12-01T11:00:00Z') }, reassign, now))).toBe('until_in_past');
    expect(codeOf(() => checkTiming({ applyAt: at('2026-12-05T00:00:00Z'), until: at('2026-12-04T00:00:00Z') }, reassign, now))).toBe(
      'until_before_apply',
    );
    expect(codeOf(() => checkTiming({ until: at('2026-12-02T00:00:00Z') }, { kind: 'revoke' }, now))).toBe('until_not_for_revoke');
    expect(codeOf(() => checkTiming({ applyAt: at('2026-12-02T00:00:00Z'), until: at('2026-12-03T00:00:00Z') }, reassign, now))).toBeNull();
  });

  it('refuses an end further than MAX_GRANT_DAYS from the start, counting from “apply at”', () => {
    const applyAt = at('2026-12-10T12:00:00Z');
    expect(codeOf(() => checkTiming({ until: new Date(now.getTime() + 30 * DAY) }, reassign, now, 30))).toBeNull();
    expect(codeOf(() => checkTiming({ until: new Date(now.getTime() + 30 * DAY + 60_000) }, reassign, now, 30))).toBe('grant_too_long');
    expect(codeOf(() => checkTiming({ applyAt, until: new Date(applyAt.getTime() + 30 * DAY) }, reassign, now, 30))).toBeNull();
  });
});
