import type { LicensingDeps } from '../deps.js';
import { LicenseError, OperationLeasedError } from '../errors.js';
import type { ActorSource, AdminChange, LicenseType, PlanningLearner } from '../model.js';
import {
  type ApplyHooks,
  applyOperation,
  createLeasedOperation,
  type OperationResult,
  planItems,
  resultOf,
  settleOperation,
  touchedTypes,
} from '../operations.js';
import type { Operation, OpFailure, OpItem } from '../ports.js';
import { bulkGrantTimers, grantSince, scheduledStartBlocker } from '../schedule/scheduled.js';
import { scheduleTimers } from '../schedule/timers.js';
import { undoBatchPlanner } from '../undo/planner.js';
import type { BulkDeps, BulkFailure, BulkProgressCounts, BulkRequest, BulkSelection, BulkStatus, BulkSummary } from './ports.js';

/** Callbacks of a running job; the Agenda job and the Slack notifier plug in here. */
export interface BulkRunHooks {
  /** Before each batch and while waiting: the Agenda job renews its lock. Throwing stops the run. */
  heartbeat?(): Promise<void>;
  /** After each batch (the Slack layer throttles its message updates). */
  onProgress?(counts: BulkProgressCounts, request: BulkRequest): Promise<void> | void;
  /** When the job is completed, cancelled or failed — on every run that sees it so; see claimCompletionNotice. */
  onFinished?(summary: BulkSummary, request: BulkRequest): Promise<void> | void;
}

export interface BulkRunOptions {
  /** How long to wait for an operation another (maybe dead) process holds; its lease is 60 s. */
  leaseWaitMs?: number;
  leasePollMs?: number;
}

const DEFAULT_BATCH_SIZE = 1_000;
const JOB_STATUSES: readonly BulkStatus[] = ['completed', 'cancelled', 'failed'];

/** The operation id of a job's batch: deterministic, so a rerun finds the batch a crash interrupted. */
export function bulkOpId(requestId: string, batchNo: number): string {
  return `bulk:${requestId}:${batchNo}`;
}

/**
 * The second operation of a batch: its learners that changed after the job's cursor read them
 * (the batch's conditional writes skipped them), read again and planned as they are now.
 */
export function bulkAgainOpId(batchOpId: string): string {
  return `${batchOpId}:again`;
}

/** The `source` of the history and audit rows a job writes. */
export function bulkSource(requestId: string): ActorSource {
  return `bulk:${requestId}`;
}

/** Failure codes that mean "already as asked": counted as skipped, not failed. */
function skipCode(request: Pick<BulkRequest, 'change' | 'undo'>): string {
  if (request.undo) return 'already_restored';
  return request.change.kind === 'revoke' ? 'no_licenses' : 'already_on_type';
}

/**
 * Applies an approved bulk request in batches through the operation engine, resuming from its
 * checkpoint. Safe to run again after a crash and in two processes at once: batch n is the
 * operation `bulk:<id>:<n>`, and the checkpoint only moves from n-1 to n, so each learner is
 * changed and counted once. The selection is read by one cursor, opened where the checkpoint
 * is; memory stays at one batch whatever the size of the selection.
 */
export async function runBulkJob(
  deps: BulkDeps,
  requestId: string,
  hooks: BulkRunHooks = {},
  options: BulkRunOptions = {},
): Promise<BulkSummary> {
  let request = await mustGet(deps, requestId);
  // A scheduled change run early (a revived job) waits for its moment.
  if (request.status === 'approved' && request.applyAt && request.applyAt > deps.now()) return summaryOf(request);
  if (request.status === 'approved') {
    // An undo goes over the learners its job changed, not over a selection.
    const total = request.undo ? request.preview.matched : await deps.bulk.countLearners(request.selection);
    const blocker = await startBlocker(deps, request);
    request = (await deps.bulk.startBulkRequest(requestId, total, deps.now())) ?? (await mustGet(deps, requestId));
    if (blocker && request.status === 'running')
      request =
        (await deps.bulk.failBulkRequestAtStart(requestId, blocker.code, blocker.detail, deps.now())) ?? (await mustGet(deps, requestId));
  }
  // Every grant of a time-bound change shares its end and warnings: one set of timers for all.
  if (request.until && request.status === 'running') await scheduleTimers(deps, bulkGrantTimers(request));
  const batchSize = deps.bulkBatchSize ?? DEFAULT_BATCH_SIZE;
  const undoOf = request.undo?.of;
  const pager = undoOf
    ? undoBatchPlanner(deps, (batchNo) => bulkOpId(undoOf, batchNo))
    : selectionPlanner(deps, request.selection, request.change, batchSize);
  try {
    request = await runBatches(deps, request, pager, hooks, options);
  } finally {
    await pager.close();
  }

  const summary = summaryOf(request);
  if (JOB_STATUSES.includes(request.status)) await hooks.onFinished?.(summary, request);
  return summary;
}

