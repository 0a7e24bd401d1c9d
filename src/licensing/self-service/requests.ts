import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import { type ErrorCode, LicenseError } from '../errors.js';
import { type Actor, type ChangeSpec, changeBlocker, freeSeats, type Learner, type LicenseType } from '../model.js';
import type { NoticeItem } from '../notices/ports.js';
import { plannedOperation, runOperation, runOperationToEnd } from '../operations.js';
import type { LicenseRequest, SelfServiceDeps } from './ports.js';

const CLAIM_LEASE_MS = 60_000;

/** The audit subject of a request. */
function subjectOf(request: Pick<LicenseRequest, 'id' | 'learnerId' | 'learnerEmail' | 'licenseType'>) {
  return {
    learnerId: request.learnerId,
    learnerEmail: request.learnerEmail,
    to: [request.licenseType],
    details: { requestId: request.id },
  };
}

/** What a learner sees to choose from: the types they do not hold, with their seats. */
export async function requestableTypes(deps: Pick<SelfServiceDeps, 'store'>, learner: Learner): Promise<LicenseType[]> {
  const types = await deps.store.listLicenseTypes();
  return types.filter((type) => !learner.licenseTypes.includes(type.key));
}

/**
 * A learner asks for a license type from their App Home. Nothing changes until an admin approves;
 * a refusal (deactivated, already held, unknown type, asked already) is audited and thrown.
 */
export async function requestLicense(
  deps: SelfServiceDeps,
  actor: Actor,
  learner: Learner,
  input: { licenseType: string; reason: string },
): Promise<{ request: LicenseRequest; type: LicenseType }> {
  const action = 'license_request.create';
  const subject = { learnerId: learner.id, learnerEmail: learner.email, from: learner.licenseTypes, to: [input.licenseType] };
  const refuse = async (code: ErrorCode): Promise<never> => {
    await audit(deps, actor, action, subject, { refused: code });
    throw new LicenseError(code);
  };
  const type = await deps.store.getLicenseType(input.licenseType);
  if (!type) return refuse('unknown_license_type');
  const blocker = changeBlocker(learner, { kind: 'add', to: type.key });
  if (blocker) return refuse(blocker);
  const reason = input.reason.trim();
  if (!reason) return refuse('reason_required');
  const request = await deps.licenseRequests.createLicenseRequest({
    learnerId: learner.id,
    learnerEmail: learner.email,
    requestedBy: actor.userId,
    licenseType: type.key,
    reason,
    createdAt: deps.now(),
  });
  if (!request) return refuse('license_request_pending');
  await audit(deps, actor, action, { ...subject, details: { requestId: request.id, reason } }, 'applied');
  return { request, type };
}

export type LicenseRequestDecision =
  | { kind: 'approved'; request: LicenseRequest; learner: Learner }
  /** Approving could not apply it (the learner changed, was deactivated, …): the request is closed with that code. */
  | { kind: 'failed'; request: LicenseRequest; code: ErrorCode }
  | { kind: 'denied'; request: LicenseRequest }
  /** Someone decided first (or is approving it right now). */
  | { kind: 'already_decided'; request: LicenseRequest };

/**
 * An admin approves a learner's request: the license is added through the operation engine (seats
 * checked, exactly once: attempt n of a request is the operation `license-request:<id>:<n>`) and the
 * learner is told in a DM. Short of seats, the approval is refused and the request stays pending.
 */
