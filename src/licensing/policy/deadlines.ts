import { audit } from '../audit.js';
import { expireBulkRequests } from '../bulk/decisions.js';
import { canDecide, listLeads } from '../bulk/leads.js';
import type { BulkRequest } from '../bulk/ports.js';
import type { Actor } from '../model.js';
import { scheduleTimers } from '../schedule/timers.js';
import type { EscalationTarget, PolicyDeps, PolicyNotifiers } from './ports.js';

/** Reminders, escalations and expiries are the clock's doing. */
const POLICY_ACTOR: Actor = { userId: 'system', source: 'job' };

/** The timer key of a request's deadline after escalation (the first deadline's job is the one running). */
export function escalatedDeadlineKey(requestId: string): string {
  return `${requestId}:escalated`;
}

/** Who can still decide a pending request: its leads (and escalation users) who have not approved it, requester excluded. */
export async function pendingDeciders(deps: PolicyDeps, request: BulkRequest): Promise<string[]> {
  const escalated = request.escalatedTo && 'users' in request.escalatedTo ? request.escalatedTo.users : [];
  const candidates = [...new Set([...(await listLeads(deps)).map((l) => l.userId), ...escalated])];
  const approved = new Set((request.approvals ?? []).map((a) => a.by));
  const deciders: string[] = [];
  for (const userId of candidates) {
    if (!approved.has(userId) && (await canDecide(deps, userId, request))) deciders.push(userId);
  }
  return deciders;
}

/**
 * Reminds the leads of every request whose reminder is due (half of its approval window): one
 * thread reply each, mentioning those who can still decide. Each request is reminded once, however
 * many processes or sweeps run: the reminder is claimed first.
 */
export async function remindDueApprovals(
  deps: PolicyDeps,
  notifiers: Pick<PolicyNotifiers, 'approvals'>,
  now: Date = deps.now(),
): Promise<number> {
  let reminded = 0;
  for (;;) {
    const ids = await deps.bulk.dueBulkReminderIds(now, 50);
    let progressed = false;
    for (const id of ids) {
      const request = await deps.bulk.claimBulkReminder(id, now);
      if (!request) continue;
      progressed = true;
      const leads = await pendingDeciders(deps, request);
      await audit(deps, channelled(request), 'bulk.remind', { details: { requestId: id, leads: leads.join(',') } }, 'applied');
      // Claimed first, posted after: a crash in between loses this reminder rather than doubling it.
      await notifiers.approvals.reminded(request, leads).catch(() => undefined);
      reminded += 1;
    }
    if (!progressed) return reminded;
  }
}

/** What the deadline handling did. */
export interface DeadlineRun {
  escalated: BulkRequest[];
  expired: BulkRequest[];
}

/**
 * Handles requests past their deadline: with APPROVAL_ESCALATE_TO, a request is escalated once — it
 * goes to the target with a fresh deadline of APPROVAL_TTL_HOURS — and expires only when that one
 * passes too; without it, it expires. Each step is a conditional update, so it happens once.
 */
export async function handleApprovalDeadlines(deps: PolicyDeps, notifiers: PolicyNotifiers, now: Date = deps.now()): Promise<DeadlineRun> {
  const escalated: BulkRequest[] = [];
  const target = deps.approvalPolicy?.escalateTo;
  if (target) {
    for (;;) {
      const ids = await deps.bulk.overdueUnescalatedBulkRequestIds(now, 50);
      let progressed = false;
      for (const id of ids) {
        const request = await escalateOne(deps, notifiers, id, target, now);
        if (!request) continue;
        progressed = true;
        escalated.push(request);
      }
      if (!progressed) break;
    }
  }
  const expired = await expireBulkRequests(deps, now);
  for (const request of expired) await notifiers.bulk.expired(request).catch(() => undefined);
  return { escalated, expired };
}

async function escalateOne(
  deps: PolicyDeps,
  notifiers: PolicyNotifiers,
  id: string,
  target: EscalationTarget,
  now: Date,
): Promise<BulkRequest | null> {
  const expiresAt = new Date(now.getTime() + deps.approvalTtlHours * 3_600_000);
  const request = await deps.bulk.escalateBulkRequest(id, target, expiresAt, now);
  if (!request) return null;
  await audit(
    deps,
    channelled(request),
    'bulk.escalate',
    {
      details: {
        requestId: id,
        to: 'channelId' in target ? target.channelId : target.users.join(','),
        expiresAt: expiresAt.toISOString(),
      },
    },
    'applied',
  );
  await scheduleTimers(deps, [{ kind: 'approval_deadline', key: escalatedDeadlineKey(id), at: expiresAt }]);
  try {
    const refs = await notifiers.approvals.escalated(request, target);
    if (refs.length) {
      await deps.bulk.setEscalationMessages(id, refs);
      return { ...request, escalationMessages: refs };
    }
  } catch {
    // The request is escalated either way; its deciders still find it in `/license requests`.
  }
  return request;
}

function channelled(request: BulkRequest): Actor {
  return { ...POLICY_ACTOR, ...(request.channelId ? { channelId: request.channelId } : {}) };
}