/** A batch whose learners are changed and whose history, audit, seats and checkpoint are written once it is started. */
interface SettlingBatch {
  batchNo: number;
  /** The highest learner id of the batch: where the selection continues. */
  lastLearnerId: string | null;
  /** Lets the settle step go (once; later calls do nothing). */
  start(): void;
  /** Settled and recorded (checkpoint moved, progress reported). */
  done: Promise<void>;
}

/** A batch's settle step, held until `start`: the runner starts it as the next batch's learner writes go out. */
function heldSettle(batchNo: number, lastLearnerId: string | null, run: () => Promise<void>): SettlingBatch {
  let start: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    start = resolve;
  });
  const done = gate.then(run);
  // Awaited by the run loop (or its end); until then a failure must not count as unhandled.
  done.catch(() => undefined);
  return { batchNo, lastLearnerId, start, done };
}

/** At most this many batches are applied but not yet recorded when the next one is planned. */
const SETTLING_MAX = 2;

/**
 * Runs batches while the request is running; returns it as it ended (or as another process left
 * it). Batch n's settle step (history, audit, seats, outbox, then its checkpoint) starts as batch
 * n+1's learner writes go out, so this process builds n's rows while the database runs n+1's
 * writes; batch n+2 is planned once batch n-1 is recorded. The checkpoint still moves from n-1 to
 * n only, and a crash in between leaves ops that the next run finds by id and finishes in order.
 */
async function runBatches(
  deps: BulkDeps,
  initial: BulkRequest,
  pager: BatchPlanner,
  hooks: BulkRunHooks,
  options: BulkRunOptions,
): Promise<BulkRequest> {
  const requestId = initial.id;
  let request = initial;
  /** Applied batches not yet known to be recorded, oldest first. */
  const settling: SettlingBatch[] = [];
  // Starts every held settle and waits for all; the first failure is the run's.
  const drain = async () => {
    for (const batch of settling) batch.start();
    while (settling.length) await settling.shift()?.done;
  };
  try {
    while (request.status === 'running') {
      // Slack requests waiting for this process go first: a batch is a lot of synchronous work
      // (building and encoding thousands of documents), and acks have 3 seconds.
      await yieldToIo();
      const last = settling[settling.length - 1];
      const batchNo = last ? last.batchNo + 1 : request.progress.lastBatch + 1;
      const checkpoint = last ? last.lastLearnerId : request.progress.lastLearnerId;
      const opId = bulkOpId(requestId, batchNo);
      // The lock renewal and the reads are independent: one round trip's wait, not four. The
      // request is read fresh for each batch: a cancel stops the job before the next batch.
      const [, found, target, current] = await Promise.all([
        hooks.heartbeat?.(),
        deps.store.getOperation(opId),
        // An undo restores each learner's own types: there is no one target to check.
        request.change.kind === 'revoke' || request.undo ? Promise.resolve(null) : deps.store.getLicenseType(request.change.to),
        last ? deps.bulk.getBulkRequest(requestId) : Promise.resolve(request),
      ]);
      if (!current) throw new LicenseError('bulk_request_not_found');
      request = current;
      // Finished meanwhile (by another process running the same job): nothing is left to do here.
      if (request.status !== 'running') break;
      // An existing op is a batch a crashed run started: it is finished whatever else happened
      // since (cancel included), because its seats are already reserved.
      let op = found;
      if (!op) {
        const stop = stopReason(request, target);
        const planned = stop ? null : await pager.next(checkpoint);
        if (!planned) {
          await drain();
          request =
            (await deps.bulk.finishBulkRequest(requestId, stop?.status ?? 'completed', deps.now(), stop?.code)) ??
            (await mustGet(deps, requestId));
          continue;
        }
        op = await createLeasedOperation(deps.store, batchOperation(deps, request, opId, planned), deps.processId);
      }
      // The previous batch settles from the moment this one's learner writes go out (or this one
      // waits for another process, or was applied already).
      const startPrevious = () => last?.start();
      // The next batch is read as this one's learner writes go out, not before: its reply is
      // then decoded here while the database is busy with those writes. The read goes out (a
      // turn of the event loop) before the writes are built, so the database answers it first.
      const first = await applyWaiting(deps, op, hooks, options, {
        beforeLearnerWrites: async () => {
          pager.prefetch?.();
          startPrevious();
          await yieldToIo();
        },
        onWait: startPrevious,
      });
      startPrevious();
      const applied: AppliedBatch = pager.replan
        ? { first, again: await applyAgain(deps, request, first, pager.replan, hooks, options), replanned: true }
        : { first, again: null, replanned: false };
      // Settling touches only this batch's learners and commutes with the other batches' writes;
      // the checkpoint still moves in order, after the previous one.
      const previousRecorded = last?.done;
      settling.push(
        heldSettle(batchNo, lastLearnerOf(first) ?? checkpoint, () =>
          settleAndRecord(deps, requestId, batchNo, applied, checkpoint, skipCode(request), hooks, previousRecorded),
        ),
      );
      // Batch n-1 is recorded before batch n+2 is planned: at most two batches wait to be recorded.
      while (settling.length > SETTLING_MAX) await settling.shift()?.done;
    }
    await drain();
    // The last batch's checkpoint may have been the last change to the request.
    return await mustGet(deps, requestId);
  } finally {
    // Whatever stopped the run, no write is left running behind it, and none is left held.
    for (const batch of settling) batch.start();
    await Promise.allSettled(settling.map((batch) => batch.done));
  }
}

