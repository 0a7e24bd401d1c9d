import { audit } from '../audit.js';
import { LicenseError } from '../errors.js';
import type { Actor, AuditEvent } from '../model.js';
import { decisionBlocker } from './leads.js';
import type { BulkDeps, BulkRequest } from './ports.js';

export type BulkDecisionOutcome =
  | { kind: 'approved'; request: BulkRequest }
  | { kind: 'rejected'; request: BulkRequest }
  /** Someone decided (or the requester cancelled) first: `request.decidedBy` / `decidedAt` say who and when. */
  | { kind: 'already_decided'; request: BulkRequest }
  /** With a quorum: this lead's approval is counted, more are needed (`request.approvals` has them all). */
  | { kind: 'approval_recorded'; request: BulkRequest }
  /** With a quorum: this lead had approved already; more are needed. */
  | { kind: 'already_approved'; request: BulkRequest }
  /** `justExpired`: this call found it overdue and expired it, so nobody was told yet. */
  | { kind: 'expired'; request: BulkRequest; justExpired: boolean };

/**
 * A team lead approves a pending request; schedule the job when the outcome is `approved`.
 * The first decision wins: the loser of two simultaneous clicks gets `already_decided`. With a
 * quorum, each distinct lead's approval is counted and the one that reaches it approves.
 */
export async function approveBulkRequest(deps: BulkDeps, actor: Actor, requestId: string): Promise<BulkDecisionOutcome> {
  return decide(deps, actor, requestId, 'approved');
}

/** A team lead rejects a pending request, with a reason for the requester. */
export async function rejectBulkRequest(deps: BulkDeps, actor: Actor, requestId: string, reason: string): Promise<BulkDecisionOutcome> {
  const trimmed = reason.trim();
  if (!trimmed) {
    await audit(deps, actor, 'bulk.reject', { details: { requestId } }, { refused: 'reason_required' });
    throw new LicenseError('reason_required');
  }
  return decide(deps, actor, requestId, 'rejected', trimmed);
}

async function decide(
  deps: BulkDeps,
  actor: Actor,
  requestId: string,
  status: 'approved' | 'rejected',
  reason?: string,
): Promise<BulkDecisionOutcome> {
  const action = status === 'approved' ? 'bulk.approve' : 'bulk.reject';
  const refuse = async (code: string, details: AuditEvent['details'] = {}) =>
    audit(deps, actor, action, { details: { requestId, ...details } }, { refused: code });

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
  if (status === 'approved' && (request.quorum ?? 1) > 1 && request.status === 'pending_approval') {
    const counted = await countApproval(deps, actor, request, now);
    if (counted) return counted;
  }
  const decided =
    request.status === 'pending_approval' && (status === 'rejected' || (request.quorum ?? 1) <= 1)
      ? await deps.bulk.decideBulkRequest(requestId, { status, by: actor.userId, ...(reason ? { reason } : {}) }, now)
      : null;
  if (decided) {
    await audit(
      deps,
      actor,
      action,
      { details: { requestId, ...(reason ? { reason } : {}), requestedBy: request.requestedBy } },
      'applied',
    );
    return { kind: status, request: decided };
  }

  const current = (await deps.bulk.getBulkRequest(requestId)) ?? request;
  if (current.status === 'pending_approval' && current.expiresAt && current.expiresAt <= now) {
    // Past the first deadline with escalation on, the request goes on to the escalation target
    // (the deadline job does that); it does not expire on a click.
    if (deps.approvalPolicy?.escalateTo && !current.escalatedAt) {
      await refuse('approval_escalating');
      throw new LicenseError('approval_escalating');
    }
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

/**
 * Counts a lead's approval towards a quorum; returns the outcome, or null when it was not counted
 * because the request is no longer pending (the caller reports that as usual).
 */
async function countApproval(deps: BulkDeps, actor: Actor, request: BulkRequest, now: Date): Promise<BulkDecisionOutcome | null> {
  const recorded = await deps.bulk.recordBulkApproval(request.id, actor.userId, now);
  if (recorded) {
    const approvals = recorded.approvals?.length ?? 0;
    await audit(
      deps,
      actor,
      'bulk.approve',
      { details: { requestId: request.id, requestedBy: request.requestedBy, approvals, quorum: request.quorum ?? 1 } },
      'applied',
    );
    return { kind: recorded.status === 'approved' ? 'approved' : 'approval_recorded', request: recorded };
  }
  const current = (await deps.bulk.getBulkRequest(request.id)) ?? request;
  const stillOpen = current.status === 'pending_approval' && current.expiresAt !== undefined && current.expiresAt > now;
  if (stillOpen && current.approvals?.some((a) => a.by === actor.userId)) {
    await audit(deps, actor, 'bulk.approve', { details: { requestId: request.id } }, { refused: 'already_approved' });
    return { kind: 'already_approved', request: current };
  }
  return null;
}

/** Marks every overdue pending request `expired` and returns them, so Slack can say so. */
export async function expireBulkRequests(deps: BulkDeps, now: Date = deps.now()): Promise<BulkRequest[]> {
  const expired: BulkRequest[] = [];
  for (;;) {
    const ids = await deps.bulk.overdueBulkRequestIds(now, 100);
    if (ids.length === 0) return expired;
    let progressed = false;
    for (const id of ids) {
      // With escalation on, a request expires only after its escalation's deadline.
      if (deps.approvalPolicy?.escalateTo && !(await deps.bulk.getBulkRequest(id))?.escalatedAt) continue;
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
  if (request) {
    const system = { userId: 'system', source: 'job' as const, ...(request.channelId ? { channelId: request.channelId } : {}) };
    await audit(deps, system, 'bulk.expire', { details: { requestId: id, requestedBy: request.requestedBy } }, 'applied');
  }
  return request;
}

/**
 * Checks, before asking a lead for a rejection reason, that they may decide the request at all;
 * a refusal is audited like any other.
 */
export async function requireDecider(deps: BulkDeps, actor: Actor, requestId: string): Promise<BulkRequest> {
  const request = await deps.bulk.getBulkRequest(requestId);
  const blocker = request ? await decisionBlocker(deps, actor.userId, request) : 'bulk_request_not_found';
  if (!blocker && request) return request;
  await audit(deps, actor, 'bulk.reject', { details: { requestId } }, { refused: blocker ?? 'bulk_request_not_found' });
  throw new LicenseError(blocker ?? 'bulk_request_not_found');
}
