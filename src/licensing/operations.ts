import { changeBlocker, nextLicenseTypes, seatDelta, type AuditEvent, type Learner } from './model.js';
import type { LicensingStore, Operation, OpFailure, OpItem } from './ports.js';

/** What an operation did once settled. */
export interface OperationResult {
  applied: OpItem[];
  failed: OpFailure[];
}

const LEASE_MS = 60_000;

/** Builds the items of an operation from the learners' current state; blocked learners become failures. */
export function planItems(learners: readonly Learner[], op: Pick<Operation, 'change'>): { items: OpItem[]; failed: OpFailure[] } {
  const items: OpItem[] = [];
  const failed: OpFailure[] = [];
  for (const learner of learners) {
    const blocker = changeBlocker(learner, op.change);
    if (blocker) {
      failed.push({ learnerId: learner.id, email: learner.email, code: blocker });
      continue;
    }
    const next = nextLicenseTypes(learner.licenseTypes, op.change);
    items.push({ learnerId: learner.id, email: learner.email, version: learner.version, prev: [...learner.licenseTypes], next });
  }
  return { items, failed };
}

/** Every license type whose seat count the items change. */
export function touchedTypes(items: readonly OpItem[]): string[] {
  const types = new Set<string>();
  for (const item of items) for (const type of seatDelta(item.prev, item.next).keys()) types.add(type);
  return [...types].sort();
}

function seatsNeeded(items: readonly OpItem[]): Map<string, number> {
  const needed = new Map<string, number>();
  for (const item of items) {
    for (const [type, delta] of seatDelta(item.prev, item.next)) {
      if (delta > 0) needed.set(type, (needed.get(type) ?? 0) + delta);
    }
  }
  return needed;
}

/**
 * Drives an operation to `settled`, resuming from whatever state a crashed run left it in.
 * Every step is conditional on the op id, so running it twice (or in two processes) changes
 * each learner once, writes one history entry and leaves seats exact.
 */
export async function runOperation(store: LicensingStore, opId: string, owner: string, now: () => Date = () => new Date()): Promise<OperationResult> {
  let op = await store.getOperation(opId);
  if (!op) throw new Error(`operation ${opId} not found`);
  if (op.state !== 'settled' && !(await store.leaseOperation(opId, owner, LEASE_MS))) {
    throw new Error(`operation ${opId} is being run by another process`);
  }

  if (op.state === 'planned') {
    await reserve(store, op);
    await store.setOperationState(opId, 'planned', 'reserved');
    op = await mustGet(store, opId);
  }
  if (op.state === 'reserved') {
    await store.leaseOperation(opId, owner, LEASE_MS);
    await store.applyLearnerChanges(opId, op.items);
    const changed = await store.learnersChangedBy(opId, op.items.map((item) => item.learnerId));
    await store.setOperationState(opId, 'reserved', 'applied', { appliedIds: [...changed] });
    op = await mustGet(store, opId);
  }
  if (op.state === 'applied') {
    await settle(store, op, now());
    await store.setOperationState(opId, 'applied', 'settled');
    op = await mustGet(store, opId);
  }
  return resultOf(op);
}

async function mustGet(store: LicensingStore, opId: string): Promise<Operation> {
  const op = await store.getOperation(opId);
  if (!op) throw new Error(`operation ${opId} vanished`);
  return op;
}

function resultOf(op: Operation): OperationResult {
  const applied = new Set(op.appliedIds ?? []);
  return {
    applied: op.items.filter((item) => applied.has(item.learnerId)),
    failed: op.failed.concat(
      op.items.filter((item) => !applied.has(item.learnerId)).map((item) => ({ learnerId: item.learnerId, email: item.email, code: 'learner_changed' })),
    ),
  };
}

/**
 * Reserves the seats the items need, type by type. When a type has fewer free seats than needed,
 * the items beyond what fits are moved to `failed` with `no_seats_left` before trying again, so the
 * stored plan always matches what was reserved.
 */
async function reserve(store: LicensingStore, initial: Operation): Promise<void> {
  let op = initial;
  for (const type of op.touchedTypes) {
    for (;;) {
      const needed = seatsNeeded(op.items).get(type) ?? 0;
      const result = await store.reserveSeats(type, op.id, needed);
      if (result !== 'insufficient') break;
      const licenseType = await store.getLicenseType(type);
      const free = licenseType?.capacity == null ? needed : Math.max(0, licenseType.capacity - licenseType.seatsInUse);
      // Keep the first `free` items that need this type; the rest cannot get a seat.
      let budget = free;
      const items: OpItem[] = [];
      const failed: OpFailure[] = [...op.failed];
      for (const item of op.items) {
        const needs = (seatDelta(item.prev, item.next).get(type) ?? 0) > 0;
        if (!needs) items.push(item);
        else if (budget > 0) {
          budget -= 1;
          items.push(item);
        } else failed.push({ learnerId: item.learnerId, email: item.email, code: 'no_seats_left' });
      }
      await store.replanOperation(op.id, items, failed);
      op = { ...op, items, failed };
    }
  }
}

async function settle(store: LicensingStore, op: Operation, at: Date): Promise<void> {
  const appliedIds = new Set(op.appliedIds ?? []);
  const applied = op.items.filter((item) => appliedIds.has(item.learnerId));
  await store.recordAssignments(op, applied, at);

  const reserved = seatsNeeded(op.items);
  const actual = new Map<string, number>();
  for (const item of applied) for (const [type, d] of seatDelta(item.prev, item.next)) actual.set(type, (actual.get(type) ?? 0) + d);
  for (const type of op.touchedTypes) {
    // Reserved seats were already counted; what the applied items released, and the reserved
    // seats of items that did not apply, come off now.
    await store.settleSeats(type, op.id, (actual.get(type) ?? 0) - (reserved.get(type) ?? 0));
  }

  const events: AuditEvent[] = [];
  for (const item of op.items) {
    const ok = appliedIds.has(item.learnerId);
    events.push({
      key: `${op.id}:${item.learnerId}`,
      at,
      actor: op.actor,
      action: op.change.kind,
      outcome: ok ? 'applied' : 'failed',
      code: ok ? undefined : 'learner_changed',
      learnerId: item.learnerId,
      learnerEmail: item.email,
      from: item.prev,
      to: ok ? item.next : item.prev,
      channelId: op.channelId,
      source: op.source,
      details: { opId: op.id, reason: op.reason },
    });
  }
  for (const failure of op.failed) {
    events.push({
      key: `${op.id}:${failure.learnerId}`,
      at,
      actor: op.actor,
      action: op.change.kind,
      outcome: 'failed',
      code: failure.code,
      learnerId: failure.learnerId,
      learnerEmail: failure.email,
      channelId: op.channelId,
      source: op.source,
      details: { opId: op.id, reason: op.reason },
    });
  }
  await store.recordAudit(events);
}

/** Resumes operations a crashed process left unsettled; returns how many were finished. */
export async function resumeStaleOperations(store: LicensingStore, owner: string, now: () => Date = () => new Date()): Promise<number> {
  let finished = 0;
  for (const id of await store.staleOperationIds(now(), 100)) {
    try {
      await runOperation(store, id, owner, now);
      finished += 1;
    } catch {
      // Another process took it first; it will finish it.
    }
  }
  return finished;
}
