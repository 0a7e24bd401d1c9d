import { randomBytes } from 'node:crypto';
import { auditEvent } from '../audit.js';
import { OperationLeasedError } from '../errors.js';
import type { Actor, AuditEvent, ChangeSpec, Learner } from '../model.js';
import type { NoticeItem, NoticeRecipient } from '../notices/ports.js';
import { enqueueNotices } from '../notices/queue.js';
import { createLeasedOperation, type OperationResult, runOperation, touchedTypes } from '../operations.js';
import type { Operation, OpItem } from '../ports.js';
import { grantTimerKey, nextWarningAt } from './plan.js';
import type { EndingGrant, Grant, GrantTarget, ScheduleDeps, WarningLabel } from './ports.js';

/** Who ends grants: no person, the clock (history and audit say `expiry`). */
const EXPIRY_ACTOR: Actor = { userId: 'system', source: 'expiry' };
const BATCH = 1_000;
const WARN_BATCH = 500;
const LEASE_MS = 5 * 60_000;
/** The suffix of the operation that takes grants back without returning what they replaced (no seat for it). */
const WITHOUT_RETURN = ':without-return';

/** Knobs of an expiry or warning run (tests shrink the batches). */
export interface GrantRunOptions {
  batchSize?: number;
  leaseMs?: number;
  /** Before each batch: the Agenda job renews its lock; throwing stops the run (the rest is left for the next). */
  heartbeat?(): Promise<void>;
  /** After each batch that changed learners, with their emails (their App Homes are refreshed); must not throw. */
  onLearnersChanged?(emails: readonly string[]): void;
  /** Batches ended at once (default 3: while the database writes one, the others are claimed and planned). */
  concurrency?: number;
}

/** What an expiry run did. */
export interface EndRun {
  ended: number;
  endedWithoutReturn: number;
  superseded: number;
  /** Learners changed meanwhile: their grants are ended by the next run. */
  retried: number;
}

const emptyRun = (): EndRun => ({ ended: 0, endedWithoutReturn: 0, superseded: 0, retried: 0 });

function add(into: EndRun, more: EndRun): void {
  into.ended += more.ended;
  into.endedWithoutReturn += more.endedWithoutReturn;
  into.superseded += more.superseded;
  into.retried += more.retried;
}

/**
 * Ends every grant due by now, a batch of up to 1,000 at a time through the operation engine (one
 * operation per batch, not one per learner): each learner loses what was granted and gets back what
 * it replaced, seats checked; history and audit say `expiry`. A batch is claimed before anything
 * is changed: a claim record, then each grant marked ended under the batch's operation id with one
 * conditional write, so two processes or a rerun never take a grant twice, and a run that dies
 * leaves a claim the next run finishes (its operation is resumed, never redone). A learner who no
 * longer holds what was granted is left as is (`superseded`); one whose replaced license has no
 * free seat loses the grant anyway and their granting admin is told (through the notice queue);
 * one changed while the batch ran gets the grant back, active, for the next run.
 */
export async function endDueGrants(deps: ScheduleDeps, options: GrantRunOptions = {}): Promise<EndRun> {
  const reportChanged = (result: OperationResult) => {
    if (result.applied.length > 0) options.onLearnersChanged?.(result.applied.map((item) => item.email));
  };
  const now = deps.now();
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const total = emptyRun();
  // First the batches of runs that died: their grants are marked ended already.
  for (;;) {
    await options.heartbeat?.();
    const stale = await deps.grants.takeStaleEndClaims(now, leaseMs, 10);
    if (stale.length === 0) break;
    for (const opId of stale) add(total, await finishClaim(deps, opId, now, undefined, reportChanged));
  }
  // This process's claims take turns: claims running at once would read the same due grants, and
  // all but one would get none of them.
  let claiming: Promise<unknown> = Promise.resolve();
  const claim = () => {
    const claimed = claiming.then(() =>
      deps.grants.claimDueGrants(now, `expiry:${randomBytes(8).toString('hex')}`, options.batchSize ?? BATCH, leaseMs),
    );
    claiming = claimed.catch(() => undefined);
    return claimed;
  };
  // Several claim loops, as several processes would run them: while the database writes one
  // batch, the next is claimed and planned (the bulk runner overlaps its batches the same way).
  const worker = async () => {
    let missed = 0;
    for (;;) {
      await options.heartbeat?.();
      const { claims, seen } = await claim();
      if (seen === 0) return;
      // Due grants seen but all taken by others (or held by a run of the previous version): look
      // again a few times, not forever.
      if (claims.length === 0 && ++missed >= 3) return;
      const run = emptyRun();
      for (const { opId, grants, fresh } of claims) add(run, await finishClaim(deps, opId, now, fresh ? grants : undefined, reportChanged));
      add(total, run);
      // Only learners that changed meanwhile are left: the next run (a timer or the sweep) retries them.
      if (claims.length > 0 && run.ended + run.endedWithoutReturn + run.superseded === 0) return;
    }
  };
  // Settled, not Promise.all: a loop that fails must not leave the other's failure unhandled.
  const loops = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
  const failed = loops.find((loop): loop is PromiseRejectedResult => loop.status === 'rejected');
  if (failed) throw failed.reason;
  return total;
}

