import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import { decisionBlocker } from '../bulk/leads.js';
import type { BulkDeps } from '../bulk/ports.js';
import { normalizeSelection } from '../bulk/selection.js';
import { type ErrorCode, LicenseError } from '../errors.js';
import type { Actor, Learner } from '../model.js';
import { withdrawNotices } from '../notices/queue.js';
import { grantWarningKeyPrefix } from './grants.js';
import { grantTimerKey, grantTimers, nextWarningAt, warningPlan } from './plan.js';
import type { ExtensionRequest, Grant, GrantTarget, ScheduleDeps, WarningLabel } from './ports.js';
import { exceedsMaxGrant } from './timing.js';

export type ExtendOutcome =
  | { kind: 'extended'; learners: number; endsAt: Date; previousEndsAt: Date }
  /** Past MAX_GRANT_DAYS: a lead must approve; the request is stored and waits. */
  | { kind: 'needs_approval'; request: ExtensionRequest };

function targetDetails(target: GrantTarget): Record<string, string> {
  return 'grantId' in target ? { grantId: target.grantId } : { requestId: target.requestId };
}

/** The grant an extension starts from (the soonest-ending of a bulk request's), or the refusal. */
export async function grantToExtend(deps: Pick<ScheduleDeps, 'grants'>, target: GrantTarget): Promise<Grant> {
  const [first] = await deps.grants.activeGrantsFor(target, 1);
  if (!first) throw new LicenseError('grant_not_found');
  return first;
}

/**
 * An admin moves the end of a grant (or of every active grant of a bulk request). Its warnings start
 * again for the new end and its old timers are moved or removed. Past MAX_GRANT_DAYS (counted from
 * the grant's start) a team lead must approve: the request is stored and `needs_approval` returned.
 */
export async function extendGrants(
  deps: ScheduleDeps,
  actor: Actor,
  input: { target: GrantTarget; endsAt: Date; reason?: string; timeZone?: string },
): Promise<ExtendOutcome> {
  const details = { ...targetDetails(input.target), endsAt: input.endsAt.toISOString() };
  await requireAdmin(deps, actor, 'grant.extend');
  const refuse = async (code: ErrorCode): Promise<never> => {
    await audit(deps, actor, 'grant.extend', { details }, { refused: code });
    throw new LicenseError(code);
  };
  const now = deps.now();
  const first = await deps.grants.activeGrantsFor(input.target, 1).then((grants) => grants[0]);
  if (!first) return refuse('grant_not_found');
  if (first.endOpId) return refuse('grant_ending');
  if (input.endsAt.getTime() <= now.getTime()) return refuse('until_in_past');
  if (exceedsMaxGrant(first.since, input.endsAt, deps.maxGrantDays)) {
    const learners = await deps.grants.countActiveGrantsFor(input.target);
    const request = await deps.extensions.createExtension({
      target: input.target,
      endsAt: input.endsAt,
      previousEndsAt: first.endsAt,
      learners,
      requestedBy: actor.userId,
      reason: (input.reason ?? '').trim().slice(0, 500),
      ...(input.timeZone ? { timeZone: input.timeZone } : {}),
      createdAt: now,
      // Undecided when the grant ends, the request is moot; it never waits longer than an approval.
      expiresAt: new Date(Math.min(first.endsAt.getTime(), now.getTime() + deps.approvalTtlHours * 3_600_000)),
    });
    await audit(deps, actor, 'grant.extend.request', { details: { ...details, extensionId: request.id, learners } }, 'applied');
    return { kind: 'needs_approval', request };
  }
  const learners = await applyExtension(deps, actor, input.target, input.endsAt, now);
  if (learners === 0) return refuse('grant_ending');
  await audit(deps, actor, 'grant.extend', { details: { ...details, from: first.endsAt.toISOString(), learners } }, 'applied');
  return { kind: 'extended', learners, endsAt: input.endsAt, previousEndsAt: first.endsAt };
}

/** Moves the grants' end, restarts their warnings (withdrawing those queued for the old end) and re-times their jobs; returns how many moved. */
async function applyExtension(deps: ScheduleDeps, actor: Actor, target: GrantTarget, endsAt: Date, now: Date): Promise<number> {
  const warnings = warningPlan(now, endsAt);
  const moved = await deps.grants.extendGrants(target, {
    endsAt,
    warnings,
    nextWarnAt: nextWarningAt(warnings, []),
    by: actor.userId,
    at: now,
  });
  // Warnings still queued for the old end would announce an end that no longer holds.
  if (moved.length) await withdrawNotices(deps, { prefix: grantWarningKeyPrefix(target), except: `:${endsAt.toISOString()}:` });
  if (moved.length && deps.timers) {
    const key = grantTimerKey(target);
    await deps.timers.schedule(grantTimers(key, endsAt, warnings), { move: true });
    const kept = new Set(warnings.map((w) => w.label));
    const stale = (['7d', '1d'] as WarningLabel[]).filter((label) => !kept.has(label)).map((label) => `${key}:${label}`);
    if (stale.length) await deps.timers.cancel('grant_warning', stale);
  }
  return moved.length;
}

