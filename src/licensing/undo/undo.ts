import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { BulkPreviewCounts, BulkRequest } from '../bulk/ports.js';
import type { BulkSubmission } from '../bulk/requests.js';
import { bulkOpId } from '../bulk/runner.js';
import { type ErrorCode, LicenseError } from '../errors.js';
import { type Actor, seatDelta } from '../model.js';
import { runOperation, touchedTypes } from '../operations.js';
import type { OpItem } from '../ports.js';
import { planRestore, undoBatchPlanner } from './planner.js';
import type { UndoDeps } from './ports.js';

const DAY_MS = 86_400_000;
const UNDOABLE: readonly BulkRequest['status'][] = ['completed', 'cancelled'];
/** An undo that ended like this never ran: the job may be undone again. */
const UNDO_NEVER_RAN: readonly BulkRequest['status'][] = ['rejected', 'expired'];

/** Why the job cannot be undone now, or null: the checks shared by the Undo button and `/license undo`. */
export async function undoBlocker(deps: UndoDeps, job: BulkRequest): Promise<ErrorCode | null> {
  if (job.undo) return 'undo_of_undo';
  if (!UNDOABLE.includes(job.status) || job.progress.done === 0) return 'not_undoable';
  if (deps.undoWindowDays <= 0 || !job.finishedAt || job.finishedAt.getTime() + deps.undoWindowDays * DAY_MS < deps.now().getTime())
    return 'undo_window_passed';
  if (job.undoneBy) {
    const previous = await deps.bulk.getBulkRequest(job.undoneBy);
    if (previous && !UNDO_NEVER_RAN.includes(previous.status) && !(previous.status === 'cancelled' && previous.progress.lastBatch === 0))
      return 'already_undone';
  }
  return null;
}

/** True while the job's notice may offer Undo (the click re-checks everything). */
export function undoOffered(deps: Pick<UndoDeps, 'undoWindowDays' | 'now'>, job: BulkRequest): boolean {
  return (
    !job.undo &&
    UNDOABLE.includes(job.status) &&
    job.progress.done > 0 &&
    deps.undoWindowDays > 0 &&
    !!job.finishedAt &&
    job.finishedAt.getTime() + deps.undoWindowDays * DAY_MS >= deps.now().getTime()
  );
}

/** Counts what an undo of the job would do now, batch by batch, from the job's own operations. */
export async function previewUndo(deps: UndoDeps, jobId: string): Promise<BulkPreviewCounts & { changedSince: number }> {
  const planner = undoBatchPlanner(deps, (batchNo) => bulkOpId(jobId, batchNo));
  const counts = { matched: 0, alreadyOnTarget: 0, blocked: 0, toChange: 0, seatsNeeded: 0, changedSince: 0 };
  for (;;) {
    const batch = await planner.next(null);
    if (!batch) return counts;
    counts.matched += batch.items.length + batch.failed.length;
    counts.toChange += batch.items.length;
    for (const f of batch.failed) {
      if (f.code === 'already_restored') counts.alreadyOnTarget += 1;
      else counts.blocked += 1;
      if (f.code === 'changed_since') counts.changedSince += 1;
    }
    for (const item of batch.items) for (const d of seatDelta(item.prev, item.next).values()) if (d > 0) counts.seatsNeeded += d;
  }
}

/**
 * Asks for the undo of a completed (or cancelled) bulk job: a bulk request whose batches put
 * every learner the job changed back to what they held before it, when they are unchanged since.
 * It needs the same approval as the job did (a lead's when the job needed one or it is above the
 * threshold); a job is undone once, and an undo is never undone.
 */