export async function approveLicenseRequest(deps: SelfServiceDeps, actor: Actor, requestId: string): Promise<LicenseRequestDecision> {
  const action = 'license_request.approve';
  const request = await requestToDecide(deps, actor, action, requestId);
  if (request.status !== 'pending' && request.status !== 'approving') return alreadyDecided(deps, actor, action, request);
  // Checked before claiming, so a refusal leaves the request as it was; the engine checks again.
  const type = await deps.store.getLicenseType(request.licenseType);
  if (type && freeSeats(type) < 1) {
    await audit(deps, actor, action, subjectOf(request), { refused: 'no_seats_left' });
    throw new LicenseError('no_seats_left');
  }
  const claimed = await deps.licenseRequests.claimLicenseRequest(request.id, actor.userId, deps.now(), CLAIM_LEASE_MS);
  if (!claimed) return alreadyDecided(deps, actor, action, (await deps.licenseRequests.getLicenseRequest(request.id)) ?? request);

  const opId = `license-request:${claimed.id}:${claimed.attempt}`;
  const change: ChangeSpec = { kind: 'add', to: claimed.licenseType };
  let op = await deps.store.getOperation(opId);
  if (!op) {
    const learner = await deps.store.findLearnerById(claimed.learnerId);
    if (!learner) return fail(deps, actor, claimed, 'learner_not_found');
    op = await deps.store.createOperation(
      plannedOperation({
        id: opId,
        change,
        learners: [learner],
        actor,
        reason: `Asked for by the learner: ${claimed.reason}`,
        createdAt: deps.now(),
        ...(deps.syncChanges ? { sync: true } : {}),
      }),
    );
  }
  const result = await runOperation(deps.store, op.id, deps.processId, deps.now, op);
  const applied = result.applied[0];
  if (!applied) {
    const code = (result.failed[0]?.code ?? 'learner_changed') as ErrorCode;
    if (code === 'no_seats_left') {
      // Seats ran out between the check and the engine: the next approval is a new attempt.
      await deps.licenseRequests.reopenLicenseRequest(claimed.id, claimed.attempt + 1);
      throw new LicenseError('no_seats_left');
    }
    return fail(deps, actor, claimed, code);
  }
  const finished = (await deps.licenseRequests.finishLicenseRequest(claimed.id, {
    status: 'approved',
    by: actor.userId,
    at: deps.now(),
  })) ?? {
    ...claimed,
    status: 'approved' as const,
    decidedBy: actor.userId,
    decidedAt: deps.now(),
  };
  await audit(deps, actor, action, subjectOf(finished), 'applied');
  await tellRequester(deps, finished, { outcome: 'approved', licenses: applied.next });
  const learner = await deps.store.findLearnerById(claimed.learnerId);
  if (!learner) throw new LicenseError('learner_not_found');
  return { kind: 'approved', request: finished, learner };
}

/** An admin denies a learner's request (with an optional reason); the learner is told. */
export async function denyLicenseRequest(
  deps: SelfServiceDeps,
  actor: Actor,
  requestId: string,
  reason?: string,
): Promise<LicenseRequestDecision> {
  const action = 'license_request.deny';
  const request = await requestToDecide(deps, actor, action, requestId);
  const why = reason?.trim() || undefined;
  const denied = await deps.licenseRequests.denyLicenseRequest(request.id, actor.userId, deps.now(), why);
  if (!denied) return alreadyDecided(deps, actor, action, (await deps.licenseRequests.getLicenseRequest(request.id)) ?? request);
  await audit(deps, actor, action, { ...subjectOf(denied), details: { requestId: denied.id, ...(why ? { reason: why } : {}) } }, 'applied');
  const learner = await deps.store.findLearnerById(denied.learnerId);
  await tellRequester(deps, denied, { outcome: 'denied', licenses: learner?.licenseTypes ?? [], ...(why ? { reason: why } : {}) });
  return { kind: 'denied', request: denied };
}

/** The request an admin is deciding; a non-admin or a request that is gone is refused and audited. */
async function requestToDecide(deps: SelfServiceDeps, actor: Actor, action: string, requestId: string): Promise<LicenseRequest> {
  await requireAdmin(deps, actor, action);
  const request = await deps.licenseRequests.getLicenseRequest(requestId);
  if (request) return request;
  await audit(deps, actor, action, { details: { requestId } }, { refused: 'license_request_not_found' });
  throw new LicenseError('license_request_not_found');
}

async function alreadyDecided(
  deps: SelfServiceDeps,
  actor: Actor,
  action: string,
  request: LicenseRequest,
): Promise<LicenseRequestDecision> {
  await audit(deps, actor, action, subjectOf(request), { refused: 'change_already_done' });
  return { kind: 'already_decided', request };
}

async function fail(deps: SelfServiceDeps, actor: Actor, request: LicenseRequest, code: ErrorCode): Promise<LicenseRequestDecision> {
  const finished = (await deps.licenseRequests.finishLicenseRequest(request.id, {
    status: 'failed',
    by: actor.userId,
    at: deps.now(),
    code,
  })) ?? {
    ...request,
    status: 'failed' as const,
    outcomeCode: code,
  };
  await audit(deps, actor, 'license_request.approve', subjectOf(finished), { failed: code });
  const learner = await deps.store.findLearnerById(request.learnerId);
  await tellRequester(deps, finished, { outcome: 'failed', licenses: learner?.licenseTypes ?? [], reason: code });
  return { kind: 'failed', request: finished, code };
}

