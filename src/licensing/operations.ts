import { auditEvent } from './audit.js';
import { OperationLeasedError } from './errors.js';
import { type Actor, type AuditEvent, type ChangeSpec, changeBlocker, nextLicenseTypes, type PlanningLearner, seatDelta } from './model.js';
import { licenseChangeNotices } from './notices/license-changes.js';
import type { LicensingStore, Operation, OpFailure, OpItem, SettledChange } from './ports.js';
import { grantsOf } from './schedule/plan.js';

/** What an operation did once settled. */
export interface OperationResult {
  applied: OpItem[];
  failed: OpFailure[];
}

const LEASE_MS = 60_000;

/**
 * Creates an operation leased to `owner` (or returns the one stored under its id, unleased): the
 * caller that runs what it just created saves the separate lease write `applyOperation` would make.
 */
export function createLeasedOperation(store: LicensingStore, op: Operation, owner: string): Promise<Operation> {
  return store.createOperation(op, { owner, ms: LEASE_MS });
}

/** Builds the items of an operation from the learners' current state; blocked learners become failures. */
export function planItems(learners: readonly PlanningLearner[], op: Pick<Operation, 'change'>): { items: OpItem[]; failed: OpFailure[] } {
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

/**
 * A new operation applying `change` to `learners` (blocked ones become failures), ready for
 * `createOperation`: the one place an operation's fields are filled from who acts and how.
 */
export function plannedOperation(input: {
  id: string;
  change: ChangeSpec;
  learners: readonly PlanningLearner[];
  actor: Actor;
  reason: string;
  createdAt: Date;
  sync?: boolean;
  notify?: boolean;
  grant?: Operation['grant'];
}): Operation {
  const { items, failed } = planItems(input.learners, input);
  return {
    id: input.id,
    state: 'planned',
    change: input.change,
    actor: input.actor.userId,
    source: input.actor.source,
    reason: input.reason,
    ...(input.actor.channelId ? { channelId: input.actor.channelId } : {}),
    items,
    failed,
    touchedTypes: touchedTypes(items),
    createdAt: input.createdAt,
    ...(input.sync ? { sync: true } : {}),
    ...(input.notify ? { notify: true } : {}),
    ...(input.grant ? { grant: input.grant } : {}),
  };
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
 * each learner once, writes one history entry and leaves seats exact. `loaded` is the op as the
 * caller just read or created it, which saves reading it again.
 */
export async function runOperation(
  store: LicensingStore,
  opId: string,
  owner: string,
  now: () => Date = () => new Date(),
  loaded?: Operation,
): Promise<OperationResult> {
  return settleOperation(store, await applyOperation(store, opId, owner, loaded), now);
}

let calls = 0;

/**
 * `runOperation` for a caller that must see the op settled even when another process (or a
 * second click in this one) is running it right now: waits for that run, which takes
 * milliseconds, and reads its result. A holder that died is waited out only until `waitMs`.
 * Each call leases as its own owner: two calls of one process sharing the owner would both hold
 * the lease, and a call still holding an old copy of the op could reserve its seats again after
 * the other settled it.
 */
export async function runOperationToEnd(
  store: LicensingStore,
  opId: string,
  owner: string,
  now: () => Date = () => new Date(),
  loaded?: Operation,
  options: { waitMs?: number; pollMs?: number } = {},
): Promise<OperationResult> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  calls += 1;
  const caller = `${owner}#${calls}`;
  let known = loaded;
  for (;;) {
    try {
      return await runOperation(store, opId, caller, now, known);
    } catch (error) {
      if (!(error instanceof OperationLeasedError) || Date.now() >= deadline) throw error;
      known = undefined;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
    }
  }
}

/** What a caller of `applyOperation` may do alongside it. */
export interface ApplyHooks {
  /**
   * Awaited right before the learners' writes are built and sent: the longest write of an
   * operation, during which a caller can have the database answer a read it needs next and decode
   * the reply while those writes run (a bulk job's next batch).
   */
  beforeLearnerWrites?(): Promise<void> | void;
}

/**
 * The first half of `runOperation`: leases the op and takes it to `applied` (seats reserved,
 * learners changed), or leaves it as it is when it got further. The learners' changes are then
 * final; `settleOperation` writes the rest (history, seats, audit, outbox), which a bulk job
 * does while it applies its next batch.
 */
export async function applyOperation(
  store: LicensingStore,
  opId: string,
  owner: string,
  loaded?: Operation,
  hooks: ApplyHooks = {},
): Promise<Operation> {
  let op = loaded ?? (await store.getOperation(opId));
  if (!op) throw new Error(`operation ${opId} not found`);
  // An op this owner just created with its lease is held already, while most of the lease is left.
  const held = op.lease?.owner === owner && op.lease.until.getTime() - Date.now() > LEASE_MS / 2;
  if (op.state !== 'settled' && !held && !(await store.leaseOperation(opId, owner, LEASE_MS))) {
    throw new OperationLeasedError(opId);
  }
  let leasedAt = held && op.lease ? op.lease.until.getTime() - LEASE_MS : Date.now();

  // Each step moves the op on only from the state it found; when the move does not match,
  // another run got there first and the op is read back as that run left it.
  if (op.state === 'planned') {
    const reserved = await reserve(store, op);
    op = (await store.setOperationState(opId, 'planned', 'reserved')) ? { ...reserved, state: 'reserved' } : await mustGet(store, opId);
  }
  if (op.state === 'reserved') {
    // A long reservation (many types, replanning) must not outlive the lease.
    if (Date.now() - leasedAt > LEASE_MS / 3) {
      await store.leaseOperation(opId, owner, LEASE_MS);
      leasedAt = Date.now();
    }
    const ids = op.items.map((item) => item.learnerId);
    await hooks.beforeLearnerWrites?.();
    const changedNow = await store.applyLearnerChanges(opId, op.items);
    // All changed by this call, or some by an earlier run that crashed: then ask which.
    const changed = changedNow === ids.length ? ids : [...(await store.learnersChangedBy(opId, ids))];
    op = (await store.setOperationState(opId, 'reserved', 'applied', { appliedIds: changed, allItems: changed.length === ids.length }))
      ? { ...op, state: 'applied', appliedIds: changed }
      : await mustGet(store, opId);
  }
  return op;
}

/**
 * The second half of `runOperation`, for an op `applyOperation` returned: writes history, seats,
 * audit and outbox of an `applied` op and marks it `settled` (each write idempotent), and returns
 * what it did. Within the lease `applyOperation` took; a crash here leaves the op `applied` for
 * the next run or the stale-operation sweep.
 */
export async function settleOperation(
  store: LicensingStore,
  applied: Operation,
  now: () => Date = () => new Date(),
): Promise<OperationResult> {
  let op = applied;
  if (op.state === 'applied') {
    await settle(store, op, now());
    op = (await store.setOperationState(op.id, 'applied', 'settled')) ? { ...op, state: 'settled' } : await mustGet(store, op.id);
  }
  return resultOf(op);
}

async function mustGet(store: LicensingStore, opId: string): Promise<Operation> {
  const op = await store.getOperation(opId);
  if (!op) throw new Error(`operation ${opId} vanished`);
  return op;
}

/** What an operation did: the items it applied, and its failures with the items it planned but did not change (`learner_changed`). */
export function resultOf(op: Operation): OperationResult {
  const applied = new Set(op.appliedIds ?? []);
  return {
    applied: op.items.filter((item) => applied.has(item.learnerId)),
    failed: op.failed.concat(
      op.items
        .filter((item) => !applied.has(item.learnerId))
        .map((item) => ({ learnerId: item.learnerId, email: item.email, code: 'learner_changed' })),
    ),
  };
}

/**
 * Reserves the seats the items need, every type at once. When a type has fewer free seats than
 * needed, the items beyond what fits are moved to `failed` with `no_seats_left` and that type is
 * tried again, so the stored plan always matches what was reserved; a type reserved before the
 * items were dropped keeps its count until the settle step (which works from each type's mark).
 * Returns the op as replanned.
 */
async function reserve(store: LicensingStore, initial: Operation): Promise<Operation> {
  let op = initial;
  const needed = seatsNeeded(op.items);
  const results = await allDone(op.touchedTypes.map((type) => store.reserveSeats(type, op.id, needed.get(type) ?? 0)));
  const short = op.touchedTypes.filter((_, i) => results[i] === 'insufficient');
  for (const type of short) {
    for (;;) {
      const licenseType = await store.getLicenseType(type);
      const want = seatsNeeded(op.items).get(type) ?? 0;
      const free = licenseType?.capacity == null ? want : Math.max(0, licenseType.capacity - licenseType.seatsInUse);
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
      // Seats taken meanwhile by another op make this short again: drop more and retry.
      if ((await store.reserveSeats(type, op.id, seatsNeeded(op.items).get(type) ?? 0)) !== 'insufficient') break;
    }
  }
  return op;
}

async function settle(store: LicensingStore, op: Operation, at: Date): Promise<void> {
  const appliedIds = new Set(op.appliedIds ?? []);
  const applied = op.items.filter((item) => appliedIds.has(item.learnerId));

  const actual = new Map<string, number>();
  for (const item of applied) for (const [type, d] of seatDelta(item.prev, item.next)) actual.set(type, (actual.get(type) ?? 0) + d);

  // History, seats and audit are independent and each idempotent, so they are written at once;
  // if one fails the op stays `applied` and the next run writes whatever is missing. Each big
  // write is built and encoded in a turn of its own, so requests waiting for this process (a
  // Slack ack has 3 seconds) get in between.
  const writes: Promise<void>[] = [];
  const start = async (write: () => Promise<void>) => {
    const pending = write();
    // Awaited by allDone below; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    writes.push(pending);
    await new Promise((resolve) => setImmediate(resolve));
  };
  await start(() => store.recordAssignments(op, applied, at));
  // The outbox entry is part of the same idempotent step: a learner changed here is never lost to sync.
  if (op.sync)
    await start(() =>
      store.recordSettledChanges(
        applied.map((item) => settledChange(op, item)),
        at,
      ),
    );
  // A time-bound change's grants are part of the same idempotent step: none is lost to a crash.
  if (op.grant) await start(() => store.recordGrants(grantsOf(op, applied)));
  // So are the learners' DMs: keyed by op and learner, a rerun queues none twice.
  if (op.notify && applied.length) await start(() => store.enqueueNotices(licenseChangeNotices(op, applied, at), at));
  // Each type's reservation (its mark) is replaced by what the applied items did: the reserved
  // seats of items that did not apply, and what the applied ones released, come off now.
  for (const type of op.touchedTypes) await start(() => store.settleSeats(type, op.id, actual.get(type) ?? 0));
  await start(() => store.recordAudit(auditEventsOf(op, appliedIds, at)));
  await allDone(writes);
}

/** One event per learner, keyed by the op: a rerun of the settle step writes none twice. */
function auditEventsOf(op: Operation, appliedIds: ReadonlySet<string>, at: Date): AuditEvent[] {
  const actor: Actor = { userId: op.actor, source: op.source, ...(op.channelId ? { channelId: op.channelId } : {}) };
  const details = { opId: op.id, reason: op.reason };
  const events: AuditEvent[] = [];
  for (const item of op.items) {
    const applied = appliedIds.has(item.learnerId);
    events.push(
      auditEvent(
        actor,
        op.action ?? op.change.kind,
        { learnerId: item.learnerId, learnerEmail: item.email, from: item.prev, to: applied ? item.next : item.prev, details },
        applied ? 'applied' : { failed: 'learner_changed' },
        at,
        `${op.id}:${item.learnerId}`,
      ),
    );
  }
  for (const failure of op.failed) {
    events.push(
      auditEvent(
        actor,
        op.action ?? op.change.kind,
        { learnerId: failure.learnerId, learnerEmail: failure.email, details },
        { failed: failure.code },
        at,
        `${op.id}:${failure.learnerId}`,
      ),
    );
  }
  return events;
}

function settledChange(op: Operation, item: OpItem): SettledChange {
  const bulkRequestId = op.source.startsWith('bulk:') ? op.source.slice('bulk:'.length) : undefined;
  return {
    learnerId: item.learnerId,
    email: item.email,
    licenseTypes: item.next,
    // applyLearnerChanges bumped the version the item was planned at.
    version: item.version + 1,
    opId: op.id,
    ...(bulkRequestId ? { bulkRequestId } : {}),
  };
}

/** Waits for every write, then throws the first failure (none is left running behind the caller); returns their results in order. */
async function allDone<T>(writes: Promise<T>[]): Promise<T[]> {
  const outcomes = await Promise.allSettled(writes);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/**
 * Sets learners' license types to each item's `next` through the engine, for changes that are not
 * one ChangeSpec (an import, accepting the platform's licenses): one operation per resulting last
 * type, so each operation's recorded change is true of all its items. Returns each op's result.
 */
export async function applyLicenseSets(
  store: LicensingStore,
  items: readonly OpItem[],
  meta: { nextOpId: () => string; actor: Actor; reason: string; sync: boolean; owner: string; now: () => Date },
): Promise<{ opId: string; result: OperationResult }[]> {
  const groups = new Map<string, OpItem[]>();
  for (const item of items) {
    const key = item.next.length === 0 ? '' : (item.next[item.next.length - 1] ?? '');
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const results: { opId: string; result: OperationResult }[] = [];
  for (const [to, group] of groups) {
    const id = meta.nextOpId();
    await store.createOperation({
      id,
      state: 'planned',
      change: to === '' ? { kind: 'revoke' } : { kind: 'reassign', from: null, to },
      actor: meta.actor.userId,
      source: meta.actor.source,
      reason: meta.reason,
      ...(meta.actor.channelId ? { channelId: meta.actor.channelId } : {}),
      items: group,
      failed: [],
      touchedTypes: touchedTypes(group),
      createdAt: meta.now(),
      ...(meta.sync ? { sync: true } : {}),
    });
    results.push({ opId: id, result: await runOperation(store, id, meta.owner, meta.now) });
  }
  return results;
}

/** Resumes operations a crashed process left unsettled; returns how many were finished. */
export async function resumeStaleOperations(store: LicensingStore, owner: string, now: () => Date = () => new Date()): Promise<number> {
  let finished = 0;
  for (const id of await store.staleOperationIds(now(), 100)) {
    try {
      await runOperation(store, id, owner, now);
      finished += 1;
    } catch (error) {
      // Another process took it first; it will finish it.
      if (!(error instanceof OperationLeasedError)) throw error;
    }
  }
  return finished;
}