export async function requestUndo(
  deps: UndoDeps,
  actor: Actor,
  jobId: string,
  reason?: string,
): Promise<BulkSubmission & { changedSince: number }> {
  await requireAdmin(deps, actor, 'undo.request');
  const refuse = async (code: ErrorCode, details: Record<string, string | number> = {}): Promise<never> => {
    await audit(deps, actor, 'undo.request', { details: { requestId: jobId, ...details } }, { refused: code });
    throw new LicenseError(code);
  };
  const job = await deps.bulk.getBulkRequest(jobId);
  if (!job) return refuse('bulk_request_not_found');
  const blocker = await undoBlocker(deps, job);
  if (blocker) return refuse(blocker, job.undoneBy ? { undoneBy: job.undoneBy } : {});
  const preview = await previewUndo(deps, job.id);
  if (preview.toChange === 0) return refuse('nothing_to_undo', { changedSince: preview.changedSince });

  const now = deps.now();
  // The same approval as the job: a lead's if the job needed one, or if the undo is above the threshold.
  const needsApproval = job.expiresAt !== undefined || preview.toChange > deps.bulkApprovalThreshold;
  const channelId = actor.channelId ?? job.channelId;
  const { changedSince, ...counts } = preview;
  const { request } = await deps.bulk.createBulkRequest({
    status: needsApproval ? 'pending_approval' : 'approved',
    selection: job.selection,
    change: job.change,
    reason: reason?.trim() || `Undo of job ${job.id} (${job.reason})`,
    requestedBy: actor.userId,
    ...(channelId ? { channelId } : {}),
    createdAt: now,
    ...(needsApproval
      ? { expiresAt: new Date(now.getTime() + deps.approvalTtlHours * 3_600_000) }
      : { decidedBy: actor.userId, decidedAt: now }),
    preview: counts,
    undo: { of: job.id },
  });
  // Two clicks at once make two requests; the claim keeps one and the other never runs.
  if (!(await deps.bulk.claimUndo(job.id, request.id, job.undoneBy ?? null))) {
    await deps.bulk.cancelBulkRequestBeforeStart(request.id, actor.userId, now);
    return refuse('already_undone');
  }
  await audit(
    deps,
    channelId ? { ...actor, channelId } : actor,
    'undo.request',
    { details: { requestId: request.id, undoOf: job.id, status: request.status, toChange: preview.toChange, changedSince } },
    'applied',
  );
  return {
    request,
    needsApproval,
    replayed: false,
    changedSince,
    preview: {
      ...counts,
      deactivated: 0,
      notOnType: 0,
      seatsFree: Number.POSITIVE_INFINITY,
      shortBy: 0,
      targetType: null,
      sample: [],
      unknownEmails: [],
    },
  };
}

/** The op id of a single change's undo: one per change, so the undo applies once. */
export function singleUndoOpId(changeRequestId: string): string {
  return `undo:${changeRequestId}`;
}

export type SingleUndoOutcome =
  | { kind: 'undone'; item: OpItem; learnerId: string }
  | { kind: 'already_undone' }
  | { kind: 'failed'; code: ErrorCode };

/**
 * Undoes one applied single change: the learner goes back to what they held before it, if they
 * are unchanged since. Admins only, like the change; runs through the engine once (the op id is
 * the change's), so a double click or two processes undo it once.
 */
export async function undoSingleChange(deps: UndoDeps, actor: Actor, changeRequestId: string): Promise<SingleUndoOutcome> {
  await requireAdmin(deps, actor, 'undo.single');
  const refuse = async (code: ErrorCode, learnerId?: string): Promise<never> => {
    await audit(deps, actor, 'undo', { ...(learnerId ? { learnerId } : {}), details: { changeRequestId } }, { refused: code });
    throw new LicenseError(code);
  };
  const opId = singleUndoOpId(changeRequestId);
  let undoOp = await deps.store.getOperation(opId);
  if (!undoOp) {
    const change = await deps.changeRequests.getChangeRequest(changeRequestId);
    const original = change?.status === 'applied' ? await deps.store.getOperation(changeRequestId) : null;
    if (!change || !original || original.state !== 'settled') return refuse('not_undoable');
    if (deps.undoWindowDays <= 0 || original.createdAt.getTime() + deps.undoWindowDays * DAY_MS < deps.now().getTime())
      return refuse('undo_window_passed', change.learnerId);
    const learners = await deps.store.findLearnersByIds(original.items.map((i) => i.learnerId));
    const { items, failed } = planRestore(original, new Map(learners.map((l) => [l.id, l])), null);
    if (items.length === 0) return refuse((failed[0]?.code as ErrorCode | undefined) ?? 'nothing_to_undo', change.learnerId);
    undoOp = await deps.store.createOperation({
      id: opId,
      state: 'planned',
      change: original.change,
      action: 'undo',
      actor: actor.userId,
      source: actor.source,
      reason: `Undo of a change by ${original.actor} (${original.reason || 'no reason given'})`,
      ...(actor.channelId ? { channelId: actor.channelId } : {}),
      items,
      failed,
      touchedTypes: touchedTypes(items),
      createdAt: deps.now(),
      ...(deps.syncChanges ? { sync: true } : {}),
    });
    if (undoOp.state === 'settled') return { kind: 'already_undone' };
  } else if (undoOp.state === 'settled') {
    await audit(deps, actor, 'undo', { details: { changeRequestId } }, { refused: 'already_undone' });
    return { kind: 'already_undone' };
  }
  const result = await runOperation(deps.store, undoOp.id, deps.processId, deps.now, undoOp);
  const item = result.applied[0];
  if (item) return { kind: 'undone', item, learnerId: item.learnerId };
  return { kind: 'failed', code: (result.failed[0]?.code as ErrorCode | undefined) ?? 'learner_changed' };
}