/** A batch's operations once applied: the batch's own, and the one for its learners that changed meanwhile. */
interface AppliedBatch {
  first: Operation;
  again: Operation | null;
  /** The learners `first` skipped were read again (they are in `again`, or left the selection). */
  replanned: boolean;
}

/** Settles an applied batch, then (once batch n-1 is recorded) moves the checkpoint from n-1 to n and reports progress. */
async function settleAndRecord(
  deps: BulkDeps,
  requestId: string,
  batchNo: number,
  applied: AppliedBatch,
  checkpoint: string | null,
  skip: string,
  hooks: BulkRunHooks,
  previousRecorded: Promise<void> | undefined,
): Promise<void> {
  await yieldToIo();
  // All are waited for (no write left running behind a failure); a settle's failure wins.
  const [first, again, previous] = await Promise.allSettled([
    settleOperation(deps.store, applied.first, deps.now),
    applied.again ? settleOperation(deps.store, applied.again, deps.now) : Promise.resolve(null),
    previousRecorded,
  ]);
  if (first.status === 'rejected') throw first.reason;
  if (again.status === 'rejected') throw again.reason;
  if (previous.status === 'rejected') throw previous.reason;
  const result = applied.replanned ? batchResult(first.value, again.value) : first.value;
  // The recorded request comes back with the write: one round trip fewer per batch. Recorded
  // already (by another process running the same job), it is read as that process left it.
  const recorded =
    (await deps.bulk.recordBulkBatch(
      requestId,
      batchNo,
      { lastLearnerId: lastLearnerOf(applied.first) ?? checkpoint, ...tally(result, skip) },
      deps.now(),
    )) ?? (await mustGet(deps, requestId));
  await hooks.onProgress?.(countsOf(recorded), recorded);
}

/**
 * What a batch did, from its operation's result and its second operation's: the learners the
 * first skipped because they changed meanwhile count as the second made of them (changed, refused,
 * or — when they left the selection — not at all).
 */
export function batchResult(first: OperationResult, again: OperationResult | null): OperationResult {
  return {
    applied: again ? [...first.applied, ...again.applied] : first.applied,
    failed: [...first.failed.filter((f) => f.code !== 'learner_changed'), ...(again?.failed ?? [])],
  };
}

/**
 * Applies the second operation of a batch: the learners `first` could not change because their
 * version moved since the job's cursor read them, read again (those still in the selection) and
 * planned as they are now. Its id follows from the batch's, so a rerun after a crash finds it
 * instead of planning it twice. None when every learner was changed (the usual case).
 */
