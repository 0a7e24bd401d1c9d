import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { LicensingDeps } from '../deps.js';
import { type ErrorCode, LicenseError } from '../errors.js';
import { type Actor, type AdminChange, changeBlocker, freeSeats, type Learner, type LicenseType, nextLicenseTypes } from '../model.js';
import { plannedOperation, runOperation } from '../operations.js';
import type { MessageRef } from '../ports.js';
import { checkTiming, type Timing } from '../schedule/timing.js';
import type { ChangeRequest } from './ports.js';

/** What a review message shows. */
export interface ChangeReview {
  request: ChangeRequest;
  learner: Learner;
  before: string[];
  after: string[];
  typeNames: Map<string, string>;
  /** The same submission already made this request (a replay): nothing new was stored. */
  replayed?: boolean;
}

const CONFIRM_LEASE_MS = 60_000;

/** Someone other than the admin who started a review clicked its Confirm or Cancel; `ownerId` is that admin. */
export class NotReviewOwnerError extends LicenseError {
  constructor(readonly ownerId: string) {
    super('not_review_owner');
    this.name = 'NotReviewOwnerError';
  }
}

/**
 * A review is its requester's: history must never pair one admin's click with another's reason.
 * Another admin's click is refused (and audited) before anything is claimed.
 */
async function requireReviewOwner(deps: LicensingDeps, actor: Actor, requestId: string, action: string): Promise<ChangeRequest> {
  const request = await deps.changeRequests.getChangeRequest(requestId);
  if (!request) throw new LicenseError('change_not_found');
  if (request.requestedBy !== actor.userId) {
    await audit(
      deps,
      actor,
      action,
      { learnerId: request.learnerId, details: { requestId, requestedBy: request.requestedBy } },
      { refused: 'not_review_owner' },
    );
    throw new NotReviewOwnerError(request.requestedBy);
  }
  return request;
}

/**
 * Validates a single-learner change and stores it for the admin's Confirm. Nothing changes yet;
 * a refusal is audited and thrown as a LicenseError.
 */
export async function requestChange(
  deps: LicensingDeps & { maxGrantDays?: number },
  actor: Actor,
  input: { learnerId: string; change: AdminChange; reason: string; timing?: Timing; submissionKey?: string },
): Promise<ChangeReview> {
  await requireAdmin(deps, actor, input.change.kind, { learnerId: input.learnerId });
  // A replayed submission gets the request it already made, unchecked: it asks for nothing new.
  const earlier = input.submissionKey ? await deps.changeRequests.findChangeRequestBySubmission(input.submissionKey) : null;
  if (earlier && earlier.requestedBy === actor.userId) return replayedReview(deps, earlier);
  const timing = input.timing ?? {};
  try {
    checkTiming(timing, input.change, deps.now(), deps.maxGrantDays);
  } catch (error) {
    if (error instanceof LicenseError) await audit(deps, actor, input.change.kind, { learnerId: input.learnerId }, { refused: error.code });
    throw error;
  }
  let change = input.change;
  if (change.kind === 'reassign' && change.from === null) {
    // "Reassign" replaces a license: with no choice made, the learner's first one.
    const to = change.to;
    const current = await deps.store.findLearnerById(input.learnerId);
    change = { kind: 'reassign', to, from: current?.licenseTypes.find((t) => t !== to) ?? null };
  }
  const { learner, types } = await checkChange(deps, actor, input.learnerId, change);
  const { request, created } = await deps.changeRequests.createChangeRequest({
    learnerId: learner.id,
    change,
    reason: input.reason,
    requestedBy: actor.userId,
    ...(actor.channelId ? { channelId: actor.channelId } : {}),
    createdAt: deps.now(),
    ...(timing.applyAt ? { applyAt: timing.applyAt } : {}),
    ...(timing.until ? { until: timing.until } : {}),
    ...(timing.timeZone ? { timeZone: timing.timeZone } : {}),
    ...(input.submissionKey ? { submissionKey: input.submissionKey } : {}),
  });
  return created ? review(request, learner, types) : replayedReview(deps, request);
}

async function replayedReview(deps: LicensingDeps, request: ChangeRequest): Promise<ChangeReview> {
  const [learner, types] = await Promise.all([deps.store.findLearnerById(request.learnerId), deps.store.listLicenseTypes()]);
  if (!learner) throw new LicenseError('learner_not_found');
  return { ...review(request, learner, types), replayed: true };
}

/** Remembers where the review message is, so its outcome replaces it in place. */
export async function setReviewMessage(deps: Pick<LicensingDeps, 'changeRequests'>, requestId: string, ref: MessageRef): Promise<void> {
  await deps.changeRequests.setReviewMessage(requestId, ref);
}

/** Re-checks a change against the current data; audits and throws the first rule it breaks. */
async function checkChange(
  deps: LicensingDeps,
  actor: Actor,
  learnerId: string,
  change: AdminChange,
): Promise<{ learner: Learner; types: LicenseType[] }> {
  const [learner, types] = await Promise.all([deps.store.findLearnerById(learnerId), deps.store.listLicenseTypes()]);
  const refuse = async (code: ErrorCode): Promise<never> => {
    const subject = learner ? { learnerId: learner.id, learnerEmail: learner.email, from: learner.licenseTypes } : {};
    await audit(deps, actor, change.kind, { ...subject, ...('to' in change ? { to: [change.to] } : {}) }, { refused: code });
    throw new LicenseError(code);
  };
  if (!learner) return refuse('learner_not_found');
  const byKey = new Map(types.map((t) => [t.key, t]));
  const target = 'to' in change ? byKey.get(change.to) : undefined;
  if ('to' in change && !target) return refuse('unknown_license_type');
  if (change.kind === 'reassign' && change.from !== null && !byKey.has(change.from)) return refuse('unknown_license_type');
  const blocker = changeBlocker(learner, change);
  if (blocker) return refuse(blocker);
  if (target && freeSeats(target) < 1) return refuse('no_seats_left');
  return { learner, types };
}

