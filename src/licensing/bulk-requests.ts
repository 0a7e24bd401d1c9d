import { isAdmin, requireAdmin } from './admins.js';
import { FINAL_BULK_STATUSES, type BulkDeps, type BulkRequest, type MessageRef } from './bulk-ports.js';
import { normalizeSelection, previewBulkChange, type BulkPreview, type BulkSelection, type BulkSelectionInput } from './bulk-selection.js';
import type { Actor } from './deps.js';
import { LicenseError, type ErrorCode } from './errors.js';
import type { AuditEvent, ChangeSpec } from './model.js';
import { decisionBlocker } from './leads.js';

/** The submission was refused because the target type lacks seats; carries the numbers. */
export class SeatsShortError extends LicenseError {
  constructor(
    readonly shortBy: number,
    readonly seatsNeeded: number,
    readonly seatsFree: number,
    typeName: string,
  ) {
    super(
      'seats_short',
      `Not enough ${typeName} seats: this change needs ${seats(seatsNeeded)} but only ${seatsFree.toLocaleString('en-US')} ${seatsFree === 1 ? 'is' : 'are'} free, so it is ${seats(shortBy)} short. Free up seats or narrow the selection.`,
    );
    this.name = 'SeatsShortError';
  }
}

function seats(n: number): string {
  return `${n.toLocaleString('en-US')} seat${n === 1 ? '' : 's'}`;
}

/** What the requester gets back: the stored request and the counts it was based on. */
export interface BulkSubmission {
  request: BulkRequest;
  preview: BulkPreview;
  /** True when a team lead must approve before the job starts; otherwise schedule it now. */
  needsApproval: boolean;
}

/**
 * Stores a bulk change after recounting it. Small ones are approved at once (the admin's
 * submit is their confirmation); above the threshold a team lead must approve before expiry.
 */
export async function submitBulkRequest(
  deps: BulkDeps,
  actor: Actor,
  input: { selection: BulkSelectionInput; change: ChangeSpec; reason: string; channelId?: string },
): Promise<BulkSubmission> {
  await requireAdmin(deps, actor, 'bulk.submit');
  const channelId = input.channelId ?? actor.channelId;
  const refuse = async (error: LicenseError, details: AuditEvent['details'] = {}): Promise<never> => {
    await audit(deps, actor.userId, 'bulk.submit', 'refused', { code: error.code, channelId, details });
    throw error;
  };
  const reason = input.reason.trim();
  if (!reason) return refuse(new LicenseError('reason_required'));

  let preview: BulkPreview;
  let selection: BulkSelection;
  try {
    selection = normalizeSelection(input.selection);
    preview = await previewBulkChange(deps, selection, input.change);
  } catch (error) {
    if (error instanceof LicenseError) return refuse(error);
    throw error;
  }
  if (preview.toChange === 0) return refuse(new LicenseError('nothing_to_change'), { matched: preview.matched });
  if (preview.shortBy > 0) {
    return refuse(new SeatsShortError(preview.shortBy, preview.seatsNeeded, preview.seatsFree, preview.targetType?.name ?? 'license'), {
      seatsNeeded: preview.seatsNeeded,
      seatsFree: preview.seatsFree,
      shortBy: preview.shortBy,
    });
  }

  const now = deps.now();
  const needsApproval = preview.toChange > deps.bulkApprovalThreshold;
  const request = await deps.bulk.createBulkRequest({
    status: needsApproval ? 'pending_approval' : 'approved',
    selection,
    change: input.change,
    reason,
    requestedBy: actor.userId,
    ...(channelId ? { channelId } : {}),
    createdAt: now,
    ...(needsApproval ? { expiresAt: new Date(now.getTime() + deps.approvalTtlHours * 3_600_000) } : { decidedBy: actor.userId, decidedAt: now }),
    preview: {
      matched: preview.matched,
      alreadyOnTarget: preview.alreadyOnTarget,
      blocked: preview.blocked,
      toChange: preview.toChange,
      seatsNeeded: preview.seatsNeeded,
    },
  });
  await audit(deps, actor.userId, 'bulk.submit', 'applied', {
    channelId,
    details: { requestId: request.id, status: request.status, toChange: preview.toChange, reason },
  });
  return { request, preview, needsApproval };
}