async function applyAgain(
  deps: BulkDeps,
  request: BulkRequest,
  first: Operation,
  replan: NonNullable<BatchPlanner['replan']>,
  hooks: BulkRunHooks,
  options: BulkRunOptions,
): Promise<Operation | null> {
  const changed = new Set(first.appliedIds ?? []);
  const moved = first.items.filter((item) => !changed.has(item.learnerId)).map((item) => item.learnerId);
  if (moved.length === 0) return null;
  const id = bulkAgainOpId(first.id);
  let op = await deps.store.getOperation(id);
  if (!op) {
    const planned = await replan(moved);
    // All left the selection: nothing to record (a rerun reads them again and finds the same).
    if (planned.items.length === 0 && planned.failed.length === 0) return null;
    op = await createLeasedOperation(deps.store, batchOperation(deps, request, id, planned), deps.processId);
  }
  return applyWaiting(deps, op, hooks, options);
}

/** The operation of a batch of `request`. */
function batchOperation(deps: BulkDeps, request: BulkRequest, id: string, planned: { items: OpItem[]; failed: OpFailure[] }): Operation {
  return {
    id,
    state: 'planned',
    change: request.change,
    actor: request.requestedBy,
    source: bulkSource(request.id),
    reason: request.reason,
    ...(request.channelId ? { channelId: request.channelId } : {}),
    items: planned.items,
    failed: planned.failed,
    touchedTypes: touchedTypes(planned.items),
    createdAt: deps.now(),
    ...(deps.syncChanges ? { sync: true } : {}),
    ...(request.undo ? { action: 'undo' } : {}),
    ...(request.until
      ? { grant: { endsAt: request.until, since: grantSince(request), ...(request.timeZone ? { timeZone: request.timeZone } : {}) } }
      : {}),
    ...(request.notifyLearners ? { notify: true } : {}),
  };
}

/**
 * Why an approved request cannot start now: its end has already passed (approved too late), or — a
 * scheduled change — seats or types are no longer there. Checked before any learner changes.
 */
async function startBlocker(deps: BulkDeps, request: BulkRequest): Promise<{ code: string; detail: string } | null> {
  if (request.until && request.until <= deps.now()) return { code: 'until_in_past', detail: 'Its end had passed before it could start.' };
  return request.applyAt ? scheduledStartBlocker(deps, request) : null;
}

/** Where a job's batches come from: planned against fresh learners, above the checkpoint, in id order. */
export interface BatchPlanner {
  /** The next batch's items and refusals (at most one batch of learners), or null when there are none. */
  next(checkpoint: string | null): Promise<{ items: OpItem[]; failed: OpFailure[] } | null>;
  /**
   * Learners a batch skipped because they changed after they were read, read again and planned as
   * they are now (those no longer selected are left out). Absent when batches are planned from
   * learners read just before (an undo).
   */
  replan?(learnerIds: readonly string[]): Promise<{ items: OpItem[]; failed: OpFailure[] }>;
  /**
   * Starts reading the batch after the last one returned (once); `next` uses it. The runner calls
   * it as a batch's learner writes go out, so the database answers it first and this process
   * decodes the reply while the database runs those writes. Without it, `next` reads on demand.
   */
  prefetch?(): void;
  close(): Promise<void>;
}

interface SelectionPager {
  /** The next matching learners above `checkpoint` (fresh, at most one batch), or null when there are none. */
  next(checkpoint: string | null): Promise<PlanningLearner[] | null>;
  /** Starts reading the learners after the last batch returned, unless already started. */
  prefetch(): void;
  close(): Promise<void>;
}

/** A selection's batches, each planned for `change` against the learners as they are now. */
function selectionPlanner(deps: BulkDeps, selection: BulkSelection, change: AdminChange, batchSize: number): BatchPlanner {
  const pager = selectionPager(deps, selection, batchSize);
  return {
    async next(checkpoint) {
      const learners = await pager.next(checkpoint);
      return learners ? planItems(learners, { change }) : null;
    },
    async replan(learnerIds) {
      return planItems(await deps.bulk.matchingLearners(selection, learnerIds), { change });
    },
    prefetch: () => pager.prefetch(),
    close: () => pager.close(),
  };
}

/**
 * Streams the selection with one cursor, opened at the first checkpoint asked for. Ids at or below
 * the current checkpoint are dropped: another process may have run those batches. While one batch
 * is being applied, the next one is already read, so the database and this process work at the
 * same time. A learner that changed after the cursor read it is not changed from the stale copy:
 * the batch's writes are conditional on the version read, and the runner reads those learners
 * again (`replan`) for the batch's second operation.
 */
