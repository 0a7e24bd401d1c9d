import { requireAdmin } from '../admins.js';
import type { Actor } from '../model.js';
import type { EscalationTarget, PolicyDeps } from './ports.js';

/** The approval and grant settings in force, as `/license policy` shows them. */
export interface PolicyOverview {
  /** Bulk changes of more learners than this need a team lead. */
  approvalThreshold: number;
  ttlHours: number;
  remindAfterHours: number;
  escalateTo?: EscalationTarget;
  quorum?: { threshold: number; approvals: number };
  maxGrantDays?: number;
}

/** The policy for an admin (`/license policy`); others are refused like any admin command. */
export async function policyOverview(deps: PolicyDeps & { maxGrantDays?: number }, actor: Actor): Promise<PolicyOverview> {
  await requireAdmin(deps, actor, 'policy');
  const policy = deps.approvalPolicy ?? {};
  return {
    approvalThreshold: deps.bulkApprovalThreshold,
    ttlHours: deps.approvalTtlHours,
    remindAfterHours: deps.approvalTtlHours / 2,
    ...(policy.escalateTo ? { escalateTo: policy.escalateTo } : {}),
    ...(policy.quorum ? { quorum: policy.quorum } : {}),
    ...(deps.maxGrantDays !== undefined ? { maxGrantDays: deps.maxGrantDays } : {}),
  };
}