/**
 * Takes back the grants claim `opId` ended: plans its operation (unless a run that died did), runs
 * it, corrects the outcome of the grants it could not end as planned, and closes the claim. `known`
 * are the grants of a claim just made (its operation cannot exist yet); otherwise they are read.
 */
async function finishClaim(
  deps: ScheduleDeps,
  opId: string,
  now: Date,
  known: EndingGrant[] | undefined,
  reportChanged: (result: OperationResult) => void,
): Promise<EndRun> {
  const run = emptyRun();
  let grants = known ?? (await deps.grants.grantsEndedBy(opId));
  if (grants.length > 0) {
    let op = known ? null : await deps.store.getOperation(opId);
    if (!op) {
      const learners = new Map((await deps.store.findLearnersByIds([...new Set(grants.map((g) => g.learnerId))])).map((l) => [l.id, l]));
      const { items, superseded } = planReturns(grants, learners);
      // Recorded before the operation exists, so a rerun that finds the operation knows every grant
      // it does not name was superseded.
      await markSuperseded(deps, opId, superseded, now);
      run.superseded += superseded.length;
      const done = new Set(superseded.map((g) => g.id));
      grants = grants.filter((g) => !done.has(g.id));
      if (items.length > 0) op = await createLeasedOperation(deps.store, expiryOperation(deps, opId, items, now), deps.processId);
    }
    if (op) {
      const result = await settle(deps, op);
      // Another process holds the operation: the claim stays, and is finished once its lease runs out.
      if (!result) return run;
      reportChanged(result);
      const byLearner = groupBy(grants, (g) => g.learnerId);
      const planned = new Set(op.items.map((i) => i.learnerId));
      const orphans = [...byLearner.entries()].filter(([learnerId]) => !planned.has(learnerId)).flatMap(([, gs]) => gs);
      if (orphans.length) {
        await markSuperseded(deps, opId, orphans, now);
        run.superseded += orphans.length;
      }
      // Their grants were marked ended by the claim: nothing more to write for them.
      run.ended += result.applied.reduce((sum, item) => sum + (byLearner.get(item.learnerId)?.length ?? 0), 0);
      const noSeat = result.failed.filter((f) => f.code === 'no_seats_left').map((f) => f.learnerId);
      const changed = result.failed
        .filter((f) => f.code !== 'no_seats_left')
        .flatMap((f) => (byLearner.get(f.learnerId) ?? []).map((g) => g.id));
      if (changed.length) {
        await deps.grants.reopenGrants(opId, changed);
        run.retried += changed.length;
      }
      if (noSeat.length) add(run, await endWithoutReturn(deps, opId, noSeat, byLearner, now, reportChanged));
    }
  }
  await deps.grants.finishEndClaim(opId);
  return run;
}

/**
 * For learners whose replaced license had no free seat: takes the grant back alone. The grant's end
 * is the point of a time-bound license, so access ends on time; the admin who granted it is told.
 */