export type ExtensionDecision =
  | { kind: 'approved'; request: ExtensionRequest; learners: number }
  | { kind: 'rejected'; request: ExtensionRequest }
  | { kind: 'already_decided'; request: ExtensionRequest }
  | { kind: 'expired'; request: ExtensionRequest };

/**
 * A team lead decides an extension past MAX_GRANT_DAYS. The requester cannot decide their own; a
 * lead limited to groups decides only grants within them. The first decision wins.
 */
export async function decideExtension(
  deps: ScheduleDeps & BulkDeps,
  actor: Actor,
  extensionId: string,
  decision: 'approved' | 'rejected',
): Promise<ExtensionDecision> {
  const action = decision === 'approved' ? 'grant.extend.approve' : 'grant.extend.reject';
  const refuse = async (code: ErrorCode): Promise<never> => {
    await audit(deps, actor, action, { details: { extensionId } }, { refused: code });
    throw new LicenseError(code);
  };
  const request = await deps.extensions.getExtension(extensionId);
  if (!request) return refuse('extension_not_found');
  const blocker = await decisionBlocker(deps, actor.userId, {
    requestedBy: request.requestedBy,
    selection: normalizeSelection({ groups: await groupsOf(deps, request.target) }),
  });
  if (blocker) return refuse(blocker);
  const now = deps.now();
  const decided = await deps.extensions.decideExtension(extensionId, decision, actor.userId, now);
  if (!decided) {
    const current = (await deps.extensions.getExtension(extensionId)) ?? request;
    if (current.status === 'pending_approval' || current.status === 'expired') {
      await audit(deps, actor, action, { details: { extensionId } }, { refused: 'extension_expired' });
      return { kind: 'expired', request: current };
    }
    await audit(deps, actor, action, { details: { extensionId, status: current.status } }, { refused: 'change_already_done' });
    return { kind: 'already_decided', request: current };
  }
  if (decision === 'rejected') {
    await audit(deps, actor, action, { details: { extensionId, requestedBy: request.requestedBy } }, 'applied');
    return { kind: 'rejected', request: decided };
  }
  const learners = await applyExtension(deps, { ...actor, userId: request.requestedBy }, request.target, request.endsAt, now);
  await audit(
    deps,
    actor,
    action,
    { details: { extensionId, requestedBy: request.requestedBy, endsAt: request.endsAt.toISOString(), learners } },
    'applied',
  );
  return { kind: 'approved', request: decided, learners };
}

/** The groups a target reaches, for group-limited leads: the learner's, or the bulk request's selection. */
async function groupsOf(deps: ScheduleDeps & BulkDeps, target: GrantTarget): Promise<string[]> {
  if ('requestId' in target) return (await deps.bulk.getBulkRequest(target.requestId))?.selection.groups ?? [];
  const grant = await deps.grants.getGrant(target.grantId);
  const learner = grant ? await deps.store.findLearnerById(grant.learnerId) : null;
  return learner?.groups ?? [];
}

/**
 * A learner asks for more time on their grant (the Extend button of their notice): allowed only to
 * the learner it belongs to, found by Slack id or by the email Slack has for them. Returns what the
 * granting admin needs to be asked.
 */
export async function askForExtension(
  deps: ScheduleDeps,
  actor: Actor,
  grantId: string,
  actorEmail?: string,
): Promise<{ grant: Grant; learner: Learner }> {
  const grant = await deps.grants.getGrant(grantId);
  const learner = grant ? await deps.store.findLearnerById(grant.learnerId) : null;
  const refuse = async (code: ErrorCode): Promise<never> => {
    await audit(deps, actor, 'grant.extend.ask', { details: { grantId } }, { refused: code });
    throw new LicenseError(code);
  };
  if (!grant || !learner || grant.status !== 'active') return refuse('grant_not_found');
  const own =
    learner.slackUserId === actor.userId || (actorEmail !== undefined && actorEmail.toLowerCase() === learner.email.toLowerCase());
  if (!own) return refuse('not_your_grant');
  await audit(deps, actor, 'grant.extend.ask', { learnerId: learner.id, learnerEmail: learner.email, details: { grantId } }, 'applied');
  return { grant, learner };
}

/** What the extend modal shows: the grant (the soonest-ending of a request's), how many it covers, whose it is. */
export async function prepareExtension(
  deps: ScheduleDeps,
  actor: Actor,
  target: GrantTarget,
): Promise<{ grant: Grant; learners: number; learnerLabel: string; typeNames: Map<string, string> }> {
  await requireAdmin(deps, actor, 'grant.extend');
  const grant = await grantToExtend(deps, target);
  const [learners, learner, types] = await Promise.all([
    deps.grants.countActiveGrantsFor(target),
    deps.store.findLearnerById(grant.learnerId),
    deps.store.listLicenseTypes(),
  ]);
  return {
    grant,
    learners,
    learnerLabel: learner ? `${learner.name} (${learner.email})` : grant.email,
    typeNames: new Map(types.map((t) => [t.key, t.name])),
  };
}
