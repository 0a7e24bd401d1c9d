import type { Repositories } from '../../src/db/index.js';
import type { AppServices } from '../../src/licensing/app-services.js';
import type { BulkRequest, MessageRef } from '../../src/licensing/bulk/ports.js';
import type { AdminChange } from '../../src/licensing/model.js';
import type { ApprovalNotifier, EscalationTarget } from '../../src/licensing/policy/ports.js';
import type { Grant, Timer, TimerKind, TimerScheduler } from '../../src/licensing/schedule/ports.js';
import { confirmReviewedChange } from '../../src/licensing/schedule/scheduled.js';
import { requestChange } from '../../src/licensing/single/change-requests.js';
import { bulkDeps } from './bulk-fixtures.js';
import { reclaimSettings } from './undo-fixtures.js';

/** A clock tests move by hand: the domain reads it through `deps.now`. */
export interface TestClock {
  now(): Date;
  set(at: Date): void;
  advance(ms: number): void;
}

export function testClock(start: Date = new Date()): TestClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = at.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** Every service of the app over a test database (admin UADMIN1, lead ULEAD1), with a clock to move. */
export function appServices(db: { repositories: Repositories }, clock: TestClock, overrides: Partial<AppServices> = {}): AppServices {
  const { grants, extensions, syncStates, syncControl, imports, exports, usage, reclaim, report } = db.repositories;
  const { notices, identities, licenseRequests, homeViewers } = db.repositories;
  return {
    ...bulkDeps(db),
    notices,
    identities,
    licenseRequests,
    homeViewers,
    usage,
    reclaim,
    report,
    reclaimSettings: reclaimSettings(),
    seatPrices: new Map(),
    undoWindowDays: 14,
    newRunId: () => `run${Math.random().toString(36).slice(2, 10)}`,
    grants,
    extensions,
    syncStates,
    syncControl,
    imports,
    exports,
    sync: { target: 'none', description: 'none', fileMode: 'delta', activeMeansLicensed: false },
    now: clock.now,
    ...overrides,
  };
}

/** Records reminders and escalations. */
export function recordingApprovalNotifier(): ApprovalNotifier & {
  reminders: { request: BulkRequest; leads: readonly string[] }[];
  escalations: { request: BulkRequest; target: EscalationTarget }[];
} {
  const notifier = {
    reminders: [] as { request: BulkRequest; leads: readonly string[] }[],
    escalations: [] as { request: BulkRequest; target: EscalationTarget }[],
    async reminded(request: BulkRequest, leads: readonly string[]) {
      notifier.reminders.push({ request, leads });
    },
    async escalated(request: BulkRequest, target: EscalationTarget): Promise<MessageRef[]> {
      notifier.escalations.push({ request, target });
      return [{ channel: 'CESCALATE', ts: `1700000000.${String(notifier.escalations.length).padStart(6, '0')}` }];
    },
  };
  return notifier;
}

/** Records what would be scheduled on Agenda. */
export function recordingTimers(): TimerScheduler & {
  scheduled: (Timer & { move: boolean })[];
  cancelled: { kind: TimerKind; key: string }[];
} {
  const timers = {
    scheduled: [] as (Timer & { move: boolean })[],
    cancelled: [] as { kind: TimerKind; key: string }[],
    async schedule(list: readonly Timer[], options: { move?: boolean } = {}) {
      for (const timer of list) timers.scheduled.push({ ...timer, move: options.move ?? false });
    },
    async cancel(kind: TimerKind, keys: readonly string[]) {
      for (const key of keys) timers.cancelled.push({ kind, key });
    },
  };
  return timers;
}

/** An admin's single change with an end, reviewed and confirmed through the domain; returns the grant id. */
export async function grantUntil(
  deps: AppServices,
  learnerId: string,
  change: AdminChange,
  until: Date,
  admin = 'UADMIN1',
): Promise<string> {
  const actor = { userId: admin, source: 'slack' as const, channelId: 'C1' };
  const review = await requestChange(deps, actor, { learnerId, change, reason: 'contract', timing: { until, timeZone: 'Europe/Berlin' } });
  const outcome = await confirmReviewedChange(deps, actor, review.request.id);
  if (outcome.kind !== 'applied') throw new Error(`the change was not applied: ${outcome.kind}`);
  return `${review.request.id}:${learnerId}`;
}

/** A grant as the store returns it, for builders and plans: Learning Pro instead of Core for ten days unless overridden. */
export function grantFixture(overrides: Partial<Grant> & Pick<Grant, 'id' | 'learnerId'>): Grant {
  return {
    email: `${overrides.learnerId}@example.com`,
    added: ['pro'],
    removed: ['core'],
    since: new Date('2026-12-01T14:00:00Z'),
    endsAt: new Date('2026-12-11T14:00:00Z'),
    grantedBy: 'UADMIN1',
    grantOpId: overrides.id.split(':')[0] ?? 'op',
    reason: '',
    status: 'active',
    warnings: [],
    warned: [],
    nextWarnAt: null,
    ...overrides,
  };
}