async function endWithoutReturn(
  deps: ScheduleDeps,
  opId: string,
  learnerIds: readonly string[],
  byLearner: Map<string, EndingGrant[]>,
  now: Date,
  reportChanged: (result: OperationResult) => void,
): Promise<EndRun> {
  const run = emptyRun();
  const fallbackId = `${opId}${WITHOUT_RETURN}`;
  let op = await deps.store.getOperation(fallbackId);
  if (!op) {
    const items: OpItem[] = [];
    for (const learner of await deps.store.findLearnersByIds(learnerIds)) {
      const taken = new Set((byLearner.get(learner.id) ?? []).flatMap((g) => g.added));
      const next = learner.licenseTypes.filter((t) => !taken.has(t));
      if (next.length !== learner.licenseTypes.length)
        items.push({ learnerId: learner.id, email: learner.email, version: learner.version, prev: [...learner.licenseTypes], next });
    }
    const gone = learnerIds.filter((id) => !items.some((i) => i.learnerId === id));
    if (gone.length) {
      const grants = gone.flatMap((id) => byLearner.get(id) ?? []);
      await markSuperseded(deps, opId, grants, now);
      run.superseded += grants.length;
    }
    if (items.length === 0) return run;
    op = await createLeasedOperation(deps.store, expiryOperation(deps, fallbackId, items, now), deps.processId);
  }
  const result = await settle(deps, op);
  if (!result) return run;
  reportChanged(result);
  const ended = result.applied.flatMap((item) => byLearner.get(item.learnerId) ?? []);
  // Queued before the outcome is corrected: a rerun after a crash finds the operation done and
  // queues the same keys, which the queue ignores.
  if (ended.length) await tellWithoutReturn(deps, ended);
  await deps.grants.setEndOutcome(
    opId,
    ended.map((g) => g.id),
    'ended',
    'ended_without_return',
  );
  run.endedWithoutReturn += ended.length;
  const changed = result.failed.flatMap((f) => (byLearner.get(f.learnerId) ?? []).map((g) => g.id));
  if (changed.length) {
    await deps.grants.reopenGrants(opId, changed);
    run.retried += changed.length;
  }
  return run;
}

/** Runs an expiry operation; null when another process holds it (that process records the outcome). */
async function settle(deps: ScheduleDeps, op: Operation): Promise<OperationResult | null> {
  try {
    return await runOperation(deps.store, op.id, deps.processId, deps.now, op);
  } catch (error) {
    if (error instanceof OperationLeasedError) return null;
    throw error;
  }
}

/**
 * What each learner holds once their due grants end: the latest grant is undone first, each taking
 * back what it added (if still held) and giving back what it replaced (if not held again). A grant
 * whose added types the learner no longer holds was superseded by a later change.
 */
export function planReturns<G extends EndingGrant>(
  grants: readonly G[],
  learners: ReadonlyMap<string, Learner>,
): { items: OpItem[]; superseded: G[] } {
  const items: OpItem[] = [];
  const superseded: G[] = [];
  for (const [learnerId, own] of groupBy(grants, (g) => g.learnerId)) {
    const learner = learners.get(learnerId);
    if (learner?.status !== 'active') {
      superseded.push(...own);
      continue;
    }
    let types = [...learner.licenseTypes];
    let contributes = false;
    for (const grant of [...own].sort((a, b) => b.since.getTime() - a.since.getTime() || (a.id < b.id ? 1 : -1))) {
      if (!grant.added.some((t) => types.includes(t))) {
        superseded.push(grant);
        continue;
      }
      contributes = true;
      types = types.filter((t) => !grant.added.includes(t));
      for (const back of grant.removed) if (!types.includes(back)) types.push(back);
    }
    if (contributes)
      items.push({ learnerId, email: learner.email, version: learner.version, prev: [...learner.licenseTypes], next: types });
  }
  return { items, superseded };
}

function expiryOperation(deps: ScheduleDeps, id: string, items: OpItem[], now: Date): Operation {
  return {
    id,
    state: 'planned',
    change: describeReturns(items),
    actor: EXPIRY_ACTOR.userId,
    source: EXPIRY_ACTOR.source,
    reason: 'Time-bound license ended',
    items,
    failed: [],
    touchedTypes: touchedTypes(items),
    createdAt: now,
    ...(deps.syncChanges ? { sync: true } : {}),
  };
}

/**
 * The change an expiry operation records: like an import's, the closest ChangeSpec (the items,
 * which may differ per learner, are what is applied).
 */
