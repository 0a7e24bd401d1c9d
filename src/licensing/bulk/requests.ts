import { isAdmin, requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import { LicenseError } from '../errors.js';
import type { Actor, AdminChange, AuditEvent } from '../model.js';
import { cancelTimers, scheduleTimers } from '../schedule/timers.js';
import { checkTiming, type Timing } from '../schedule/timing.js';
import {
  type BulkDeps,
  type BulkRequest,
  type BulkSelection,
  type BulkSelectionInput,
  FINAL_BULK_STATUSES,
  type MessageRef,
} from './ports.js';
import { type BulkPreview, normalizeSelection, previewBulkChange } from './selection.js';

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

/** What the requester gets back: the stored request and the counts it was based on (not recounted for a replay). */
export interface BulkSubmission {
  request: BulkRequest;
  preview?: BulkPreview;
  /** True when a team lead must approve before the job starts; otherwise schedule it now. */
  needsApproval: boolean;
  /** The same submission already made this request (a replay): nothing new was stored, nothing is to be announced. */
  replayed: boolean;
}

/**
 * Stores a bulk change after recounting it. Small ones are approved at once (the admin's
 * submit is their confirmation); above the threshold a team lead must approve before expiry
 * (and, above BULK_QUORUM_THRESHOLD, BULK_QUORUM leads). With `timing.applyAt` the change is
 * scheduled: it must be approved before that moment. With `timing.until` every learner it changes
 * gets it back then.
 */
export async function submitBulkRequest(
  deps: BulkDeps,
  actor: Actor,
  input: {
    selection: BulkSelectionInput;
    change: AdminChange;
    reason: string;
    channelId?: string;
    /** Set by reclaim: the request frees idle seats of this type. */
    reclaim?: BulkRequest['reclaim'];
    timing?: Timing;
    /** An id derived from what is submitted (a confirmed review): submitting it again returns the same request. */
    requestId?: string;
    /** Identifies the Slack submission (view and state): a replay of it finds the request it made. */
    submissionKey?: string;
  },
): Promise<BulkSubmission> {
  await requireAdmin(deps, actor, 'bulk.submit');
  // A replayed submission gets the request it already made, unchecked: it asks for nothing new.
  const earlier = input.submissionKey ? await deps.bulk.findBulkRequestBySubmission(input.submissionKey) : null;
  if (earlier && earlier.requestedBy === actor.userId) return replayedSubmission(earlier);
  const channelId = input.channelId ?? actor.channelId;
  // The request's channel is where it was made; the audit names it like any other.
  const at = channelId ? { ...actor, channelId } : actor;
  const refuse = async (error: LicenseError, details: AuditEvent['details'] = {}): Promise<never> => {
    await audit(deps, at, 'bulk.submit', { details }, { refused: error.code });
    throw error;
  };
  const reason = input.reason.trim();
  if (!reason) return refuse(new LicenseError('reason_required'));
  const timing = input.timing ?? {};
  try {
    checkTiming(timing, input.change, deps.now(), deps.maxGrantDays);
  } catch (error) {
    if (error instanceof LicenseError) return refuse(error, timingDetails(timing));
    throw error;
  }

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
  const quorum = deps.approvalPolicy?.quorum;
  const needsQuorum = quorum !== undefined && preview.toChange > quorum.threshold;
  const needsApproval = preview.toChange > deps.bulkApprovalThreshold || needsQuorum;
  // A scheduled change must be approved before it is due, a time-bound one before its end: its
  // approval window closes then at the latest.
  const expiresAt = new Date(
    Math.min(
      now.getTime() + deps.approvalTtlHours * 3_600_000,
      timing.applyAt?.getTime() ?? Number.POSITIVE_INFINITY,
      timing.until?.getTime() ?? Number.POSITIVE_INFINITY,
    ),
  );
  const { request, created } = await deps.bulk.createBulkRequest({
    ...(input.requestId ? { id: input.requestId } : {}),
    status: needsApproval ? 'pending_approval' : 'approved',
    selection,
    change: input.change,
    reason,
    requestedBy: actor.userId,
    ...(channelId ? { channelId } : {}),
    createdAt: now,
    ...(needsApproval
      ? {
          expiresAt,
          remindAt: new Date(now.getTime() + (expiresAt.getTime() - now.getTime()) / 2),
          ...(needsQuorum && quorum.approvals > 1 ? { quorum: quorum.approvals } : {}),
        }
      : { decidedBy: actor.userId, decidedAt: now }),
    ...(timing.applyAt ? { applyAt: timing.applyAt } : {}),
    ...(timing.until ? { until: timing.until } : {}),
    ...(timing.timeZone ? { timeZone: timing.timeZone } : {}),
    ...(deps.learnerNotices ? { notifyLearners: true } : {}),
    preview: {
      matched: preview.matched,
      alreadyOnTarget: preview.alreadyOnTarget,
      blocked: preview.blocked,
      toChange: preview.toChange,
      seatsNeeded: preview.seatsNeeded,
    },
    ...(input.reclaim ? { reclaim: input.reclaim } : {}),
    ...(input.submissionKey ? { submissionKey: input.submissionKey } : {}),
  });
  if (!created) return replayedSubmission(request);
  await audit(
    deps,
    at,
    'bulk.submit',
    {
      details: {
        requestId: request.id,
        status: request.status,
        toChange: preview.toChange,
        reason,
        ...timingDetails(timing),
        ...(request.quorum ? { quorum: request.quorum } : {}),
      },
    },
    'applied',
  );
  if (needsApproval && request.remindAt && request.expiresAt) {
    await scheduleTimers(deps, [
      { kind: 'approval_reminder', key: request.id, at: request.remindAt },
      { kind: 'approval_deadline', key: request.id, at: request.expiresAt },
    ]);
  }
  return { request, preview, needsApproval, replayed: false };
}

function replayedSubmission(request: BulkRequest): BulkSubmission {
  return { request, needsApproval: request.status === 'pending_approval', replayed: true };
}

function timingDetails(timing: Timing): Record<string, string> {
  return {
    ...(timing.applyAt ? { applyAt: timing.applyAt.toISOString() } : {}),
    ...(timing.until ? { until: timing.until.toISOString() } : {}),
  };
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
    await audit(deps, actor, 'bulk.cancel', { details: { requestId } }, { refused: 'not_requester' });
    throw new LicenseError('not_requester');
  }
  const now = deps.now();
  if (!FINAL_BULK_STATUSES.includes(request.status)) {
    const before = await deps.bulk.cancelBulkRequestBeforeStart(requestId, actor.userId, now);
    if (before) {
      await audit(deps, actor, 'bulk.cancel', { details: { requestId, stage: 'before_start' } }, 'applied');
      // A scheduled change's job, and the reminders of a pending one, have nothing left to do.
      await cancelTimers(deps, 'scheduled_change', [requestId]);
      await cancelTimers(deps, 'approval_reminder', [requestId]);
      await cancelTimers(deps, 'approval_deadline', [requestId]);
      return { kind: 'cancelled', request: before };
    }
    const flagged = await deps.bulk.requestBulkCancel(requestId, actor.userId, now);
    if (flagged) {
      await audit(deps, actor, 'bulk.cancel', { details: { requestId, stage: 'running' } }, 'applied');
      return { kind: 'cancel_requested', request: flagged };
    }
  }
  const current = (await deps.bulk.getBulkRequest(requestId)) ?? request;
  await audit(deps, actor, 'bulk.cancel', { details: { requestId, status: current.status } }, { refused: 'change_already_done' });
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