function review(request: ChangeRequest, learner: Learner, types: readonly LicenseType[]): ChangeReview {
  return {
    request,
    learner,
    before: learner.licenseTypes,
    after: nextLicenseTypes(learner.licenseTypes, request.change),
    typeNames: new Map(types.map((t) => [t.key, t.name])),
  };
}

export type ConfirmOutcome =
  | { kind: 'applied'; review: ChangeReview }
  | { kind: 'failed'; code: ErrorCode; review: ChangeReview | null }
  | { kind: 'already_done'; request: ChangeRequest };

/**
 * Applies a reviewed change exactly once. The first Confirm claims the request atomically; a
 * second click, a Slack retry or another process gets `already_done`.
 */
export async function confirmChange(deps: LicensingDeps, actor: Actor, requestId: string): Promise<ConfirmOutcome> {
  const claim = await claimReviewedChange(deps, actor, requestId);
  if (claim.kind === 'already_done') return claim;
  const claimed = claim.request;

  let op = await deps.store.getOperation(claimed.id);
  let types: LicenseType[] = await deps.store.listLicenseTypes();
  if (!op) {
    let checked: { learner: Learner; types: LicenseType[] };
    try {
      // A review confirmed after its end has passed would grant nothing but an immediate expiry.
      if (claimed.until && claimed.until.getTime() <= deps.now().getTime()) {
        await audit(deps, actor, claimed.change.kind, { learnerId: claimed.learnerId }, { refused: 'until_in_past' });
        throw new LicenseError('until_in_past');
      }
      checked = await checkChange(deps, actor, claimed.learnerId, claimed.change);
    } catch (error) {
      if (!(error instanceof LicenseError)) throw error;
      await deps.changeRequests.finishChangeRequest(claimed.id, 'failed', error.code);
      const learner = await deps.store.findLearnerById(claimed.learnerId);
      return { kind: 'failed', code: error.code, review: learner ? review(claimed, learner, types) : null };
    }
    types = checked.types;
    const channelId = actor.channelId ?? claimed.channelId;
    op = await deps.store.createOperation(
      plannedOperation({
        id: claimed.id,
        change: claimed.change,
        learners: [checked.learner],
        actor: { ...actor, ...(channelId ? { channelId } : {}) },
        reason: claimed.reason,
        createdAt: deps.now(),
        ...(deps.syncChanges ? { sync: true } : {}),
        ...(deps.learnerNotices ? { notify: true } : {}),
        // "Until": the engine records the grant that the expiry jobs end.
        ...(claimed.until
          ? { grant: { endsAt: claimed.until, since: deps.now(), ...(claimed.timeZone ? { timeZone: claimed.timeZone } : {}) } }
          : {}),
      }),
    );
  }

  const before = op.items[0]?.prev ?? [];
  const result = await runOperation(deps.store, op.id, deps.processId, deps.now);
  const learner = (await deps.store.findLearnerById(claimed.learnerId)) ?? null;
  const item = result.applied[0];
  if (item && learner) {
    await deps.changeRequests.finishChangeRequest(claimed.id, 'applied');
    return {
      kind: 'applied',
      review: {
        request: { ...claimed, status: 'applied' },
        learner,
        before: item.prev,
        after: item.next,
        typeNames: new Map(types.map((t) => [t.key, t.name])),
      },
    };
  }
  const code = (result.failed[0]?.code ?? 'learner_changed') as ErrorCode;
  await deps.changeRequests.finishChangeRequest(claimed.id, 'failed', code);
  return {
    kind: 'failed',
    code,
    review: learner ? { ...review({ ...claimed, status: 'failed' }, learner, types), before, after: before } : null,
  };
}

/**
 * The admin's Confirm takes the review atomically: `claimed` once (or again after a crashed
 * process's lease), `already_done` for a second click, a Slack retry or another process.
 */
export async function claimReviewedChange(
  deps: LicensingDeps,
  actor: Actor,
  requestId: string,
): Promise<{ kind: 'claimed'; request: ChangeRequest } | { kind: 'already_done'; request: ChangeRequest }> {
  await requireAdmin(deps, actor, 'confirm');
  await requireReviewOwner(deps, actor, requestId, 'confirm');
  const claimed = await deps.changeRequests.claimChangeRequest(requestId, actor.userId, CONFIRM_LEASE_MS, deps.now());
  if (claimed) return { kind: 'claimed', request: claimed };
  const existing = await deps.changeRequests.getChangeRequest(requestId);
  if (!existing) throw new LicenseError('change_not_found');
  return { kind: 'already_done', request: existing };
}

/** Discards a pending change; a request already handled reports `already_done`. */
export async function cancelChange(
  deps: LicensingDeps,
  actor: Actor,
  requestId: string,
): Promise<{ kind: 'cancelled'; request: ChangeRequest } | { kind: 'already_done'; request: ChangeRequest }> {
  await requireAdmin(deps, actor, 'cancel');
  await requireReviewOwner(deps, actor, requestId, 'cancel');
  const cancelled = await deps.changeRequests.cancelChangeRequest(requestId, actor.userId, deps.now());
  if (cancelled) return { kind: 'cancelled', request: cancelled };
  const existing = await deps.changeRequests.getChangeRequest(requestId);
  if (!existing) throw new LicenseError('change_not_found');
  return { kind: 'already_done', request: existing };
}