export type BulkDecisionOutcome =
  | { kind: 'approved'; request: BulkRequest }
  | { kind: 'rejected'; request: BulkRequest }
  /** Someone decided (or the requester cancelled) first: `request.decidedBy` / `decidedAt` say who and when. */
  | { kind: 'already_decided'; request: BulkRequest }
  /** `justExpired`: this call found it overdue and expired it, so nobody was told yet. */
  | { kind: 'expired'; request: BulkRequest; justExpired: boolean };

/**
 * A team lead approves a pending request; schedule the job when the outcome is `approved`.
 * The first decision wins: the loser of two simultaneous clicks gets `already_decided`.
 */
export async function approveBulkRequest(deps: BulkDeps, actor: Actor, requestId: string): Promise<BulkDecisionOutcome> {
  return decide(deps, actor, requestId, 'approved');
}

/** A team lead rejects a pending request, with a reason for the requester. */
export async function rejectBulkRequest(deps: BulkDeps, actor: Actor, requestId: string, reason: string): Promise<BulkDecisionOutcome> {
  const trimmed = reason.trim();
  if (!trimmed) {
    await audit(deps, actor.userId, 'bulk.reject', 'refused', { code: 'reason_required', channelId: actor.channelId, details: { requestId } });
    throw new LicenseError('reason_required');
  }
  return decide(deps, actor, requestId, 'rejected', trimmed);
}

async function decide(deps: BulkDeps, actor: Actor, requestId: string, status: 'approved' | 'rejected', reason?: string): Promise<BulkDecisionOutcome> {
  const action = status === 'approved' ? 'bulk.approve' : 'bulk.reject';
  const refuse = async (code: string, details: AuditEvent['details'] = {}) =>
    audit(deps, actor.userId, action, 'refused', { code, channelId: actor.channelId, details: { requestId, ...details } });

  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request) {
    await refuse('bulk_request_not_found');
    throw new LicenseError('bulk_request_not_found');
  }
  const blocker = await decisionBlocker(deps, actor.userId, request);
  if (blocker) {
    await refuse(blocker);
    throw new LicenseError(blocker);
  }

  const now = deps.now();
  const decided = request.status === 'pending_approval' ? await deps.bulk.decideBulkRequest(requestId, { status, by: actor.userId, ...(reason ? { reason } : {}) }, now) : null;
  if (decided) {
    await audit(deps, actor.userId, action, 'applied', {
      channelId: actor.channelId,
      details: { requestId, ...(reason ? { reason } : {}), requestedBy: request.requestedBy },
    });
    return { kind: status, request: decided };
  }

  const current = (await deps.bulk.getBulkRequest(requestId)) ?? request;
  if (current.status === 'pending_approval' && current.expiresAt && current.expiresAt <= now) {
    const expired = await expireOne(deps, requestId, now);
    await refuse('bulk_request_expired');
    return { kind: 'expired', request: expired ?? current, justExpired: expired !== null };
  }
  if (current.status === 'expired') {
    await refuse('bulk_request_expired');
    return { kind: 'expired', request: current, justExpired: false };
  }
  await refuse('change_already_done', { status: current.status, decidedBy: current.decidedBy ?? null });
  return { kind: 'already_decided', request: current };
}

/** Marks every overdue pending request `expired` and returns them, so Slack can say so. */
export async function expireBulkRequests(deps: BulkDeps, now: Date = deps.now()): Promise<BulkRequest[]> {
  const expired: BulkRequest[] = [];
  for (;;) {
    const ids = await deps.bulk.overdueBulkRequestIds(now, 100);
    if (ids.length === 0) return expired;
    let progressed = false;
    for (const id of ids) {
      const request = await expireOne(deps, id, now);
      if (request) {
        expired.push(request);
        progressed = true;
      }
    }
    // Another process expired them first: nothing left for this sweep.
    if (!progressed) return expired;
  }
}

