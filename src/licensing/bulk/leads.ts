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

/**
 * Why `userId` may not decide the request, or null when they may. A group-limited lead decides
 * only requests whose selection names groups, all within theirs: any other selection could reach
 * learners outside them.
 */
export async function decisionBlocker(
  deps: BulkDeps,
  userId: string,
  request: Pick<BulkRequest, 'requestedBy' | 'selection'>,
): Promise<ErrorCode | null> {
  const lead: Pick<LeadRecord, 'groups'> | null = deps.configApprovers.includes(userId) ? { groups: [] } : await deps.leads.getLead(userId);
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
export async function canDecide(deps: BulkDeps, userId: string, request: Pick<BulkRequest, 'requestedBy' | 'selection'>): Promise<boolean> {
  return (await decisionBlocker(deps, userId, request)) === null;
}

async function auditLeadChange(deps: BulkDeps, actor: Actor, action: string, userId: string, groups: readonly string[]): Promise<void> {
  await audit(deps, actor, action, { details: { userId, groups: groups.join(',') } }, 'applied');
}