function describeReturns(items: readonly OpItem[]): ChangeSpec {
  const first = items[0];
  const back = first?.next.find((t) => !first.prev.includes(t));
  const taken = first?.prev.find((t) => !first.next.includes(t)) ?? null;
  return back ? { kind: 'reassign', from: taken, to: back } : { kind: 'revoke' };
}

/** Grants claim `opId` ended whose learner no longer held what they granted: nothing was changed, which the audit says. */
async function markSuperseded(deps: ScheduleDeps, opId: string, grants: readonly EndingGrant[], now: Date): Promise<void> {
  if (grants.length === 0) return;
  // Audited first (once per grant, by key): a rerun after a crash in between finds them still
  // `ended` under the claim and marks them again.
  const events: AuditEvent[] = grants.map((g) =>
    auditEvent(
      EXPIRY_ACTOR,
      'grant.end',
      { learnerId: g.learnerId, learnerEmail: g.email, details: { grantId: g.id, grantedBy: g.grantedBy } },
      { refused: 'superseded' },
      now,
      `grant.end:${g.id}`,
    ),
  );
  await deps.store.recordAudit(events);
  await deps.grants.setEndOutcome(
    opId,
    grants.map((g) => g.id),
    'superseded',
    'superseded',
  );
}

/** The source the notices about a grant (or a bulk request's grants) to its admin are counted under. */
export function grantAdminSource(target: GrantTarget): string {
  return `grant-admin:${grantTimerKey(target)}`;
}

/**
 * What the keys of a grant's warnings (or of a bulk request's grants' warnings, its admin's
 * included) start with: `<prefix><label>:<end>:<learner|admin>`.
 */
export function grantWarningKeyPrefix(target: GrantTarget): string {
  return 'grantId' in target ? `grant-warning:${target.grantId}:` : `grant-warning:bulk:${target.requestId}:`;
}

/** The source one warning's learner notices are counted under (a bulk change's learners together). */
export function grantWarningSource(target: GrantTarget, label: WarningLabel, endsAt: Date): string {
  return `grant-warning:${grantTimerKey(target)}:${label}:${endsAt.toISOString()}`;
}

function targetOf(grant: Pick<Grant, 'id' | 'requestId'>): GrantTarget {
  return grant.requestId ? { requestId: grant.requestId } : { grantId: grant.id };
}

async function tellWithoutReturn(deps: ScheduleDeps, grants: readonly EndingGrant[]): Promise<void> {
  const learners = new Map((await deps.store.findLearnersByIds([...new Set(grants.map((g) => g.learnerId))])).map((l) => [l.id, l]));
  await enqueueNotices(
    deps,
    grants.map((g) => ({
      key: `grant-ended:${g.id}:without-return`,
      source: grantAdminSource(targetOf(g)),
      to: { slackUserId: g.grantedBy },
      notice: {
        kind: 'grant_ended_without_return',
        endsAt: g.endsAt,
        taken: g.added,
        returned: g.removed,
        learner: { name: learners.get(g.learnerId)?.name ?? g.email, email: g.email },
      },
    })),
  );
}

/** What a warning run did. */
export interface WarnRun {
  /** Grants whose due warnings were handled. */
  grants: number;
  /** Notices queued (learners and admins); the notice queue sends them, paced, once per key. */
  queued: number;
}

/**
 * Queues the warnings due by now: the learner (with LEARNER_NOTICES on) and the admin who granted
 * it hear that the grant ends, with Extend. A bulk request's grants give their admin one message
 * per warning, not one per learner. A run that finds both warnings overdue (a late process, a
 * clock jump) sends only the latest. The DMs go through the notice queue: paced with every other
 * DM, sent once per key whatever runs at the same time or crashes, learners without Slack counted
 * (`noticeCounts(grantWarningSource(…))`).
 */