function selectionPager(deps: BulkDeps, selection: BulkSelection, batchSize: number): SelectionPager {
  let batches: AsyncIterator<PlanningLearner[]> | undefined;
  let ahead: Promise<PlanningLearner[] | null> | undefined;
  /** The highest id returned so far, once a batch was: where a read ahead starts. */
  let returnedUpTo: string | null | undefined;

  const read = async (checkpoint: string | null): Promise<PlanningLearner[] | null> => {
    batches ??= deps.bulk.matchingLearnerBatches(selection, checkpoint, batchSize)[Symbol.asyncIterator]();
    for (;;) {
      const batch = await batches.next();
      if (batch.done) return null;
      const above = checkpoint === null ? batch.value : batch.value.filter((learner) => learner.id > checkpoint);
      if (above.length) return above;
    }
  };
  return {
    async next(checkpoint) {
      const pending = ahead;
      ahead = undefined;
      let learners = pending ? await pending : await read(checkpoint);
      // Read ahead with the previous checkpoint; the batch is filtered again by the current one.
      if (learners && checkpoint !== null) learners = learners.filter((learner) => learner.id > checkpoint);
      if (learners && learners.length === 0) learners = await read(checkpoint);
      returnedUpTo = learners ? (learners[learners.length - 1]?.id ?? checkpoint) : undefined;
      return learners;
    },
    prefetch() {
      if (ahead || returnedUpTo === undefined) return;
      ahead = read(returnedUpTo);
      // Awaited by the next call (or close); until then a failure must not count as unhandled.
      ahead.catch(() => undefined);
    },
    async close() {
      // Closing the cursor must not hide why the run stopped.
      await ahead?.catch(() => undefined);
      await batches?.return?.().catch(() => undefined);
    },
  };
}

/** Lets pending I/O callbacks (incoming requests) run before the next chunk of work. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function mustGet(deps: BulkDeps, requestId: string): Promise<BulkRequest> {
  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request) throw new LicenseError('bulk_request_not_found');
  return request;
}

/** Why the job must stop before its next batch; `target` is the change's license type as just read. */
function stopReason(request: BulkRequest, target: LicenseType | null): { status: 'cancelled' | 'failed'; code?: string } | null {
  if (request.cancelRequestedBy) return { status: 'cancelled' };
  // A deleted target type would make seat reservation impossible; stop instead of looping. (An
  // undo restores each learner's own types; a missing one fails that learner, not the job.)
  if (request.change.kind !== 'revoke' && !request.undo && !target) return { status: 'failed', code: 'unknown_license_type' };
  return null;
}

/** Takes the op to applied; waits while another process holds its lease (it may be dead: leases run out). */
async function applyWaiting(
  deps: BulkDeps,
  loaded: Operation,
  hooks: BulkRunHooks,
  options: BulkRunOptions,
  around: ApplyHooks & { onWait?(): void } = {},
): Promise<Operation> {
  const deadline = Date.now() + (options.leaseWaitMs ?? 150_000);
  // The op as created or found is used once; after waiting, it is read again.
  let known: Operation | undefined = loaded;
  for (;;) {
    try {
      return await applyOperation(deps.store, loaded.id, deps.processId, known, around);
    } catch (error) {
      known = undefined;
      if (!(error instanceof OperationLeasedError) || Date.now() >= deadline) throw error;
      around.onWait?.();
      await new Promise((resolve) => setTimeout(resolve, options.leasePollMs ?? 2_000));
      await hooks.heartbeat?.();
    }
  }
}

function tally(result: OperationResult, skip: string): { done: number; skipped: number; failed: number } {
  const skipped = result.failed.filter((f) => f.code === skip).length;
  return { done: result.applied.length, skipped, failed: result.failed.length - skipped };
}

/** The highest learner id of the batch: the cursor continues after it. Ids are same-length hex, so text order is id order. */
function lastLearnerOf(op: Pick<Operation, 'items' | 'failed'>): string | null {
  let last: string | null = null;
  for (const { learnerId } of op.items) if (last === null || learnerId > last) last = learnerId;
  for (const { learnerId } of op.failed) if (last === null || learnerId > last) last = learnerId;
  return last;
}

