import type { LicensingDeps } from '../deps.js';
import { LicenseError, OperationLeasedError } from '../errors.js';
import type { ActorSource, AdminChange, LicenseType, PlanningLearner } from '../model.js';
import { applyOperation, createLeasedOperation, type OperationResult, planItems, settleOperation, touchedTypes } from '../operations.js';
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

/** A batch whose learners are changed and whose history, audit, seats and checkpoint are being written. */
interface SettlingBatch {
  batchNo: number;
  /** The highest learner id of the batch: where the selection continues. */
  lastLearnerId: string | null;
  /** Settled and recorded (checkpoint moved, progress reported). */
  done: Promise<void>;
}

/**
 * Runs batches while the request is running; returns it as it ended (or as another process left
 * it). Batch n is settled (history, audit, seats, outbox, then its checkpoint) while batch n+1 is
 * planned and applied, so this process and the database work at once; the checkpoint still moves
 * from n-1 to n only, and a crash in between leaves ops that the next run finishes in order.
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
  let settling: SettlingBatch | undefined;
  // Waits for the batch being settled; its failure is the run's.
  const drain = async () => {
    const batch = settling;
    settling = undefined;
    await batch?.done;
  };
  try {
    while (request.status === 'running') {
      // Slack requests waiting for this process go first: a batch is a lot of synchronous work
      // (building and encoding thousands of documents), and acks have 3 seconds.
      await yieldToIo();
      const batchNo = settling ? settling.batchNo + 1 : request.progress.lastBatch + 1;
      const checkpoint = settling ? settling.lastLearnerId : request.progress.lastLearnerId;
      const opId = bulkOpId(requestId, batchNo);
      // The lock renewal and the two reads are independent: one round trip's wait, not three.
      const [, found, target] = await Promise.all([
        hooks.heartbeat?.(),
        deps.store.getOperation(opId),
        // An undo restores each learner's own types: there is no one target to check.
        request.change.kind === 'revoke' || request.undo ? Promise.resolve(null) : deps.store.getLicenseType(request.change.to),
      ]);
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
        const { items, failed } = planned;
        op = await createLeasedOperation(
          deps.store,
          {
            id: opId,
            state: 'planned',
            change: request.change,
            actor: request.requestedBy,
            source: bulkSource(requestId),
            reason: request.reason,
            ...(request.channelId ? { channelId: request.channelId } : {}),
            items,
            failed,
            touchedTypes: touchedTypes(items),
            createdAt: deps.now(),
            ...(deps.syncChanges ? { sync: true } : {}),
            ...(request.undo ? { action: 'undo' } : {}),
            ...(request.until
              ? {
                  grant: { endsAt: request.until, since: grantSince(request), ...(request.timeZone ? { timeZone: request.timeZone } : {}) },
                }
              : {}),
            ...(request.notifyLearners ? { notify: true } : {}),
          },
          deps.processId,
        );
      }
      const applied = await applyWaiting(deps, op, hooks, options);
      // Settling starts at once (its writes touch only this batch's learners and commute with the
      // previous batch's); the checkpoint still moves in order, after the previous one.
      const previous = settling;
      const next: SettlingBatch = {
        batchNo,
        lastLearnerId: lastLearnerOf(applied) ?? checkpoint,
        done: settleAndRecord(deps, requestId, batchNo, applied, checkpoint, skipCode(request), hooks, previous?.done),
      };
      // Awaited below, by the next round or at the end; until then a failure must not count as unhandled.
      next.done.catch(() => undefined);
      settling = next;
      // At most two batches settle at once: batch n is recorded before batch n+2 is planned. The
      // request is read again once batch n is recorded: a cancel may have come with its progress,
      // and it must stop the job before batch n+2.
      await previous?.done;
      request = await mustGet(deps, requestId);
    }
    await drain();
    // The last batch's checkpoint may have been the last change to the request.
    return await mustGet(deps, requestId);
  } finally {
    // Whatever stopped the run, no write is left running behind it.
    await settling?.done.catch(() => undefined);
  }
}

/** Settles an applied batch, then (once batch n-1 is recorded) moves the checkpoint from n-1 to n and reports progress. */
async function settleAndRecord(
  deps: BulkDeps,
  requestId: string,
  batchNo: number,
  applied: Operation,
  checkpoint: string | null,
  skip: string,
  hooks: BulkRunHooks,
  previousRecorded: Promise<void> | undefined,
): Promise<void> {
  await yieldToIo();
  // Both are waited for (no write left running behind a failure); the settle's failure wins.
  const [settled, previous] = await Promise.allSettled([settleOperation(deps.store, applied, deps.now), previousRecorded]);
  if (settled.status === 'rejected') throw settled.reason;
  if (previous.status === 'rejected') throw previous.reason;
  const result = settled.value;
  // The recorded request comes back with the write: one round trip fewer per batch. Recorded
  // already (by another process running the same job), it is read as that process left it.
  const recorded =
    (await deps.bulk.recordBulkBatch(
      requestId,
      batchNo,
      { lastLearnerId: lastLearnerOf(applied) ?? checkpoint, ...tally(result, skip) },
      deps.now(),
    )) ?? (await mustGet(deps, requestId));
  await hooks.onProgress?.(countsOf(recorded), recorded);
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
  close(): Promise<void>;
}