/** The learner's DM about the decision: queued once per request, whatever the clicks and retries. */
async function tellRequester(
  deps: SelfServiceDeps,
  request: LicenseRequest,
  decision: { outcome: 'approved' | 'denied' | 'failed'; licenses: string[]; reason?: string },
): Promise<void> {
  const item: NoticeItem = {
    key: `license-request:${request.id}:decided`,
    source: `license-request:${request.id}`,
    to: { slackUserId: request.requestedBy },
    notice: {
      kind: 'license_request_decided',
      outcome: decision.outcome,
      licenseType: request.licenseType,
      decidedBy: request.decidedBy ?? 'system',
      licenses: decision.licenses,
      ...(decision.reason ? { reason: decision.reason } : {}),
    },
  };
  await deps.notices.enqueueNotices([item], deps.now());
}

export type ReleaseOutcome = { kind: 'released'; learner: Learner; released: string } | { kind: 'refused'; code: ErrorCode };

/**
 * A learner gives back one of their licenses ("Release my license"): applied through the engine
 * as the operation `release:<learnerId>:<version>:<type>`, so a double click releases it once and
 * a release after another change is a new one. The seat is freed; history and audit are written.
 */
export async function releaseLicense(deps: SelfServiceDeps, actor: Actor, learner: Learner, licenseType: string): Promise<ReleaseOutcome> {
  const change: ChangeSpec = { kind: 'release', from: licenseType };
  const opId = `release:${learner.id}:${learner.version}:${licenseType}`;
  let op = await deps.store.getOperation(opId);
  if (!op) {
    const blocker = changeBlocker(learner, change);
    if (blocker) {
      const code: ErrorCode = blocker === 'not_on_type' ? 'not_holding' : blocker;
      await audit(
        deps,
        actor,
        'release',
        { learnerId: learner.id, learnerEmail: learner.email, from: learner.licenseTypes, details: { licenseType } },
        { refused: code },
      );
      return { kind: 'refused', code };
    }
    op = await deps.store.createOperation(
      plannedOperation({
        id: opId,
        change,
        learners: [learner],
        actor,
        reason: 'Released by the learner',
        createdAt: deps.now(),
        ...(deps.syncChanges ? { sync: true } : {}),
      }),
    );
  }
  // Two clicks at once plan the same operation: the second waits for the first to settle it.
  const result = await runOperationToEnd(deps.store, op.id, deps.processId, deps.now, op);
  const current = (await deps.store.findLearnerById(learner.id)) ?? learner;
  if (result.applied[0] || !current.licenseTypes.includes(licenseType))
    return { kind: 'released', learner: current, released: licenseType };
  return { kind: 'refused', code: (result.failed[0]?.code ?? 'learner_changed') as ErrorCode };
}

/** The learner's open requests (newest first), for their Home. */
export async function openRequestsOf(deps: Pick<SelfServiceDeps, 'licenseRequests'>, learnerId: string): Promise<LicenseRequest[]> {
  return deps.licenseRequests.listOpenLicenseRequestsOf(learnerId, 10);
}

/** Requests waiting for an admin, oldest first. */
export async function pendingLicenseRequests(deps: Pick<SelfServiceDeps, 'licenseRequests'>, limit = 10): Promise<LicenseRequest[]> {
  return deps.licenseRequests.listPendingLicenseRequests(limit);
}

/** One request, or null. */
export async function getLicenseRequest(deps: Pick<SelfServiceDeps, 'licenseRequests'>, requestId: string): Promise<LicenseRequest | null> {
  return deps.licenseRequests.getLicenseRequest(requestId);
}

/** Remembers where the request was posted, so its decision can update the message and reply in its thread. */
export async function setLicenseRequestMessage(
  deps: Pick<SelfServiceDeps, 'licenseRequests'>,
  requestId: string,
  ref: { channel: string; ts: string },
): Promise<void> {
  await deps.licenseRequests.setLicenseRequestMessage(requestId, ref);
}