function countsOf(request: BulkRequest): BulkProgressCounts {
  const { done, skipped, failed, total } = request.progress;
  const processed = done + skipped + failed;
  // Learners added to the selection during the run are processed too; never show more done than total.
  return { done, skipped, failed, total: request.status === 'completed' ? processed : Math.max(total, processed) };
}

function summaryOf(request: BulkRequest): BulkSummary {
  return {
    requestId: request.id,
    status: request.status,
    ...countsOf(request),
    ...(request.startedAt ? { startedAt: request.startedAt } : {}),
    ...(request.finishedAt ? { finishedAt: request.finishedAt } : {}),
    ...(request.failureCode ? { failureCode: request.failureCode } : {}),
    ...(request.failureDetail ? { failureDetail: request.failureDetail } : {}),
  };
}

/** Progress counts of a request, as the runner reports them. */
export function bulkProgressCounts(request: BulkRequest): BulkProgressCounts {
  return countsOf(request);
}

/**
 * Every learner the job could not change, batch by batch, read from its operations (for a CSV).
 * Learners already as asked are left out unless `includeSkipped`.
 */
export async function* bulkFailures(
  deps: Pick<LicensingDeps, 'store'> & Pick<BulkDeps, 'bulk'>,
  requestId: string,
  options: { includeSkipped?: boolean } = {},
): AsyncGenerator<BulkFailure> {
  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request) return;
  // The counts say whether there is anything to list; reading every batch's op to find nothing
  // would cost a read per thousand learners at the end of every clean job.
  if (request.progress.failed === 0 && (!options.includeSkipped || request.progress.skipped === 0)) return;
  const skip = skipCode(request);
  for (let batch = 1; ; batch += 1) {
    const ops = await batchOperations(deps, requestId, batch);
    if (!ops) return;
    // A selection's learners that changed meanwhile were read again: what became of them is in
    // the second operation (or they left the selection), not a failure of the first.
    const failures = request.undo
      ? outcomeOf(ops.first).failed
      : batchResult(outcomeOf(ops.first), ops.again ? outcomeOf(ops.again) : null).failed;
    for (const f of failures) {
      if (!options.includeSkipped && f.code === skip) continue;
      yield { learnerId: f.learnerId, email: f.email, code: f.code, batch };
    }
  }
}

/** A batch's operation and, when some of its learners changed meanwhile, its second one; null past the last batch. */
async function batchOperations(
  deps: Pick<LicensingDeps, 'store'>,
  requestId: string,
  batch: number,
): Promise<{ first: Operation; again: Operation | null } | null> {
  const first = await deps.store.getOperation(bulkOpId(requestId, batch));
  if (!first) return null;
  const changed = new Set(first.appliedIds ?? []);
  const moved = first.state === 'settled' && first.items.some((item) => !changed.has(item.learnerId));
  return { first, again: moved ? await deps.store.getOperation(bulkAgainOpId(first.id)) : null };
}

/** What an operation did once settled; before that, only its planning's refusals are known. */
function outcomeOf(op: Operation): OperationResult {
  return op.state === 'settled' ? resultOf(op) : { applied: [], failed: op.failed };
}

/**
 * The emails of the learners the job changed, one batch (at most the batch size) at a time, read
 * from its operations by id: memory and reads stay at one batch whatever the size of the job.
 */
export async function* bulkChangedLearners(
  deps: Pick<LicensingDeps, 'store'> & Pick<BulkDeps, 'bulk'>,
  requestId: string,
): AsyncGenerator<string[]> {
  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request || request.progress.done === 0) return;
  for (let batch = 1; batch <= request.progress.lastBatch; batch += 1) {
    const ops = await batchOperations(deps, requestId, batch);
    if (!ops) return;
    // Only settled operations are counted: an unsettled one's learners may not have changed.
    const emails = [ops.first, ops.again].flatMap((op) => (op?.state === 'settled' ? outcomeOf(op).applied : [])).map((item) => item.email);
    if (emails.length > 0) yield emails;
  }
}

/** Ids of approved jobs that never started and running ones with no progress for `stallMs`. */
export async function stalledBulkRequestIds(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  stallMs: number,
  now: Date = deps.now(),
): Promise<string[]> {
  return deps.bulk.stalledBulkRequestIds(new Date(now.getTime() - stallMs), 50);
}