async function expireOne(deps: BulkDeps, id: string, now: Date): Promise<BulkRequest | null> {
  const request = await deps.bulk.expireBulkRequest(id, now);
  if (request) await audit(deps, 'system', 'bulk.expire', 'applied', { source: 'job', channelId: request.channelId, details: { requestId: id, requestedBy: request.requestedBy } });
  return request;
}

export type BulkCancelOutcome =
  /** Nothing had changed yet: the request is cancelled. */
  | { kind: 'cancelled'; request: BulkRequest }
  /** The job is running: it stops before its next batch. */
  | { kind: 'cancel_requested'; request: BulkRequest }
  | { kind: 'already_finished'; request: BulkRequest };

/** Stops a bulk request or job; allowed to its requester and to any admin. */
export async function cancelBulkJob(deps: BulkDeps, actor: Actor, requestId: string): Promise<BulkCancelOutcome> {
  const request = await deps.bulk.getBulkRequest(requestId);
  if (!request) throw new LicenseError('bulk_request_not_found');
  if (request.requestedBy !== actor.userId && !(await isAdmin(deps, actor.userId))) {
    await audit(deps, actor.userId, 'bulk.cancel', 'refused', { code: 'not_requester', channelId: actor.channelId, details: { requestId } });
    throw new LicenseError('not_requester');
  }
  const now = deps.now();
  if (!FINAL_BULK_STATUSES.includes(request.status)) {
    const before = await deps.bulk.cancelBulkRequestBeforeStart(requestId, actor.userId, now);
    if (before) {
      await audit(deps, actor.userId, 'bulk.cancel', 'applied', { channelId: actor.channelId, details: { requestId, stage: 'before_start' } });
      return { kind: 'cancelled', request: before };
    }
    const flagged = await deps.bulk.requestBulkCancel(requestId, actor.userId, now);
    if (flagged) {
      await audit(deps, actor.userId, 'bulk.cancel', 'applied', { channelId: actor.channelId, details: { requestId, stage: 'running' } });
      return { kind: 'cancel_requested', request: flagged };
    }
  }
  const current = (await deps.bulk.getBulkRequest(requestId)) ?? request;
  await audit(deps, actor.userId, 'bulk.cancel', 'refused', { code: 'change_already_done', channelId: actor.channelId, details: { requestId, status: current.status } });
  return { kind: 'already_finished', request: current };
}

/** One bulk request, or null. */
export async function getBulkRequest(deps: Pick<BulkDeps, 'bulk'>, requestId: string): Promise<BulkRequest | null> {
  return deps.bulk.getBulkRequest(requestId);
}

/** Remembers the approval message so later decisions can update it. */
export async function setBulkApprovalMessage(deps: Pick<BulkDeps, 'bulk'>, requestId: string, ref: MessageRef): Promise<void> {
  await deps.bulk.setApprovalMessage(requestId, ref);
}

/** Remembers the progress message the job keeps updating. */
export async function setBulkProgressMessage(deps: Pick<BulkDeps, 'bulk'>, requestId: string, ref: MessageRef): Promise<void> {
  await deps.bulk.setProgressMessage(requestId, ref);
}

/** Recent requests with their status and progress, newest first (`/license jobs`). */
export async function listBulkJobs(deps: Pick<BulkDeps, 'bulk'>, limit = 10): Promise<BulkRequest[]> {
  return deps.bulk.listBulkRequests(limit);
}

/** Requests waiting for a lead, soonest deadline first (`/license requests`). */
export async function listPendingBulkRequests(deps: Pick<BulkDeps, 'bulk' | 'now'>, limit = 20): Promise<BulkRequest[]> {
  return deps.bulk.listPendingBulkRequests(deps.now(), limit);
}

async function audit(
  deps: BulkDeps,
  actor: string,
  action: string,
  outcome: 'applied' | 'refused',
  extra: { code?: ErrorCode | string; channelId?: string | undefined; details?: AuditEvent['details']; source?: string },
): Promise<void> {
  await deps.store.recordAudit([
    {
      at: deps.now(),
      actor,
      action,
      outcome,
      ...(extra.code ? { code: extra.code } : {}),
      ...(extra.channelId ? { channelId: extra.channelId } : {}),
      source: extra.source ?? 'slack',
      ...(extra.details ? { details: extra.details } : {}),
    },
  ]);
}
