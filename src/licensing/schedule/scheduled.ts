import type { BulkDeps, BulkRequest } from '../bulk/ports.js';
import { type BulkSubmission, SeatsShortError, submitBulkRequest } from '../bulk/requests.js';
import { previewBulkChange } from '../bulk/selection.js';
import { LicenseError } from '../errors.js';
import { type Actor, nextLicenseTypes } from '../model.js';
import { type ChangeReview, type ConfirmOutcome, claimReviewedChange, confirmChange } from '../single/change-requests.js';
import type { ChangeRequest } from '../single/ports.js';
import { grantTimerKey, grantTimers, warningPlan } from './plan.js';
import type { ScheduleDeps, Timer } from './ports.js';
import { scheduleTimers } from './timers.js';

/** An approved change waiting for its "apply at": scheduled, its job not started yet (cancelling it changes nothing). */
export function isScheduledChange(request: Pick<BulkRequest, 'status' | 'applyAt'>): boolean {
  return request.status === 'approved' && request.applyAt !== undefined;
}

/** When a bulk request's grants count from: the moment it was due to apply (or was approved). */
export function grantSince(request: Pick<BulkRequest, 'applyAt' | 'decidedAt' | 'createdAt'>): Date {
  return request.applyAt ?? request.decidedAt ?? request.createdAt;
}

/** The end and warning timers shared by every grant of a time-bound bulk request. */
export function bulkGrantTimers(request: Pick<BulkRequest, 'id' | 'until' | 'applyAt' | 'decidedAt' | 'createdAt'>): Timer[] {
  if (!request.until) return [];
  return grantTimers(grantTimerKey({ requestId: request.id }), request.until, warningPlan(grantSince(request), request.until));
}

/**
 * Why a scheduled change cannot start now, re-checked when it is due: the license type is gone, or
 * there are no longer seats for everyone it would change. Null when it can start. The check is made
 * before any learner changes, so a refused change leaves nothing half-applied.
 */
export async function scheduledStartBlocker(deps: BulkDeps, request: BulkRequest): Promise<{ code: string; detail: string } | null> {
  try {
    const preview = await previewBulkChange(deps, request.selection, request.change);
    if (preview.shortBy === 0) return null;
    const error = new SeatsShortError(preview.shortBy, preview.seatsNeeded, preview.seatsFree, preview.targetType?.name ?? 'license');
    return { code: error.code, detail: error.message };
  } catch (error) {
    if (error instanceof LicenseError) return { code: error.code, detail: error.message };
    throw error;
  }
}

export type ReviewedOutcome =
  | ConfirmOutcome
  /** Confirmed with "apply at": it is now a scheduled job (a bulk request of this one learner). */
  | { kind: 'scheduled'; submission: BulkSubmission; review: ChangeReview | null };

/**
 * Confirm on a review message. A change with "apply at" becomes a scheduled job of one learner —
 * listed in `/license jobs` with Cancel, seats re-checked when it runs, reported like any job —
 * whose id is the review's, so a second Confirm never schedules it twice. Any other change applies
 * now; one with "until" gets its end timers.
 */
export async function confirmReviewedChange(deps: ScheduleDeps & BulkDeps, actor: Actor, requestId: string): Promise<ReviewedOutcome> {
  const pending = await deps.changeRequests.getChangeRequest(requestId);
  if (!pending?.applyAt) {
    const outcome = await confirmChange(deps, actor, requestId);
    if (outcome.kind === 'applied' && outcome.review.request.until) {
      const grant = await deps.grants.getGrant(`${requestId}:${outcome.review.learner.id}`);
      if (grant) await scheduleTimers(deps, grantTimers(grantTimerKey({ grantId: grant.id }), grant.endsAt, grant.warnings));
    }
    return outcome;
  }
  const claim = await claimReviewedChange(deps, actor, requestId);
  if (claim.kind === 'already_done') return claim;
  const claimed = claim.request;
  const learner = await deps.store.findLearnerById(claimed.learnerId);
  const types = await deps.store.listLicenseTypes();
  const reviewOf = (status: ChangeRequest['status']): ChangeReview | null =>
    learner
      ? {
          request: { ...claimed, status },
          learner,
          before: learner.licenseTypes,
          after: nextLicenseTypes(learner.licenseTypes, claimed.change),
          typeNames: new Map(types.map((t) => [t.key, t.name])),
        }
      : null;
  try {
    if (!learner) throw new LicenseError('learner_not_found');
    const channelId = actor.channelId ?? claimed.channelId;
    const submission = await submitBulkRequest(deps, channelId ? { ...actor, channelId } : actor, {
      requestId: claimed.id,
      selection: { emails: [learner.email] },
      change: claimed.change,
      reason: claimed.reason || `Scheduled ${claimed.change.kind} of one learner`,
      ...(channelId ? { channelId } : {}),
      timing: {
        applyAt: claimed.applyAt ?? deps.now(),
        ...(claimed.until ? { until: claimed.until } : {}),
        ...(claimed.timeZone ? { timeZone: claimed.timeZone } : {}),
      },
    });
    await deps.changeRequests.finishChangeRequest(claimed.id, 'scheduled');
    return { kind: 'scheduled', submission, review: reviewOf('scheduled') };
  } catch (error) {
    if (!(error instanceof LicenseError)) throw error;
    await deps.changeRequests.finishChangeRequest(claimed.id, 'failed', error.code);
    return { kind: 'failed', code: error.code, review: reviewOf('failed') };
  }
}