export async function sendDueWarnings(deps: ScheduleDeps, options: GrantRunOptions = {}): Promise<WarnRun> {
  const now = deps.now();
  const total: WarnRun = { grants: 0, queued: 0 };
  for (;;) {
    await options.heartbeat?.();
    const token = randomBytes(8).toString('hex');
    const claimed = await deps.grants.claimDueWarnings(now, token, options.batchSize ?? WARN_BATCH, options.leaseMs ?? LEASE_MS);
    if (claimed.length === 0) return total;
    const learners = new Map((await deps.store.findLearnersByIds([...new Set(claimed.map((g) => g.learnerId))])).map((l) => [l.id, l]));
    const updates: { id: string; endsAt: Date; warned: WarningLabel[]; nextWarnAt: Date | null }[] = [];
    const items: NoticeItem[] = [];
    const perRequest = new Map<string, { grant: Grant; label: WarningLabel }>();
    for (const grant of claimed) {
      const due = grant.warnings.filter((w) => w.at.getTime() <= now.getTime() && !grant.warned.includes(w.label));
      const latest = due[due.length - 1];
      const warned = [...grant.warned, ...due.map((w) => w.label)];
      updates.push({ id: grant.id, endsAt: grant.endsAt, warned, nextWarnAt: nextWarningAt(grant.warnings, warned) });
      if (!latest) continue;
      const learner = learners.get(grant.learnerId);
      const ending = {
        kind: 'grant_ending' as const,
        endsAt: grant.endsAt,
        taken: grant.added,
        returned: grant.removed,
        learners: [{ name: learner?.name ?? grant.email, email: grant.email }],
        count: 1,
        target: { grantId: grant.id },
      };
      const keyOf = (audience: 'learner' | 'admin') =>
        `${grantWarningKeyPrefix({ grantId: grant.id })}${latest.label}:${grant.endsAt.toISOString()}:${audience}`;
      if (deps.learnerNotices && learner) {
        const to: NoticeRecipient = learner.slackUserId ? { slackUserId: learner.slackUserId } : { email: learner.email };
        items.push({
          key: keyOf('learner'),
          source: grantWarningSource(targetOf(grant), latest.label, grant.endsAt),
          to,
          notice: { ...ending, audience: 'learner' },
          // Still queued when the grant ends (a long queue), it says nothing true any more.
          expiresAt: grant.endsAt,
        });
      }
      // A bulk request's learners share an end: their admin gets one message for all of them.
      if (grant.requestId)
        perRequest.set(`${grant.requestId}:${latest.label}:${grant.endsAt.toISOString()}`, { grant, label: latest.label });
      else
        items.push({
          key: keyOf('admin'),
          source: grantAdminSource(targetOf(grant)),
          to: { slackUserId: grant.grantedBy },
          notice: { ...ending, audience: 'admin' },
          expiresAt: grant.endsAt,
        });
    }
    for (const { grant, label } of perRequest.values()) items.push(await requestNotice(deps, grant, label));

    // Queued before the grants are marked: a run that dies in between is redone, and the queue ignores the keys it has.
    await enqueueNotices(deps, items);
    await deps.grants.markWarned(token, updates);
    total.grants += claimed.length;
    total.queued += items.length;
  }
}

/** One warning to the admin of a bulk request's grants: how many end, the first few, and Extend for all. */
async function requestNotice(deps: ScheduleDeps, grant: Grant, label: WarningLabel): Promise<NoticeItem> {
  const requestId = grant.requestId ?? '';
  const [count, first] = await Promise.all([
    deps.grants.countActiveGrantsFor({ requestId }),
    deps.grants.activeGrantsFor({ requestId }, 5),
  ]);
  const byId = new Map((await deps.store.findLearnersByIds(first.map((g) => g.learnerId))).map((l) => [l.id, l]));
  const learners = first.flatMap((g) => byId.get(g.learnerId) ?? []);
  return {
    key: `${grantWarningKeyPrefix({ requestId })}${label}:${grant.endsAt.toISOString()}:admin`,
    source: grantAdminSource({ requestId }),
    to: { slackUserId: grant.grantedBy },
    notice: {
      kind: 'grant_ending',
      audience: 'admin',
      endsAt: grant.endsAt,
      taken: grant.added,
      returned: grant.removed,
      learners: learners.map((l) => ({ name: l.name, email: l.email })),
      count,
      target: { requestId },
    },
    expiresAt: grant.endsAt,
  };
}

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/** A learner's active grants (for the learner card and `/license show`), soonest end first. */
export async function activeGrantsOf(deps: Pick<ScheduleDeps, 'grants'>, learnerId: string): Promise<Grant[]> {
  return deps.grants.activeGrantsOf(learnerId);
}