interface SelectionPager {
  /** The next matching learners above `checkpoint` (fresh, at most one batch), or null when there are none. */
  next(checkpoint: string | null): Promise<PlanningLearner[] | null>;
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
    close: () => pager.close(),
  };
}

/**
 * Streams the selection with one cursor, opened at the first checkpoint asked for, and checks
 * each batch just before it is used: learners that left the selection are dropped, and those
 * whose version moved since the cursor read them are read again (a cursor may hand out documents
 * as they were when it opened). Ids at or below the current checkpoint are dropped: another
 * process may have run those batches. While one batch is being applied, the next one is already
 * read and checked, so the database and this process work at the same time.
 */
function selectionPager(deps: BulkDeps, selection: BulkSelection, batchSize: number): SelectionPager {
  let batches: AsyncIterator<PlanningLearner[]> | undefined;
  let ahead: Promise<PlanningLearner[] | null> | undefined;

  const fresh = async (batch: PlanningLearner[]): Promise<PlanningLearner[]> => {
    const versions = await deps.bulk.currentVersions(
      selection,
      batch.map((learner) => learner.id),
    );
    const kept: PlanningLearner[] = [];
    const moved: string[] = [];
    for (const learner of batch) {
      const version = versions.get(learner.id);
      if (version === undefined) continue;
      if (version === learner.version) kept.push(learner);
      else moved.push(learner.id);
    }
    if (moved.length === 0) return kept;
    // Ids are same-length hex, so text order is id order.
    return [...kept, ...(await deps.bulk.matchingLearners(selection, moved))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  const read = async (checkpoint: string | null): Promise<PlanningLearner[] | null> => {
    batches ??= deps.bulk.matchingLearnerBatches(selection, checkpoint, batchSize)[Symbol.asyncIterator]();
    for (;;) {
      const batch = await batches.next();
      if (batch.done) return null;
      const above = checkpoint === null ? batch.value : batch.value.filter((learner) => learner.id > checkpoint);
      if (above.length === 0) continue;
      const learners = await fresh(above);
      if (learners.length) return learners;
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
      if (learners) {
        const last = learners[learners.length - 1]?.id ?? checkpoint;
        ahead = read(last);
        // Awaited by the next call (or close); until then a failure must not count as unhandled.
        ahead.catch(() => undefined);
      }
      return learners;
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
async function applyWaiting(deps: BulkDeps, loaded: Operation, hooks: BulkRunHooks, options: BulkRunOptions): Promise<Operation> {
  const deadline = Date.now() + (options.leaseWaitMs ?? 150_000);
  // The op as created or found is used once; after waiting, it is read again.
  let known: Operation | undefined = loaded;
  for (;;) {
    try {
      return await applyOperation(deps.store, loaded.id, deps.processId, known);
    } catch (error) {
      known = undefined;
      if (!(error instanceof OperationLeasedError) || Date.now() >= deadline) throw error;
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
    const op = await deps.store.getOperation(bulkOpId(requestId, batch));
    if (!op) return;
    const applied = new Set(op.appliedIds ?? []);
    const failures =
      op.state === 'settled'
        ? [...op.failed, ...op.items.filter((i) => !applied.has(i.learnerId)).map((i) => ({ ...i, code: 'learner_changed' }))]
        : op.failed;
    for (const f of failures) {
      if (!options.includeSkipped && f.code === skip) continue;
      yield { learnerId: f.learnerId, email: f.email, code: f.code, batch };
    }
  }
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
    const op = await deps.store.getOperation(bulkOpId(requestId, batch));
    if (!op) return;
    // Only settled batches are counted: an unsettled one's learners may not have changed.
    if (op.state !== 'settled') continue;
    const applied = new Set(op.appliedIds ?? []);
    const emails = op.items.filter((item) => applied.has(item.learnerId)).map((item) => item.email);
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
