import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { ErrorCode } from '../errors.js';
import type { Actor } from '../model.js';
import type { BulkDeps, BulkRequest, LeadRecord } from './ports.js';

/** A team lead as listed: from LICENSE_APPROVERS (any group) or added from Slack. */
export interface Lead {
  userId: string;
  /** Empty: any group. */
  groups: string[];
  fromConfig: boolean;
}

/** Makes `userId` a team lead, optionally only for `groups`; replaces the groups of an existing lead. */
export async function addLead(
  deps: BulkDeps,
  actor: Actor,
  userId: string,
  groups: readonly string[] = [],
): Promise<'added' | 'updated' | 'from_config'> {
  await requireAdmin(deps, actor, 'leads.add');
  if (deps.configApprovers.includes(userId)) return 'from_config';
  const result = await deps.leads.upsertLead({
    userId,
    groups: [...new Set(groups.map((g) => g.trim()).filter(Boolean))],
    addedBy: actor.userId,
    addedAt: deps.now(),
  });
  await auditLeadChange(deps, actor, 'leads.add', userId, groups);
  return result;
}

/** Removes a lead added from Slack; false when they were not one (leads from config stay). */
export async function removeLead(deps: BulkDeps, actor: Actor, userId: string): Promise<boolean> {
  await requireAdmin(deps, actor, 'leads.remove');
  const removed = await deps.leads.removeLead(userId);
  if (removed) await auditLeadChange(deps, actor, 'leads.remove', userId, []);
  return removed;
}

/** Every lead: those from config first, then those added from Slack. */
export async function listLeads(deps: BulkDeps): Promise<Lead[]> {
  const stored = await deps.leads.listLeads();
  return [
    ...deps.configApprovers.map((userId) => ({ userId, groups: [], fromConfig: true })),
    ...stored
      .filter((l) => !deps.configApprovers.includes(l.userId))
      .map((l) => ({ userId: l.userId, groups: l.groups, fromConfig: false })),
  ];
}

/** What deciding a request depends on: who asked, what it selects, and whom it was escalated to. */
type DecidableRequest = Pick<BulkRequest, 'requestedBy' | 'selection'> & Partial<Pick<BulkRequest, 'escalatedTo'>>;

/**
 * Why `userId` may not decide the request, or null when they may. A group-limited lead decides
 * only requests whose selection names groups, all within theirs: any other selection could reach
 * learners outside them.
 */
export async function decisionBlocker(deps: BulkDeps, userId: string, request: DecidableRequest): Promise<ErrorCode | null> {
  return blockerFor(await leadOf(deps, userId), userId, request);
}

/** The user as a lead (config leads decide for any group), or null when they are not one. */
export async function leadOf(deps: BulkDeps, userId: string): Promise<Pick<LeadRecord, 'groups'> | null> {
  return deps.configApprovers.includes(userId) ? { groups: [] } : await deps.leads.getLead(userId);
}

/** `decisionBlocker` for a lead already read: for lists of requests, one look-up of the lead. */
export function blockerFor(lead: Pick<LeadRecord, 'groups'> | null, userId: string, request: DecidableRequest): ErrorCode | null {
  // The people a request was escalated to (APPROVAL_ESCALATE_TO users) may decide it, leads or not.
  const escalatedTo = request.escalatedTo;
  if (escalatedTo && 'users' in escalatedTo && escalatedTo.users.includes(userId))
    return request.requestedBy === userId ? 'own_bulk_request' : null;
  if (!lead) return 'not_lead';
  if (request.requestedBy === userId) return 'own_bulk_request';
  if (lead.groups.length === 0) return null;
  const groups = request.selection.groups;
  return groups.length > 0 && groups.every((g) => lead.groups.includes(g)) ? null : 'lead_out_of_scope';
}

/** True for a team lead, from LICENSE_APPROVERS or added from Slack, whatever their groups. */
export async function isLead(deps: Pick<BulkDeps, 'configApprovers' | 'leads'>, userId: string): Promise<boolean> {
  return deps.configApprovers.includes(userId) || (await deps.leads.getLead(userId)) !== null;
}

/** True when the user may approve or reject the request (for showing the buttons). */
export async function canDecide(deps: BulkDeps, userId: string, request: DecidableRequest): Promise<boolean> {
  return (await decisionBlocker(deps, userId, request)) === null;
}

async function auditLeadChange(deps: BulkDeps, actor: Actor, action: string, userId: string, groups: readonly string[]): Promise<void> {
  await audit(deps, actor, action, { details: { userId, groups: groups.join(',') } }, 'applied');
}
