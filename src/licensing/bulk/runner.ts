import type { LicensingDeps } from '../deps.js';
import { LicenseError, OperationLeasedError } from '../errors.js';
import type { ActorSource, AdminChange, Learner } from '../model.js';
import { type OperationResult, planItems, runOperation, touchedTypes } from '../operations.js';
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
  const pager = request.undo
    ? undoBatchPlanner(deps, (batchNo) => bulkOpId(request.undo?.of ?? '', batchNo))
    : selectionPager(deps, request.selection, request.change, batchSize);
  try {
    request = await runBatches(deps, request, pager, hooks, options);
  } finally {
    await pager.close();
  }

  const summary = summaryOf(request);
  if (JOB_STATUSES.includes(request.status)) await hooks.onFinished?.(summary, request);
  return summary;
}

/** Runs batches while the request is running; returns it as it ended (or as another process left it). */
async function runBatches(
  deps: BulkDeps,
  initial: BulkRequest,
  pager: BatchPlanner,
  hooks: BulkRunHooks,
  options: BulkRunOptions,
): Promise<BulkRequest> {
  const requestId = initial.id;
  let request = initial;
  while (request.status === 'running') {
    await hooks.heartbeat?.();
    const batchNo = request.progress.lastBatch + 1;
    const opId = bulkOpId(requestId, batchNo);
    // An existing op is a batch a crashed run started: it is finished whatever else happened
    // since (cancel included), because its seats are already reserved.
    let op = await deps.store.getOperation(opId);
    if (!op) {
      const stop = await stopReason(deps, request);
      if (stop) {
        request = (await deps.bulk.finishBulkRequest(requestId, stop.status, deps.now(), stop.code)) ?? (await mustGet(deps, requestId));
        continue;
      }
      const planned = await pager.next(request.progress.lastLearnerId);
      if (!planned) {
        request = (await deps.bulk.finishBulkRequest(requestId, 'completed', deps.now())) ?? (await mustGet(deps, requestId));
        continue;
      }
      const { items, failed } = planned;
      op = await deps.store.createOperation({
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
          ? { grant: { endsAt: request.until, since: grantSince(request), ...(request.timeZone ? { timeZone: request.timeZone } : {}) } }
          : {}),
        ...(request.notifyLearners ? { notify: true } : {}),
      });
    }
    const result = await settleOperation(deps, op, hooks, options);
    await deps.bulk.recordBulkBatch(
      requestId,
      batchNo,
      { lastLearnerId: lastLearnerOf(result) ?? request.progress.lastLearnerId, ...tally(result, request) },
      deps.now(),
    );
    const recorded = await mustGet(deps, requestId);
    await hooks.onProgress?.(countsOf(recorded), recorded);
    // Read again: a cancel may have come while the hook ran.
    request = await mustGet(deps, requestId);
  }
  return request;
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

/**
 * Streams the selection's ids with one cursor, opened at the first checkpoint asked for, and
 * reads each batch of learners fresh (re-checking the selection) just before it is planned.
 * Ids at or below the current checkpoint are dropped: another process may have run those batches.
 */
function selectionPager(deps: BulkDeps, selection: BulkSelection, change: AdminChange, batchSize: number): BatchPlanner {
  let ids: AsyncIterator<string[]> | undefined;
  return {
    async next(checkpoint) {
      ids ??= deps.bulk.matchingLearnerIds(selection, checkpoint, batchSize)[Symbol.asyncIterator]();
      for (;;) {
        const batch = await ids.next();
        if (batch.done) return null;
        // Ids are same-length hex, so text order is id order.
        const ahead = checkpoint === null ? batch.value : batch.value.filter((id) => id > checkpoint);
        if (ahead.length === 0) continue;
        // Learners that left the selection since the cursor passed are not in the batch.
        const learners: Learner[] = await deps.bulk.matchingLearners(selection, ahead);
        if (learners.length) return planItems(learners, { change });
      }
    },
    async close() {
      // Closing the cursor must not hide why the run stopped.
      await ids?.return?.().catch(() => undefined);
    },
  };
}

async function mustGet(deps: BulkDeps, requestId: string): Promise<BulkRequest> {
  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request) throw new LicenseError('bulk_request_not_found');
  return request;
}

async function stopReason(deps: BulkDeps, request: BulkRequest): Promise<{ status: 'cancelled' | 'failed'; code?: string } | null> {
  if (request.cancelRequestedBy) return { status: 'cancelled' };
  // An undo restores each learner's own types; a missing one fails that learner, not the job.
  if (request.undo) return null;
  // A deleted target type would make seat reservation impossible; stop instead of looping.
  if (request.change.kind !== 'revoke' && !(await deps.store.getLicenseType(request.change.to)))
    return { status: 'failed', code: 'unknown_license_type' };
  return null;
}

/** Runs the op to settled; waits while another process holds its lease (it may be dead: leases run out). */
async function settleOperation(deps: BulkDeps, loaded: Operation, hooks: BulkRunHooks, options: BulkRunOptions): Promise<OperationResult> {
  const deadline = Date.now() + (options.leaseWaitMs ?? 150_000);
  // The op as created or found is used once; after waiting, it is read again.
  let known: Operation | undefined = loaded;
  for (;;) {
    try {
      return await runOperation(deps.store, loaded.id, deps.processId, deps.now, known);
    } catch (error) {
      known = undefined;
      if (!(error instanceof OperationLeasedError) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.leasePollMs ?? 2_000));
      await hooks.heartbeat?.();
    }
  }
}

function tally(result: OperationResult, request: Pick<BulkRequest, 'change' | 'undo'>): { done: number; skipped: number; failed: number } {
  const skip = skipCode(request);
  const skipped = result.failed.filter((f) => f.code === skip).length;
  return { done: result.applied.length, skipped, failed: result.failed.length - skipped };
}

/** The highest learner id of the batch: the cursor continues after it. Ids are same-length hex, so text order is id order. */
function lastLearnerOf(result: OperationResult): string | null {
  let last: string | null = null;
  for (const { learnerId } of [...result.applied, ...result.failed]) if (last === null || learnerId > last) last = learnerId;
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

/** Ids of approved jobs that never started and running ones with no progress for `stallMs`. */
export async function stalledBulkRequestIds(
  deps: Pick<BulkDeps, 'bulk' | 'now'>,
  stallMs: number,
  now: Date = deps.now(),
): Promise<string[]> {
  return deps.bulk.stalledBulkRequestIds(new Date(now.getTime() - stallMs), 50);
}
